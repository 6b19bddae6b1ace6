#!/usr/bin/env bash
# Debian packages SoulBox needs to build, test and benchmark. Safe to run again.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config ninja-build \
  libseccomp-dev libcap-dev libfmt-dev liburing-dev libsimdjson-dev doctest-dev \
  python3 util-linux procps bubblewrap tmux ca-certificates clang-format \
  abigail-tools clang-19 libclang-rt-19-dev >/dev/null
# abigail-tools: the ABI check against abi/ (scripts/check-abi.sh). clang-19 and its runtime:
# the libFuzzer targets in fuzz/ (g++ has no libFuzzer; clang-14 cannot build std::expected).
