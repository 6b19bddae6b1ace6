#!/usr/bin/env bash
# Debian packages SoulBox needs to build, test and benchmark. Safe to run again.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config ninja-build \
  libseccomp-dev libcap-dev libfmt-dev liburing-dev libsimdjson-dev doctest-dev \
  python3 util-linux procps bubblewrap tmux git ca-certificates clang-format \
  abigail-tools clang-19 libclang-rt-19-dev \
  python3-dev python3-pybind11 pybind11-dev python3-pytest python3-venv python3-pip \
  python3-setuptools python3-wheel >/dev/null
# Node: machines of this kind ship Node 20 with npm; Debian's nodejs is the fallback.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm libnode-dev >/dev/null
fi
# abigail-tools: the ABI check against abi/ (scripts/check-abi.sh). clang-19 and its runtime:
# the libFuzzer targets in fuzz/ (g++ has no libFuzzer; clang-14 cannot build std::expected).
# python3-*: the Python binding is built from Debian's pybind11 and installed with pip from Debian's
# setuptools/wheel (--no-build-isolation; PyPI is not needed). The Node addon's build tools come from
# npm (bindings/node/package-lock.json).
