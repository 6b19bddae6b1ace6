#!/usr/bin/env bash
# ctest `node_package`: `npm pack` of this package (with the just-built addon as its prebuilt
# binary) installs into a fresh project outside the repository, offline, and runs a real
# sandbox command and a file read there.
# Usage: package-test.sh <path to the built soulbox.node>
set -euo pipefail
addon=$(realpath "$1")
pkg=$(cd "$(dirname "$0")/.." && pwd)
unset SOULBOX_NODE_ADDON # the installed package must load its own binary
work=$(mktemp -d /tmp/soulbox-node-package.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Stage the package (the source tree is not written to).
stage=$work/stage
mkdir -p "$stage/build/Release" "$stage/scripts"
cp -r "$pkg/package.json" "$pkg/index.js" "$pkg/index.d.ts" "$pkg/README.md" "$pkg/lib" "$stage/"
cp "$pkg/scripts/install.js" "$stage/scripts/"
cp "$addon" "$stage/build/Release/soulbox.node"
strip --strip-debug "$stage/build/Release/soulbox.node" 2>/dev/null || true
(cd "$stage" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball=$(echo "$work"/soulbox-*.tgz)
contents=$(tar tzf "$tarball")
for f in package/package.json package/index.js package/index.d.ts package/lib/sandbox.js \
         package/scripts/install.js package/build/Release/soulbox.node; do
    grep -qx "$f" <<<"$contents" || { echo "missing from the tarball: $f"; exit 1; }
done
if grep -q '^package/\(src\|test\)/' <<<"$contents"; then echo "tarball ships sources/tests"; exit 1; fi

app=$work/app
mkdir "$app"
cd "$app"
npm init -y >/dev/null
npm install --offline --no-audit --no-fund "$tarball"
cat > smoke.mjs <<'JS'
import { Sandbox, CommandExitError } from 'soulbox'
const sandbox = await Sandbox.create({ timeoutMs: 60_000 })
try {
  const r = await sandbox.commands.run('echo from-package; python3 -c "print(6*7)"')
  await sandbox.files.write('note.txt', 'packaged')
  const text = await sandbox.files.read('/home/user/note.txt')
  let exitError = false
  try { await sandbox.commands.run('exit 4') } catch (e) { exitError = e instanceof CommandExitError && e.exitCode === 4 }
  console.log(JSON.stringify({ stdout: r.stdout, text, exitError }))
} finally {
  await sandbox.kill()
}
JS
out=$(node smoke.mjs)
echo "$out"
[[ $out == '{"stdout":"from-package\n42\n","text":"packaged","exitError":true}' ]]
node -e "const s = require('soulbox'); if (typeof s.Sandbox.create !== 'function') process.exit(1)"
echo "node_package: ok ($(du -h "$tarball" | cut -f1) tarball)"
