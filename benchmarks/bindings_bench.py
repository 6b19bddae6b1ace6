#!/usr/bin/env python3
"""Binding overhead: Sandbox.create() + commands.run("true") + kill() through the C++ API, the
Python package and the Node addon, in interleaved rounds of one run.

Each round starts one worker process per variant (lifecycle_samples, the same in a process
with 512 MiB resident, lifecycle.py, lifecycle.mjs); a worker does WARMUP + ITERS iterations in-process and prints one line of
milliseconds per iteration. The warm-up lines are dropped: the first create in a process pays
once-per-process costs (the agent memfd, the seccomp program) in every variant alike.

Usage: benchmarks/bindings_bench.py BUILD_DIR [--rounds R] [--iters K]
(benchmarks/bindings.sh builds BUILD_DIR with the bindings and runs this.)
"""
import argparse
import math
import os
import subprocess
import sys

WARMUP = 2
HERE = os.path.dirname(os.path.abspath(__file__))


def percentile(sorted_values, p):
    """Nearest rank, as soulbox_bench."""
    rank = max(1, min(len(sorted_values), math.ceil(p * len(sorted_values))))
    return sorted_values[rank - 1]


def workers(build):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(build, "bindings", "python", "package")
    env["SOULBOX_NODE_ADDON"] = os.path.join(build, "bindings", "node", "soulbox.node")
    return [
        ("C++ API (soulbox::Sandbox)", [os.path.join(build, "benchmarks", "lifecycle_samples")], env),
        ("C++ API, 512 MiB resident", [os.path.join(build, "benchmarks", "lifecycle_samples"),
                                       "--resident-mib", "512"], env),
        ("Python (soulbox.Sandbox)", ["/usr/bin/python3", os.path.join(HERE, "lifecycle.py")], env),
        ("Node (require('soulbox'))", ["node", os.path.join(HERE, "lifecycle.mjs")], env),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--iters", type=int, default=20)
    args = parser.parse_args()
    if args.rounds <= 0 or args.iters <= 0:
        parser.error("--rounds and --iters must be positive")

    variants = workers(os.path.abspath(args.build))
    samples = {name: [] for name, _, _ in variants}
    for round_index in range(args.rounds):
        # Rotate the order so no variant always runs right after another.
        shift = round_index % len(variants)
        for name, argv, env in variants[shift:] + variants[:shift]:
            out = subprocess.run(argv + [str(WARMUP + args.iters)], env=env, check=True,
                                 capture_output=True, text=True).stdout
            samples[name].extend(float(line) for line in out.split()[WARMUP:])
        print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr)

    base = sorted(samples[variants[0][0]])
    base_p50 = percentile(base, 0.5)
    print(f"\ncreate + run(\"true\") + kill, {args.rounds} rounds x {args.iters} iterations "
          f"(ms; ratio = p50 / C++ p50)")
    print(f"{'variant':<30} {'n':>5} {'p50':>9} {'p99':>9} {'ratio':>7}")
    print("-" * 64)
    for name, _, _ in variants:
        values = sorted(samples[name])
        p50 = percentile(values, 0.5)
        print(f"{name:<30} {len(values):>5} {p50:>9.3f} {percentile(values, 0.99):>9.3f} "
              f"{p50 / base_p50:>6.2f}x")
    for name, _, _ in variants[2:]:
        overhead = percentile(sorted(samples[name]), 0.5) / base_p50 - 1
        verdict = "MET" if overhead <= 0.10 else "MISSED"
        print(f"target: {name} overhead <= 10% (p50): {overhead * 100:+.1f}% {verdict}")


if __name__ == "__main__":
    main()
