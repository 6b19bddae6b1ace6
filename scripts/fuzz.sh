#!/usr/bin/env bash
# Build the libFuzzer targets in fuzz/ with clang-19 (ASan + UBSan) and run each for a fixed
# time from its committed seed corpus; a crash, a sanitizer report or a broken invariant fails.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] (default 20). capi_fuzzer drives the
# libsoulbox.so of the main build in $SOULBOX_BUILD_DIR (default: build) and creates one sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
lib=$(realpath "${SOULBOX_BUILD_DIR:-build}/capi/libsoulbox.so")
out=build-fuzz

cmake -S fuzz -B "$out" -G Ninja -DCMAKE_CXX_COMPILER=clang++-19 -DSOULBOX_LIBRARY="$lib" >/dev/null
cmake --build "$out"
if command -v llvm-symbolizer-19 >/dev/null; then
    export ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer-19)
fi
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

for target in protocol path spec capi; do
    opts=(-max_total_time="$secs" -timeout=20 -artifact_prefix="$out/crash-$target-")
    # The library keeps an event-loop thread and caches across inputs: not per-input leaks.
    [ "$target" = capi ] && opts+=(-detect_leaks=0)
    # New inputs go to a scratch directory; the committed corpus stays as it is.
    scratch=$(mktemp -d)
    echo "== fuzz $target for ${secs}s =="
    if ! "$out/${target}_fuzzer" "${opts[@]}" "$scratch" "fuzz/corpus/$target" \
        >"$out/$target.log" 2>&1; then
        grep -v '^#' "$out/$target.log" | tail -n 60
        echo "fuzz $target: FAILED (input saved as $out/crash-$target-*)" >&2
        exit 1
    fi
    grep -E '^Done [0-9]+ runs' "$out/$target.log"
    rm -rf "$scratch"
done
