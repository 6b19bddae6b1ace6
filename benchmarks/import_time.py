"""How long `import soulbox` / `require('soulbox')` takes, warm, beside its peers in the same run.

    /usr/bin/python3 benchmarks/import_time.py PY_PACKAGE_DIR NODE_PACKAGE_DIR NODE_ADDON \
        [--e2b-node-prefix DIR] [--runs N]

Each row starts a fresh interpreter N times (after one warm-up run, so the page cache is warm)
and times it from outside; the import's own cost is the row minus the bare interpreter's row.
Peers: the bare interpreter, `import asyncio` (what `import soulbox` used to pull in), and the
official `e2b` npm SDK when a prefix where `npm install e2b` ran is given."""

import argparse
import os
import statistics
import subprocess
import sys
import time


def sample(argv, env, runs):
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("py_package")
    ap.add_argument("node_package")
    ap.add_argument("node_addon")
    ap.add_argument("--e2b-node-prefix")
    ap.add_argument("--runs", type=int, default=40)
    args = ap.parse_args()
    py = sys.executable
    py_env = dict(os.environ, PYTHONPATH=os.path.abspath(args.py_package))
    node_env = dict(os.environ, SOULBOX_NODE_ADDON=os.path.abspath(args.node_addon))
    node_pkg = os.path.abspath(args.node_package)
    rows = [
        ("python: bare interpreter", [py, "-c", "pass"], py_env, None),
        ("python: import asyncio", [py, "-c", "import asyncio"], py_env, "python: bare interpreter"),
        ("python: import soulbox", [py, "-c", "import soulbox"], py_env, "python: bare interpreter"),
        ("python: from soulbox import Sandbox", [py, "-c", "from soulbox import Sandbox"], py_env,
         "python: bare interpreter"),
        ("python: from soulbox import Sandbox, AsyncSandbox",
         [py, "-c", "from soulbox import Sandbox, AsyncSandbox"], py_env, "python: bare interpreter"),
        ("node: bare", ["node", "-e", "0"], node_env, None),
        ("node: require('soulbox')", ["node", "-e", f"require({node_pkg!r})"], node_env, "node: bare"),
    ]
    if args.e2b_node_prefix:
        e2b = os.path.join(os.path.abspath(args.e2b_node_prefix), "node_modules", "e2b")
        rows.append(("node: require('e2b') (official SDK)", ["node", "-e", f"require({e2b!r})"],
                     node_env, "node: bare"))
    results = {}
    print(f"{'case':<52}{'p50 ms':>9}{'p99 ms':>9}{'import ms':>11}")
    for name, argv, env, base in rows:
        t = sample(argv, env, args.runs)
        p50, p99 = statistics.median(t), t[min(len(t) - 1, int(len(t) * 0.99))]
        results[name] = p50
        own = f"{p50 - results[base]:.1f}" if base else "-"
        print(f"{name:<52}{p50:>9.1f}{p99:>9.1f}{own:>11}")
    if args.e2b_node_prefix:
        ours = results["node: require('soulbox')"] - results["node: bare"]
        theirs = results["node: require('e2b') (official SDK)"] - results["node: bare"]
        print(f"require('soulbox') / require('e2b'): {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
