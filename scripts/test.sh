#!/usr/bin/env bash
# README command 2 (and what CI runs): build with -Werror and run the whole suite with ctest,
# then build again with ASan+UBSan and run the suite under the sanitizers, then fuzz.
# The first build includes libsoulbox.a too, so the install test (ctest `install`) covers it.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== build (warnings are errors) =="
scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOULBOX_BUILD_STATIC=ON \
  -DSOULBOX_BUILD_PYTHON=ON -DPython3_EXECUTABLE=/usr/bin/python3 -DSOULBOX_BUILD_NODE=ON
echo "== tests (with the ABI checks and the install test) =="
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== build with ASan + UBSan =="
scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DSOULBOX_SANITIZE=ON -DSOULBOX_BUILD_BENCHMARKS=OFF
echo "== tests under ASan + UBSan =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== fuzzing (libFuzzer, 20 s per target) =="
SOULBOX_BUILD_DIR=build scripts/fuzz.sh 20
