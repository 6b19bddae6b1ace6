#!/usr/bin/env bash
# ABI checks for libsoulbox (README "ABI policy"). ctest runs the first two as `abi_symbols`
# and `abi_compat`, and the third as `abi_selftest`.
#
#   check-abi.sh symbols LIB MAP          exported soulbox_* symbols == names listed in MAP
#   check-abi.sh compat LIB BASELINE HDRS abidiff against the committed baseline: additions pass,
#                                         removed or changed functions/variables fail
#   check-abi.sh self-test                the two checks above, on toy libraries, must pass a
#                                         compatible addition and fail a breaking change
#   check-abi.sh update LIB BASELINE HDRS write a new baseline (on a release, see README)
set -euo pipefail

die() { echo "check-abi: $*" >&2; exit 1; }

# Names the version script exports: the entries of every node's global: part (local: parts
# are skipped; a node's entries are global until a local: label). A wildcard is printed as written, so the caller can refuse it.
map_names() {
    sed -e 's/#.*//' "$1" | tr '\n' ' ' | grep -oE '\{[^}]*\}' |
        sed -e 's/{/global:;/' | tr '};' '\n\n' |
        sed -e 's/\(global\|local\)[[:space:]]*:/\n&\n/g' | tr -d ' \t' | awk '
            $0 == "global:" { part = "global"; next }
            $0 == "local:" { part = "local"; next }
            $0 != "" && part != "local" { print }' | sort -u
}

# Defined dynamic symbols without their @@VERSION suffix; version nodes (type A) left out.
exported_names() {
    nm -D --defined-only "$1" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u
}

check_symbols() {
    local lib=$1 map=$2 want have
    [ -f "$lib" ] || die "no library $lib"
    [ -f "$map" ] || die "no version script $map"
    if map_names "$map" | grep -q '[*?[]'; then
        die "$map exports a wildcard; list every function by name"
    fi
    want=$(map_names "$map")
    have=$(exported_names "$lib")
    [ -n "$want" ] || die "$map lists no symbols"
    # Anything exported that the map does not list (a C++ symbol leaking, a missing `local: *`)
    # and anything listed that is not defined (a typo, a deleted shim) is an ABI change.
    local extra missing
    extra=$(comm -13 <(echo "$want") <(echo "$have"))
    missing=$(comm -23 <(echo "$want") <(echo "$have"))
    if [ -n "$extra" ] || [ -n "$missing" ]; then
        [ -z "$extra" ] || printf 'exported but not in %s:\n%s\n' "$map" "$extra" >&2
        [ -z "$missing" ] || printf 'in %s but not exported:\n%s\n' "$map" "$missing" >&2
        exit 1
    fi
    echo "abi symbols: $(echo "$have" | wc -l) exported symbols match $map"
}

# abidiff's status is a bit set: 1 error, 2 usage, 4 ABI change, 8 incompatible change.
# "ABI change" includes pure additions, so with bit 4 alone the summary decides: any removed
# or changed function or variable fails, added ones pass.
check_compat() {
    local lib=$1 baseline=$2 headers=$3 report status=0
    command -v abidiff >/dev/null || die "abidiff not found (apt-get install abigail-tools)"
    [ -f "$baseline" ] || die "no baseline $baseline (generate it: $0 update ...)"
    report=$(abidiff --no-show-locs --headers-dir2 "$headers" "$baseline" "$lib") || status=$?
    echo "$report"
    if (( status & 3 )); then die "abidiff failed (status $status)"; fi
    if (( status & 8 )); then die "incompatible ABI change against $baseline"; fi
    if (( status & 4 )) && echo "$report" |
        grep -E '(Removed|Changed)' | grep -qE '(^|[^0-9])[1-9][0-9]* (Removed|Changed)'; then
        die "ABI change (removed or changed) against $baseline"
    fi
    echo "abi compat: no removed or changed interfaces against $(basename "$baseline")"
}

# The ABI is what the exported functions reach through the public headers: libsoulbox is C++
# inside and its debug info describes every internal class, which --exported-interfaces-only
# and --drop-private-types (types not defined under HDRS) leave out. Paths of the build machine
# are cut too (abidiff ignores them), so the baseline only changes when the ABI does.
update_baseline() {
    local lib=$1 baseline=$2 headers=$3 src
    abidw --no-corpus-path --no-show-locs --no-comp-dir-path --exported-interfaces-only \
        --drop-private-types --headers-dir "$headers" --out-file "$baseline" "$lib"
    src=$(cd "$headers/../.." && pwd)
    sed -i "s|path='$src/|path='|" "$baseline"
    echo "wrote $baseline"
}

