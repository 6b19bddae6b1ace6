#!/usr/bin/env bash
# Runs E2B's own Python SDK tests against SoulBox through an import shim (the yardstick of issue 9).
#   scripts/e2b-yardstick/run-python.sh E2B_GIT_DIR SOULBOX_PY_PACKAGE_DIR [pytest args...]
# E2B_GIT_DIR: a clone (or bare mirror) of e2b-dev/E2B; the suite is exported to a temp dir and
# never copied into this tree. SOULBOX_PY_PACKAGE_DIR: the dir holding the built `soulbox`
# package (build/bindings/python/package). Prints pass/fail counts and writes junit XML.
set -euo pipefail
e2b_git=${1:?E2B git dir}; pkg=${2:?soulbox package dir}; shift 2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/e2b-yardstick-py.XXXXXX)
git -C "$e2b_git" archive HEAD packages/python-sdk/tests | tar -x -C "$work"
tests=$work/packages/python-sdk/tests
cp "$here/python/conftest.py" "$tests/conftest.py"
cat > "$work/packages/python-sdk/pytest.ini" <<'INI'
[pytest]
markers =
    skip_debug: skip test if E2B_DEBUG is set.
asyncio_mode = auto
timeout = 60
addopts = --import-mode=importlib --continue-on-collection-errors
INI
cd "$work/packages/python-sdk"
status=0
PYTHONPATH="$here/python/shim:$pkg:$tests" PYTHONDONTWRITEBYTECODE=1 \
    "${PYTHON:-/usr/bin/python3}" -m pytest -q -p no:cacheprovider --junitxml="$work/junit.xml" -o junit_family=xunit2 \
    "$@" tests >"$work/pytest.log" 2>&1 || status=$?
"${PYTHON:-/usr/bin/python3}" "$here/summarize.py" "$work/junit.xml" "$tests"
echo "log: $work/pytest.log  junit: $work/junit.xml  (pytest exit $status)"
