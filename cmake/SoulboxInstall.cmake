# Install rules: what `cmake --install` puts under the prefix (README "Installing").
#
#   bin/soulbox                                   the CLI
#   lib/libsoulbox.so.0[.x.y] (+ libsoulbox.so)   the C ABI (+ libsoulbox.a with SOULBOX_BUILD_STATIC)
#   include/soulbox/*.h                           the C header (the stable ABI)
#   include/soulbox/*.hpp                         the header-only C++ layer over it
#   lib/cmake/soulbox/                            find_package(soulbox CONFIG) -> soulbox::soulbox
#   lib/pkgconfig/soulbox.pc                      pkg-config --cflags --libs soulbox
#
# The C++ headers are header-only over the C ABI (docs/design.md "One C++ API"): a C++ program
# uses no C++ symbol of the library. The library's own C++ classes (src/api/) are not installed.
include(CMakePackageConfigHelpers)

set(SOULBOX_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/soulbox)

install(TARGETS soulbox RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)

if(NOT SOULBOX_HAVE_CAPI)
  message(STATUS "install: no C ABI yet; only the CLI is installed")
  return()
endif()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/soulbox
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")

install(TARGETS soulbox_shared EXPORT soulboxTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev)
install(EXPORT soulboxTargets NAMESPACE soulbox:: DESTINATION ${SOULBOX_CMAKE_DIR}
  COMPONENT dev)

# The static library goes in its own export set: its users need the system libraries found
# (soulboxConfig.cmake does that only when this file is there), shared users do not.
if(SOULBOX_BUILD_STATIC)
  install(TARGETS soulbox_static EXPORT soulboxStaticTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
  install(EXPORT soulboxStaticTargets NAMESPACE soulbox:: DESTINATION ${SOULBOX_CMAKE_DIR}
    COMPONENT dev)
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/soulboxConfig.cmake.in
  ${PROJECT_BINARY_DIR}/soulboxConfig.cmake INSTALL_DESTINATION ${SOULBOX_CMAKE_DIR})
# 0.x releases share SONAME libsoulbox.so.0, so any 0.y satisfies a request for 0.x (x <= y).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/soulboxConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/soulboxConfig.cmake
              ${PROJECT_BINARY_DIR}/soulboxConfigVersion.cmake
  DESTINATION ${SOULBOX_CMAKE_DIR} COMPONENT dev)

# pkg-config: paths relative to the .pc file, so `cmake --install --prefix DIR` works anywhere.
file(RELATIVE_PATH SOULBOX_PC_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" SOULBOX_PC_PREFIX "${SOULBOX_PC_PREFIX}")
file(RELATIVE_PATH SOULBOX_PC_LIBDIR ${CMAKE_INSTALL_PREFIX} ${CMAKE_INSTALL_FULL_LIBDIR})
file(RELATIVE_PATH SOULBOX_PC_INCLUDEDIR ${CMAKE_INSTALL_PREFIX} ${CMAKE_INSTALL_FULL_INCLUDEDIR})
# The shared library carries its dependencies (DT_NEEDED); only a static link needs them named.
if(SOULBOX_BUILD_STATIC)
  set(SOULBOX_PC_REQUIRES_PRIVATE "Requires.private: libseccomp libcap liburing fmt simdjson")
  set(SOULBOX_PC_LIBS_PRIVATE "Libs.private: -lstdc++ -lm -pthread")
else()
  set(SOULBOX_PC_REQUIRES_PRIVATE "")
  set(SOULBOX_PC_LIBS_PRIVATE "")
endif()
configure_file(${PROJECT_SOURCE_DIR}/soulbox.pc.in ${PROJECT_BINARY_DIR}/soulbox.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/soulbox.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
