#!/usr/bin/env bash
# README command 1: install dependencies, build, and run the demo (a sandbox runs python3 code,
# writes a file and reads it back).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
./build/examples/cpp/soulbox_demo
