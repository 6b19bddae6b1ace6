#!/usr/bin/env bash
# Build soulbox_bench in Release and run every measurement in one run; prints one table.
# Usage: benchmarks/run.sh [soulbox_bench arguments, e.g. --iters 500 or --only cold,exec]
# Needs root (cgroups, bwrap and unshare peers). See benchmarks/RESULTS.md.
set -euo pipefail

cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
    echo "run.sh: run as root (sandboxes with cgroup limits, unshare -pfmnui)" >&2
    exit 1
fi

if ! command -v bwrap >/dev/null; then
    apt-get install -y bubblewrap >/dev/null
fi

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSOULBOX_BUILD_STATIC=ON >/dev/null
cmake --build build-bench --target soulbox_bench -j"$(nproc)" >/dev/null

echo "machine: $(nproc) cores, kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "bwrap: $(bwrap --version), $(unshare --version | head -1)"
# Progress goes to stderr, the table to stdout.
exec ./build-bench/benchmarks/soulbox_bench "$@"
