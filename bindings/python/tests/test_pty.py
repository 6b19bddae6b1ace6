import threading

from soulbox import CommandExitException, InvalidArgumentException, PtySize
from conftest import wait_until
import pytest


def test_pty_send_resize_kill(sbx):
    data = bytearray()
    lock = threading.Lock()

    def on_data(chunk):
        with lock:
            data.extend(chunk)

    def seen(marker):
        with lock:
            return marker in data

    term = sbx.pty.create(PtySize(rows=24, cols=80), on_data=on_data, timeout=0)
    assert term.pid > 0
    sbx.pty.send_stdin(term.pid, b"echo size:$(tput cols)x$(tput lines)\n")
    wait_until(lambda: seen(b"size:80x24"))
    sbx.pty.resize(term.pid, PtySize(rows=30, cols=120))
    term.send_stdin("echo size:$(tput cols)x$(tput lines)\n")
    wait_until(lambda: seen(b"size:120x30"))
    assert sbx.pty.kill(term.pid) is True
    with pytest.raises(CommandExitException):
        term.wait()
    assert sbx.pty.kill(term.pid) is False


def test_pty_iteration_and_connect(sbx):
    term = sbx.pty.create(PtySize(rows=10, cols=40))
    term.send_stdin(b"echo first-$((6*7))\nexit 0\n")
    output = b"".join(pty for _, _, pty in term if pty)
    assert b"first-42" in output
    assert term.wait().exit_code == 0

    term = sbx.pty.create()
    got = bytearray()
    again = sbx.pty.connect(term.pid, on_data=got.extend)
    again.send_stdin(b"echo again-$((1+1))\n")
    wait_until(lambda: b"again-2" in got)
    assert again.kill() is True


def test_pty_bad_size(sbx):
    with pytest.raises(TypeError):
        sbx.pty.create(size=(24, 80))
    with pytest.raises(ValueError):
        sbx.pty.create(size=PtySize(rows=70000, cols=80))  # not a uint16: the binding's check
    # Sizes that fit the C type but make no terminal: the library's check, the same limit as
    # for C, C++ and Node.
    for rows, cols in ((0, 80), (24, 10001)):
        with pytest.raises(InvalidArgumentException) as info:
            sbx.pty.create(size=PtySize(rows=rows, cols=cols))
        assert isinstance(info.value, ValueError) and "1-10000" in str(info.value)
