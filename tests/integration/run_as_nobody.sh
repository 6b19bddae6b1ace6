#!/usr/bin/env bash
# Run a test binary as the unprivileged user nobody. The build tree may sit where nobody cannot
# reach it (CI clones under /root), so the binary runs from a private world-readable copy.
set -euo pipefail
binary=$1
shift
dir=$(mktemp -d /tmp/soulbox-nobody-XXXXXX)
trap 'rm -rf "$dir"' EXIT
cp "$binary" "$dir/"
chmod 755 "$dir" "$dir/$(basename "$binary")"
cd "$dir"
setpriv --reuid=65534 --regid=65534 --clear-groups --reset-env "$dir/$(basename "$binary")" "$@"
