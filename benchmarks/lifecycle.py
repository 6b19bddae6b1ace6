"""Python worker of benchmarks/bindings_bench.py: N times Sandbox.create() + commands.run("true")
+ kill(), one line per iteration with its milliseconds."""
import sys
import time

from soulbox import Sandbox


def main():
    for _ in range(int(sys.argv[1])):
        start = time.perf_counter()
        sbx = Sandbox.create(timeout=600)  # a crashed run leaves nothing for long
        sbx.commands.run("true")
        sbx.kill()
        print(f"{(time.perf_counter() - start) * 1000:.4f}")


if __name__ == "__main__":
    main()
