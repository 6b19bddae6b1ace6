"""The package as an unprivileged user: the rootless path of the library, through Python."""

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

import soulbox

SCRIPT = r"""
from soulbox import Sandbox
with Sandbox.create(timeout=60) as sbx:
    info = sbx.get_info()
    print("rootless", info.rootless)
    print("uid", sbx.commands.run("id -u").stdout.strip())
    sbx.files.write("note.txt", "from nobody")
    print("read", sbx.files.read("note.txt"))
    print("pid1", sbx.commands.run("cat /proc/1/comm").stdout.strip())
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to nobody")
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux)")
def test_an_unprivileged_user_gets_a_rootless_sandbox():
    # The build tree may sit where nobody cannot read it (CI clones under /root): run a
    # world-readable copy of the package.
    with tempfile.TemporaryDirectory(prefix="soulbox-py-nobody-") as tmp:
        package = os.path.join(tmp, "soulbox")
        shutil.copytree(os.path.dirname(soulbox.__file__), package,
                        ignore=shutil.ignore_patterns("__pycache__"))
        for root, dirs, files in os.walk(tmp):
            for name in dirs + files:
                os.chmod(os.path.join(root, name), 0o755)
        os.chmod(tmp, 0o755)
        out = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--reset-env",
             sys.executable, "-B", "-c", SCRIPT],
            # --reset-env clears PYTHONPATH: the package is found in the working directory.
            cwd=tmp, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "rootless True" in lines
    assert "uid 1000" in lines  # the caller's uid becomes the sandbox user
    assert "read from nobody" in lines
    # PID 1 is the sandbox's own agent (run from its memfd), not the host's init.
    assert any(line.startswith("pid1 memfd:soulbox") for line in lines), lines
