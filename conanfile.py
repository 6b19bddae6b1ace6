# Conan 2 recipe. Not run in this repository's CI (no Conan or ConanCenter access here); it maps
# the CMake options one to one and relies on the installed CMake package config.
import os

from conan import ConanFile
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout


class SoulboxConan(ConanFile):
    name = "soulbox"
    description = ("Sandboxes for untrusted code on this Linux host (C ABI libsoulbox.so.0, "
                   "header-only C++ API over it)")
    settings = "os", "arch", "compiler", "build_type"
    # shared=True: libsoulbox.so.0; shared=False: libsoulbox.a (SOULBOX_BUILD_STATIC).
    options = {"shared": [True, False]}
    default_options = {"shared": True}
    exports_sources = ("CMakeLists.txt", "cmake/*", "soulbox.pc.in", "include/*", "src/*",
                       "capi/*", "examples/*")

    def set_version(self):
        # The version is written once, in include/soulbox/soulbox.h.
        import re
        from conan.tools.files import load
        header = load(self, os.path.join(self.recipe_folder, "include", "soulbox", "soulbox.h"))
        parts = [re.search(rf"#define SOULBOX_VERSION_{p} (\d+)", header).group(1)
                 for p in ("MAJOR", "MINOR", "PATCH")]
        self.version = ".".join(parts)

    def validate(self):
        from conan.errors import ConanInvalidConfiguration
        if self.settings.os != "Linux":
            raise ConanInvalidConfiguration("SoulBox uses Linux namespaces, seccomp and io_uring")

    def requirements(self):
        # The libraries the CMake build finds; libseccomp, libcap and liburing come from the
        # system (pkg-config), as in the Debian build.
        self.requires("fmt/[>=9 <11]")
        self.requires("simdjson/[>=3]")

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.variables["SOULBOX_BUILD_TESTS"] = False
        tc.variables["SOULBOX_BUILD_BENCHMARKS"] = False
        tc.variables["SOULBOX_BUILD_STATIC"] = not self.options.shared
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        CMake(self).install()

    def package_info(self):
        # Consumers use the package's own config: find_package(soulbox CONFIG).
        self.cpp_info.set_property("cmake_find_mode", "none")
        self.cpp_info.builddirs.append("lib/cmake/soulbox")
        self.cpp_info.set_property("pkg_config_name", "soulbox")
        # include/soulbox: soulbox.h and the header-only C++ layer (*.hpp, C++23) over it; the
        # one library is the C ABI either way.
        self.cpp_info.libs = ["soulbox"]
        if not self.options.shared:
            self.cpp_info.system_libs = ["seccomp", "cap", "uring", "stdc++", "m", "pthread"]
