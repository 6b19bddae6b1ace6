# vcpkg overlay port (vcpkg install soulbox --overlay-ports=ports). Not run in this repository's
# CI: there is no vcpkg registry access here. libseccomp and libcap come from the system
# (pkg-config), as they have no vcpkg ports.
vcpkg_check_linkage(ONLY_DYNAMIC_CRT)
set(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../..")

# VCPKG_LIBRARY_LINKAGE static -> libsoulbox.a (SOULBOX_BUILD_STATIC) next to the shared one.
string(COMPARE EQUAL "${VCPKG_LIBRARY_LINKAGE}" "static" SOULBOX_BUILD_STATIC)
vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    -DSOULBOX_BUILD_TESTS=OFF
    -DSOULBOX_BUILD_BENCHMARKS=OFF
    -DSOULBOX_BUILD_STATIC=${SOULBOX_BUILD_STATIC})
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH lib/cmake/soulbox)
vcpkg_fixup_pkgconfig()
vcpkg_copy_tools(TOOL_NAMES soulbox AUTO_CLEAN)
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include")
file(INSTALL "${SOURCE_PATH}/README.md" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}"
  RENAME copyright)
