"""Builds soulbox._core with the repository's CMake (the extension links the static
libsoulbox.a, so the wheel is self-contained) and packages it with the pure-Python code.

SOULBOX_CMAKE_BUILD_DIR=<dir> reuses an existing, configured build directory of the repository
(configured with -DSOULBOX_BUILD_PYTHON=ON) instead of configuring bindings/python/build/cmake.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        build_dir = self._configured_build_dir()
        subprocess.check_call(
            ["cmake", "--build", str(build_dir), "--target", "_core", "--parallel"]
        )
        built = build_dir / "bindings" / "python" / "package" / "soulbox"
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        module = built / f"_core{suffix}"
        if not module.exists():
            found = sorted(p.name for p in built.glob("_core*"))
            raise RuntimeError(
                f"{module} was not built (found {found}): the build directory was configured "
                f"for another Python than {sys.executable}"
            )
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(module, target)

    def _configured_build_dir(self) -> pathlib.Path:
        reuse = os.environ.get("SOULBOX_CMAKE_BUILD_DIR")
        if reuse:
            build_dir = pathlib.Path(reuse).resolve()
            if not (build_dir / "CMakeCache.txt").exists():
                raise RuntimeError(f"SOULBOX_CMAKE_BUILD_DIR={reuse} is not a configured build")
            return build_dir
        build_dir = HERE / "build" / "cmake"
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        subprocess.check_call(
            [
                "cmake", "-S", str(REPO), "-B", str(build_dir), *generator,
                "-DCMAKE_BUILD_TYPE=Release",
                "-DSOULBOX_BUILD_PYTHON=ON",
                "-DSOULBOX_BUILD_TESTS=OFF",
                "-DSOULBOX_BUILD_BENCHMARKS=OFF",
                "-DSOULBOX_INSTALL=OFF",
                f"-DPython3_EXECUTABLE={sys.executable}",
            ]
        )
        return build_dir


def header_version() -> str:
    """The release number, written once in include/soulbox/soulbox.h."""
    header = (REPO / "include" / "soulbox" / "soulbox.h").read_text()
    parts = [
        re.search(rf"^#define SOULBOX_VERSION_{part} (\d+)$", header, re.M).group(1)
        for part in ("MAJOR", "MINOR", "PATCH")
    ]
    return ".".join(parts)


setup(
    version=header_version(),
    ext_modules=[Extension("soulbox._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
)
