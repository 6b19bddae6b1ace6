#!/usr/bin/env bash
# Build the library with the Python and Node bindings in Release and compare create + run("true")
# + kill through the C++ API, Python and Node (benchmarks/bindings_bench.py). Needs root.
# Usage: benchmarks/bindings.sh [--rounds R] [--iters K]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then
    echo "bindings.sh: run as root (sandboxes with cgroup limits)" >&2
    exit 1
fi
cmake -S . -B build-bench-bindings -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOULBOX_BUILD_PYTHON=ON \
    -DSOULBOX_BUILD_NODE=ON -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
cmake --build build-bench-bindings >/dev/null
echo "machine: $(nproc) cores, kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "python: $(/usr/bin/python3 --version), node: $(node --version)"
exec /usr/bin/python3 benchmarks/bindings_bench.py build-bench-bindings "$@"
