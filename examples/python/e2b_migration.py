"""An E2B script running on SoulBox: only the import differs from `from e2b import Sandbox`."""

from soulbox import Sandbox

sbx = Sandbox(timeout=120)
try:
    sbx.files.write("/home/user/data/input.txt", "3\n4\n5\n")
    result = sbx.commands.run(
        "python3 -c \"import sys; print(sum(int(x) for x in open('data/input.txt')))\""
    )
    print("sum:", result.stdout.strip())

    for entry in sbx.files.list("/home/user/data"):
        print("entry:", entry.name, entry.type.value)

    lines = []
    handle = sbx.commands.run(
        "for i in 1 2 3; do echo tick $i; done", background=True, on_stdout=lambda s: lines.append(s)
    )
    handle.wait()
    print("streamed:", "".join(lines).split("\n")[:3])

    sbx.files.write("/home/user/out.txt", "done")
    print("read back:", sbx.files.read("/home/user/out.txt"))
finally:
    sbx.kill()
