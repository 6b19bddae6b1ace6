#!/usr/bin/env bash
# Runs E2B's own JS SDK tests against SoulBox through an import shim (the yardstick of issue 9).
#   scripts/e2b-yardstick/run-js.sh E2B_GIT_DIR SOULBOX_NODE_PACKAGE_DIR VITEST_PREFIX [vitest args...]
# SOULBOX_NODE_PACKAGE_DIR: bindings/node (with SOULBOX_NODE_ADDON set to the built addon);
# VITEST_PREFIX: a dir where `npm install vitest` was run (npm is the only registry here).
set -euo pipefail
e2b_git=${1:?E2B git dir}; pkg=$(cd "${2:?soulbox node package dir}" && pwd); prefix=${3:?vitest prefix}
shift 3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/e2b-yardstick-js.XXXXXX)
git -C "$e2b_git" archive HEAD packages/js-sdk/tests | tar -x -C "$work"
sdk=$work/packages/js-sdk
mkdir -p "$sdk/src"
for module in index errors; do
    echo "export * from '$pkg/index.js'" >"$sdk/src/$module.ts"
done
cp "$here/js/vitest.config.mts" "$sdk/"
ln -s "$prefix/node_modules" "$sdk/node_modules"
cd "$sdk"
status=0
"$prefix/node_modules/.bin/vitest" run "$@" >"$work/vitest.log" 2>&1 || status=$?
"${PYTHON:-/usr/bin/python3}" "$here/summarize.py" "$sdk/junit.xml" "$sdk/tests"
echo "log: $work/vitest.log  junit: $sdk/junit.xml  (vitest exit $status)"
