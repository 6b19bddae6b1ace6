#!/usr/bin/env bash
# Configure and build one tree. Usage: scripts/build.sh BUILD_DIR [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1
shift
cmake -S . -B "$dir" -G Ninja -DSOULBOX_WERROR=ON "$@" >/dev/null
cmake --build "$dir"