# Build toy libraries that stand for a release and its successors and check that each verdict
# is the one we rely on; this is what keeps the status parsing above honest across versions.
self_test() {
    local t
    t=$(mktemp -d)
    trap 'rm -rf "$t"' RETURN
    mkdir "$t/inc"
    cat >"$t/inc/toy.h" <<'EOF'
typedef struct toy_opts { unsigned size; int flags; } toy_opts;
int toy_open(const toy_opts *opts);
int toy_added(int x);
long toy_changed(int x);
EOF
    build() { # name, extra C source, extra map names
        printf '#include "toy.h"\nint toy_open(const toy_opts *o) { return o->flags; }\n%s\n' \
            "$2" >"$t/$1.c"
        printf 'TOY_0 { global: toy_open; %s local: *; };\n' "$3" >"$t/$1.map"
        cc -g -shared -fPIC -I"$t/inc" -Wl,--version-script="$t/$1.map" -Wl,-soname,libtoy.so.0 \
            -o "$t/$1.so" "$t/$1.c"
    }
    expect() { # verdict, command...
        local want=$1 got=pass
        shift
        ("$@") >"$t/out" 2>&1 || got=fail
        if [ "$got" != "$want" ]; then cat "$t/out" >&2; die "self-test: '$*' should $want"; fi
    }
    build v1 '' ''
    update_baseline "$t/v1.so" "$t/v1.abi" "$t/inc" >/dev/null
    build added 'int toy_added(int x) { return x; }' 'toy_added;'
    # toy_open removed (the only function a v1 user calls).
    printf '#include "toy.h"\nint toy_gone(void) { return 0; }\n' >"$t/removed.c"
    printf 'TOY_0 { global: toy_gone; local: *; };\n' >"$t/removed.map"
    cc -g -shared -fPIC -I"$t/inc" -Wl,--version-script="$t/removed.map" -o "$t/removed.so" \
        "$t/removed.c"
    # A changed struct layout (an ABI break that keeps every name).
    sed 's/int flags;/long flags;/' "$t/inc/toy.h" >"$t/toy2.h"
    mkdir "$t/inc2" && mv "$t/toy2.h" "$t/inc2/toy.h"
    printf '#include "toy.h"\nint toy_open(const toy_opts *o) { return (int)o->flags; }\n' \
        >"$t/layout.c"
    cc -g -shared -fPIC -I"$t/inc2" -Wl,--version-script="$t/v1.map" -o "$t/layout.so" \
        "$t/layout.c"
    # An exported symbol the map does not list.
    printf '#include "toy.h"\nint toy_open(const toy_opts *o) { return o->flags; }\n' \
        >"$t/leak.c"
    cc -g -shared -fPIC -I"$t/inc" -o "$t/leak.so" "$t/leak.c" -Wl,--defsym=toy_leak=toy_open

    expect pass check_compat "$t/v1.so" "$t/v1.abi" "$t/inc"
    expect pass check_compat "$t/added.so" "$t/v1.abi" "$t/inc"
    expect fail check_compat "$t/removed.so" "$t/v1.abi" "$t/inc"
    expect fail check_compat "$t/layout.so" "$t/v1.abi" "$t/inc2"
    expect pass check_symbols "$t/v1.so" "$t/v1.map"
    expect pass check_symbols "$t/added.so" "$t/added.map"
    expect fail check_symbols "$t/added.so" "$t/v1.map"
    expect fail check_symbols "$t/v1.so" "$t/added.map"
    expect fail check_symbols "$t/leak.so" "$t/v1.map"
    echo "abi self-test: addition passes; removal, layout change, unlisted and missing symbols fail"
}

case "${1:-}" in
symbols) check_symbols "$2" "$3" ;;
compat) check_compat "$2" "$3" "$4" ;;
update) update_baseline "$2" "$3" "$4" ;;
self-test) self_test ;;
*) die "usage: $0 symbols LIB MAP | compat LIB BASELINE HEADERS | update LIB BASELINE HEADERS | self-test" ;;
esac
