#!/usr/bin/env bash
# Every tracked C and C++ file is as clang-format (.clang-format) writes it. ctest runs this as
# `format`; fix with: git ls-files '*.c' '*.cpp' '*.h' '*.hpp' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "clang-format not found (apt-get install clang-format)" >&2; exit 1; }
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "not a git checkout: nothing to list" >&2; exit 77; }
# Tracked and new (not ignored) files that exist in the work tree: a deletion not yet committed
# is no file to check.
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.cpp' '*.h' '*.hpp' |
    sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done)
[ ${#files[@]} -gt 0 ] || { echo "no C/C++ files tracked" >&2; exit 1; }
if ! clang-format --dry-run --Werror "${files[@]}" 2>"${TMPDIR:-/tmp}/soulbox-format.$$"; then
    grep -E '(error|warning):' "${TMPDIR:-/tmp}/soulbox-format.$$" | cut -d: -f1 | sort | uniq -c >&2
    rm -f "${TMPDIR:-/tmp}/soulbox-format.$$"
    echo "these files are not clang-formatted" >&2
    exit 1
fi
rm -f "${TMPDIR:-/tmp}/soulbox-format.$$"
echo "format: ${#files[@]} files as clang-format writes them"
