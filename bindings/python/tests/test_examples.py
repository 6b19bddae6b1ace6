"""The examples in examples/python run and print what they promise."""

import pathlib
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples" / "python"


def run_example(name):
    proc = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_quickstart():
    out = run_example("quickstart.py")
    assert "python3 says: 45" in out
    assert "file says: written from the host" in out


def test_e2b_migration():
    out = run_example("e2b_migration.py")
    assert "sum: 12" in out
    assert "entry: input.txt file" in out
    assert "streamed: ['tick 1', 'tick 2', 'tick 3']" in out
    assert "read back: done" in out
    source = (EXAMPLES / "e2b_migration.py").read_text()
    assert [line for line in source.splitlines() if "soulbox" in line] == ["from soulbox import Sandbox"]
