#!/usr/bin/env bash
# Install a built tree into a temporary prefix and build the examples OUT OF TREE against it,
# the way a user would: with CMake (find_package(soulbox)) and with pkg-config (make), then run
# them (they create real sandboxes). ctest runs this as test `install`.
# Usage: scripts/test-install.sh BUILD_DIR
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

echo "== cmake --install into $prefix =="
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
# Nothing but the C ABI, its header-only C++ layer, the CLI and the package files may land in
# the prefix.
(cd "$prefix" && find . -type f -o -type l | sort) | tee "$work/files"
libdir=$(dirname "$(cd "$prefix" && find . -name 'libsoulbox.so.0' | head -n1)")
[ "$libdir" != . ] || { echo "libsoulbox.so.0 not installed" >&2; exit 1; }
libdir=$prefix/${libdir#./}
for f in bin/soulbox include/soulbox/soulbox.h include/soulbox/soulbox.hpp include/soulbox/types.hpp \
    include/soulbox/error.hpp include/soulbox/files.hpp include/soulbox/c_bridge.hpp; do
    [ -e "$prefix/$f" ] || { echo "missing $f" >&2; exit 1; }
done
[ -e "$libdir/libsoulbox.so" ] && [ -e "$libdir/cmake/soulbox/soulboxConfig.cmake" ] &&
    [ -e "$libdir/pkgconfig/soulbox.pc" ] || { echo "missing dev files in $libdir" >&2; exit 1; }
# The public headers are self-contained: none may reach into the library's sources.
if grep -n '#include "\(api\|core\|sandbox\|spec\|protocol\)/' "$prefix"/include/soulbox/*; then
    echo "an installed header includes an internal one" >&2
    exit 1
fi
# The README's C++ example is examples/cpp/demo.cpp, word for word (built and run below).
awk '/^### C\+\+/ { section = 1 } section && /^```cpp$/ { code = 1; next }
     code && /^```$/ { exit } code { print }' "$src/README.md" >"$work/readme.cpp"
diff -u "$src/examples/cpp/demo.cpp" "$work/readme.cpp" ||
    { echo "README's C++ example differs from examples/cpp/demo.cpp" >&2; exit 1; }
[ "$(readelf -d "$libdir/libsoulbox.so.0" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" = libsoulbox.so.0 ]
static=
[ -e "$libdir/libsoulbox.a" ] && static=1

# Build with the same compilers as the tree, so a CC= override is honoured.
export CC=${CC:-cc} CXX=${CXX:-c++}
run() { # name, binary: run an example; they print "all steps passed" and exit 0
    echo "== run $1 =="
    "$2" >"$work/out" 2>&1 || { cat "$work/out"; echo "$1 failed" >&2; exit 1; }
    tail -n 1 "$work/out"
}

cmake_example() { # name, example dir, extra cmake args
    local name=$1 dir=$2
    shift 2
    echo "== $name: cmake find_package =="
    cmake -S "$src/examples/$dir" -B "$work/$name" -DCMAKE_PREFIX_PATH="$prefix" "$@" \
        >"$work/$name.log" || { cat "$work/$name.log"; exit 1; }
    cmake --build "$work/$name" >>"$work/$name.log" || { cat "$work/$name.log"; exit 1; }
}
cmake_example c-cmake c
run c-cmake "$work/c-cmake/soulbox_c_example"
cmake_example cpp-cmake cpp
run cpp-cmake "$work/cpp-cmake/soulbox_demo"
run cpp-cmake-cabi "$work/cpp-cmake/soulbox_cabi_demo"

# pkg-config finds the .pc through PKG_CONFIG_PATH only; the program finds libsoulbox.so.0
# through LD_LIBRARY_PATH (a prefix like /usr/local would need neither).
export PKG_CONFIG_PATH=$libdir/pkgconfig
echo "== pkg-config: $(pkg-config --modversion soulbox): $(pkg-config --cflags --libs soulbox) =="
make_example() { # name, example dir, binary, make args
    local name=$1 dir=$2 bin=$3
    shift 3
    echo "== $name: make with pkg-config =="
    cp -r "$src/examples/$dir" "$work/$name"
    make -s -C "$work/$name" "$@" >"$work/$name.log" 2>&1 || { cat "$work/$name.log"; exit 1; }
}
make_example c-pkgconfig c soulbox_c_example
LD_LIBRARY_PATH=$libdir run c-pkgconfig "$work/c-pkgconfig/soulbox_c_example"
make_example cpp-pkgconfig cpp all
LD_LIBRARY_PATH=$libdir run cpp-pkgconfig "$work/cpp-pkgconfig/soulbox_demo"
LD_LIBRARY_PATH=$libdir run cpp-pkgconfig-cabi "$work/cpp-pkgconfig/soulbox_cabi_demo"
# The installed CLI finds the installed library by its RPATH, without LD_LIBRARY_PATH.
"$prefix/bin/soulbox" --version >/dev/null || { echo "installed soulbox CLI does not run" >&2; exit 1; }

if [ -n "$static" ]; then
    cmake_example c-cmake-static c -DSOULBOX_STATIC=ON
    bin=$work/c-cmake-static/soulbox_c_example
    if readelf -d "$bin" | grep -q 'libsoulbox'; then echo "static link used the .so" >&2; exit 1; fi
    run c-cmake-static "$bin"
    # The C++ layer over libsoulbox.a, which also holds the library's own C++ classes: their
    # namespace (soulbox::internal) keeps the two apart.
    cmake_example cpp-cmake-static cpp -DSOULBOX_STATIC=ON
    bin=$work/cpp-cmake-static/soulbox_demo
    if readelf -d "$bin" | grep -q 'libsoulbox'; then echo "static link used the .so" >&2; exit 1; fi
    run cpp-cmake-static "$bin"
    make_example c-pkgconfig-static c soulbox_c_example STATIC=1
    bin=$work/c-pkgconfig-static/soulbox_c_example
    if readelf -d "$bin" | grep -q 'libsoulbox'; then echo "static link used the .so" >&2; exit 1; fi
    run c-pkgconfig-static "$bin"
fi
echo "install test passed (${static:+static and }shared, CMake and pkg-config)"
