import sys
import threading
import time

import pytest

from soulbox import (
    CommandExitException,
    CommandHandle,
    FileNotFoundException,
    InvalidArgumentException,
    ProcessNotFoundException,
    SandboxException,
    TimeoutException,
)
from conftest import wait_until


def test_run_ok(sbx):
    result = sbx.commands.run("echo out; echo err >&2")
    assert (result.stdout, result.stderr, result.exit_code, result.error) == ("out\n", "err\n", 0, None)


def test_non_zero_exit_raises_with_result(sbx):
    with pytest.raises(CommandExitException) as info:
        sbx.commands.run("echo partial; echo boom >&2; exit 3")
    exc = info.value
    assert isinstance(exc, SandboxException)
    assert (exc.exit_code, exc.stdout, exc.stderr, exc.error) == (3, "partial\n", "boom\n", "exit status 3")
    assert "boom" in str(exc)


def test_timeout_raises_timeout_exception(sbx):
    start = time.monotonic()
    with pytest.raises(TimeoutException):
        sbx.commands.run("sleep 30", timeout=0.5)
    assert time.monotonic() - start < 10
    with pytest.raises(TimeoutError):  # also the builtin
        sbx.commands.run("sleep 30", timeout=0.3)


def test_user_cwd_envs(sbx):
    assert sbx.commands.run("id -un").stdout.strip() == "user"
    assert sbx.commands.run("id -u", user="root").stdout.strip() == "0"
    assert sbx.commands.run("pwd").stdout.strip() == "/home/user"
    assert sbx.commands.run("pwd", cwd="/tmp").stdout.strip() == "/tmp"
    assert sbx.commands.run("echo $A-$B", envs={"A": "1", "B": "two"}).stdout == "1-two\n"


def test_utf8_decoding_and_invalid_bytes(sbx):
    assert sbx.commands.run("printf 'h\\xc3\\xa9 \\xff'").stdout == "hé \ufffd"


def test_streaming_callbacks_in_order(sbx):
    seen = []
    sbx.commands.run(
        "for i in $(seq 1 50); do echo line$i; done; echo done >&2",
        on_stdout=seen.append,
        on_stderr=lambda s: seen.append("ERR:" + s),
    )
    text = "".join(s for s in seen if not s.startswith("ERR:"))
    assert text == "".join(f"line{i}\n" for i in range(1, 51))
    assert seen[-1] == "ERR:done\n"


def test_callback_exception_is_reported_not_fatal(sbx, monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)

    def bad(_):
        raise RuntimeError("callback failure")

    result = sbx.commands.run("echo a; echo b", on_stdout=bad)
    assert result.stdout == "a\nb\n"
    assert reported and isinstance(reported[0].exc_value, RuntimeError)
    assert sbx.commands.run("echo still-alive").stdout == "still-alive\n"


def test_stdin_send_and_close(sbx):
    handle = sbx.commands.run("cat", background=True, stdin=True)
    handle.send_stdin("hello ")
    sbx.commands.send_stdin(handle.pid, b"world\n")
    handle.close_stdin()
    assert handle.wait().stdout == "hello world\n"


def test_background_wait_kill_and_iteration(sbx):
    handle = sbx.commands.run("for i in 1 2 3; do echo $i; sleep 0.05; done; echo e >&2", background=True)
    assert isinstance(handle, CommandHandle) and handle.pid > 0
    events = list(handle)
    assert [e[0] for e in events if e[0]] == ["1\n", "2\n", "3\n"]
    assert ("\n".join(e[1] for e in events if e[1])) == "e\n"
    assert handle.wait().stdout == "1\n2\n3\n"

    sleeper = sbx.commands.run("sleep 60", background=True)
    assert sleeper.kill() is True
    with pytest.raises(CommandExitException) as info:
        sleeper.wait()
    assert info.value.exit_code == -1
    assert "SIGKILL" in info.value.error
    assert sleeper.kill() is False


def test_wait_with_callbacks(sbx):
    handle = sbx.commands.run("echo x; echo y >&2", background=True)
    out, err = [], []
    result = handle.wait(on_stdout=out.append, on_stderr=err.append)
    assert "".join(out) == "x\n" and "".join(err) == "y\n" and result.exit_code == 0


def test_list_kill_connect_disconnect(sbx):
    handle = sbx.commands.run("read line; echo got:$line", background=True, stdin=True, cwd="/tmp",
                              envs={"MARK": "m1"})
    procs = {p.pid: p for p in sbx.commands.list()}
    assert handle.pid in procs
    info = procs[handle.pid]
    assert info.cmd == "/bin/bash" and info.args[-1].startswith("read line")
    assert info.cwd == "/tmp" and info.envs.get("MARK") == "m1"

    handle.disconnect()
    seen = []
    again = sbx.commands.connect(handle.pid, on_stdout=seen.append)
    again.send_stdin("hi\n")
    assert again.wait().stdout == "got:hi\n"
    assert "".join(seen) == "got:hi\n"

    victim = sbx.commands.run("sleep 60", background=True)
    assert sbx.commands.kill(victim.pid) is True
    wait_until(lambda: victim.pid not in [p.pid for p in sbx.commands.list()])
    assert sbx.commands.kill(victim.pid) is False
    with pytest.raises(ProcessNotFoundException) as info:
        sbx.commands.send_stdin(victim.pid, "x")
    assert info.value.subject == "process"
    with pytest.raises(ProcessNotFoundException):
        sbx.commands.connect(999999)


def test_connect_twice_disconnects_the_older_handle(sbx):
    handle = sbx.commands.run("sleep 0.5; echo fin", background=True)
    newer = sbx.commands.connect(handle.pid)
    assert newer.wait().stdout == "fin\n"
    del handle  # freeing the older handle must not disturb anything


def test_concurrent_threads_share_a_sandbox(sbx):
    results = []

    def worker(i):
        results.append(sbx.commands.run(f"sleep 0.3; echo {i}").stdout)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [f"{i}\n" for i in range(4)]
    assert time.monotonic() - start < 1.1  # they overlapped: the GIL was released


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"cmd": 5}, TypeError),
        ({"cmd": ""}, ValueError),
        ({"cmd": "echo \0"}, ValueError),
        ({"cmd": "true", "user": "nobody"}, ValueError),
        ({"cmd": "true", "timeout": -1}, ValueError),
        ({"cmd": "true", "envs": {"A": None}}, TypeError),
        ({"cmd": "true", "cwd": 7}, TypeError),
    ],
)
def test_bad_run_arguments(sbx, kwargs, error):
    with pytest.raises(error):
        sbx.commands.run(**kwargs)


def test_meaning_is_checked_by_the_library(sbx):
    """The binding checks types only: an unknown user comes back as the library's error."""
    with pytest.raises(InvalidArgumentException) as info:
        sbx.commands.run("true", user="nobody")
    assert info.value.code == 1 and "nobody" in str(info.value)
    # A missing working directory is about a path, not about the process.
    with pytest.raises(FileNotFoundException) as info:
        sbx.commands.run("pwd", cwd="/does/not/exist")
    assert info.value.subject == "path"


def test_bad_pid_arguments(sbx):
    with pytest.raises(TypeError):
        sbx.commands.kill("12")
    with pytest.raises(ValueError):
        sbx.commands.kill(0)
    with pytest.raises(TypeError):
        sbx.commands.send_stdin(1, 5)
