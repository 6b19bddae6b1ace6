#!/usr/bin/env bash
# The release number is written once, in include/soulbox/soulbox.h (SOULBOX_VERSION_*). Files
# that cannot read it (JSON manifests) carry a copy; this fails when a copy differs.
# ctest runs it as `version`.
set -euo pipefail
cd "$(dirname "$0")/.."
header=include/soulbox/soulbox.h
part() { sed -n "s/^#define SOULBOX_VERSION_$1 \([0-9]\+\)$/\1/p" "$header"; }
version="$(part MAJOR).$(part MINOR).$(part PATCH)"
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "no version in $header" >&2; exit 1; }
status=0
for manifest in bindings/node/package.json ports/soulbox/vcpkg.json; do
    copy=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$manifest")
    if [ "$copy" != "$version" ]; then
        echo "$manifest says $copy, $header says $version" >&2
        status=1
    fi
done
lock=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
    bindings/node/package-lock.json)
[ "$lock" = "$version" ] || { echo "bindings/node/package-lock.json says $lock" >&2; status=1; }
[ $status -ne 0 ] || echo "version $version everywhere"
exit $status
