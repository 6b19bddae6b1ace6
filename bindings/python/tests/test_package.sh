#!/bin/sh
# Installs the package the two ways a user would, offline, and runs a real sandbox with each:
#   1. pip install ./bindings/python into a venv;
#   2. pip wheel, then that wheel into a second, fresh venv, used from outside the repository.
# Usage: test_package.sh PYTHON WORKDIR   (run from the repository root)
# SOULBOX_CMAKE_BUILD_DIR (optional) lets setup.py reuse an existing build directory.
set -eu
python=$1
work=$2
repo=$(pwd)
rm -rf "$work"
mkdir -p "$work/outside"

smoke() {
    (cd "$work/outside" && "$1" - <<'PY'
import soulbox
from soulbox import Sandbox
assert "/outside" not in soulbox.__file__ and soulbox.__file__.find("/src/soulbox") < 0, soulbox.__file__
with Sandbox.create(timeout=60) as sbx:
    assert sbx.commands.run("echo packaged").stdout == "packaged\n"
    sbx.files.write("f.txt", "content")
    assert sbx.files.read("f.txt") == "content"
print("smoke ok:", soulbox.__file__)
PY
    )
}

pip_offline="--no-index --no-build-isolation --disable-pip-version-check --quiet"

"$python" -m venv --system-site-packages "$work/venv-install"
"$work/venv-install/bin/pip" install $pip_offline "$repo/bindings/python"
smoke "$work/venv-install/bin/python"

"$work/venv-install/bin/pip" wheel $pip_offline --no-deps -w "$work/wheels" "$repo/bindings/python"
wheel=$(ls "$work"/wheels/soulbox-*.whl)
"$python" -m venv --system-site-packages "$work/venv-wheel"
"$work/venv-wheel/bin/pip" install --no-index --disable-pip-version-check --quiet "$wheel"
smoke "$work/venv-wheel/bin/python"
# Self-contained: no libsoulbox.so is needed next to the extension.
if ldd "$work"/venv-wheel/lib/python3*/site-packages/soulbox/_core*.so | grep -q libsoulbox; then
    echo "the extension links libsoulbox.so dynamically" >&2
    exit 1
fi
echo "package test ok"
