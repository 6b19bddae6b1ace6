"""E2B v2 compatibility: the signatures of e2b 2.x (sync and async), called positionally and by
keyword as E2B's docs and tests do, on real sandboxes; plus E2B's errors for bad input."""

import asyncio
import subprocess
import sys
import uuid
from datetime import datetime, timezone

import pytest

import soulbox
from soulbox import (
    ALL_TRAFFIC,
    CommandExitException,
    CommandResult,
    FileNotFoundException,
    InvalidArgumentException,
    NotFoundException,
    PtySize,
    Sandbox,
    SandboxException,
    SandboxInfo,
    SandboxPaginator,
    SandboxQuery,
    SandboxState,
    TimeoutException,
    UnsupportedException,
)

from conftest import wait_until


# --- Sandbox.create / connect / list -------------------------------------------------------


def test_create_positional_order_is_e2bs():
    # E2B: create(template, timeout, metadata, envs, ...): the 3rd positional is metadata.
    tag = uuid.uuid4().hex
    with Sandbox.create("base", 60, {"tag": tag}, {"GREETING": "hi"}) as sbx:
        info = sbx.get_info()
        assert info.metadata == {"tag": tag}
        assert sbx.commands.run("echo $GREETING").stdout == "hi\n"
        assert isinstance(info, SandboxInfo)
        assert info.state == SandboxState.RUNNING == "running"
        assert info.cpu_count == 1 and info.memory_mb == 512
        assert info.envd_version == soulbox.__version__
        assert info.name == info.template_id
        assert info.end_at is not None and 55 <= (info.end_at - info.started_at).total_seconds() <= 60


def test_init_takes_the_same_order():
    sbx = Sandbox(None, 30, {"m": "1"}, {"E": "2"})
    try:
        assert sbx.get_info().metadata == {"m": "1"}
        assert sbx.commands.run("echo $E").stdout == "2\n"
    finally:
        sbx.kill()


def test_connection_options_are_accepted_and_ignored():
    with Sandbox.create(
        template="base",
        timeout=30,
        metadata={},
        envs={},
        secure=True,
        allow_internet_access=True,
        logger=None,
        api_key="e2b_unused",
        domain="example.invalid",
        debug=False,
        request_timeout=5,
        headers={"X": "y"},
        proxy=None,
        lifecycle={"on_timeout": "kill"},
    ) as sbx:
        assert sbx.is_running(request_timeout=1)
        assert sbx.get_info(request_timeout=1).sandbox_id == sbx.sandbox_id
        sbx.set_timeout(40, request_timeout=1)
        assert Sandbox.get_info(sbx.sandbox_id, api_key="x").sandbox_id == sbx.sandbox_id


@pytest.mark.parametrize(
    "kwargs, feature",
    [
        ({"mcp": {"github/x": {}}}, "mcp"),
        ({"network": {"deny_out": [ALL_TRAFFIC]}}, "network"),
        ({"allow_internet_access": False}, "allow_internet_access"),
        ({"lifecycle": {"on_timeout": "pause"}}, "pause"),
        ({"lifecycle": {"on_timeout": {"action": "pause", "keep_memory": False}}}, "pause"),
        ({"volume_mounts": {"/data": "vol"}}, "volume"),
        ({"auto_pause": True}, "auto_pause"),
    ],
)
def test_missing_features_raise_unsupported_naming_them(kwargs, feature):
    before = {s.sandbox_id for s in Sandbox.list().next_items()}
    with pytest.raises(UnsupportedException, match=feature):
        Sandbox.create(timeout=10, **kwargs)
    assert issubclass(UnsupportedException, SandboxException)
    assert {s.sandbox_id for s in Sandbox.list().next_items()} <= before  # none started


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="no_such_option"):
        Sandbox.create(timeout=10, no_such_option=1)
    with pytest.raises(TypeError):
        Sandbox.list(bogus=1)


def test_connect_by_id_and_instance_connect():
    with Sandbox.create(timeout=30) as sbx:
        again = Sandbox.connect(sbx.sandbox_id, timeout=120)
        assert again.sandbox_id == sbx.sandbox_id
        info = again.get_info()
        remaining = info.end_at - datetime.now(timezone.utc)
        assert 100 < remaining.total_seconds() <= 120
        assert sbx.connect() is sbx
        assert sbx.connect(timeout=60) is sbx
    with pytest.raises(NotFoundException):
        sbx.connect()
    with pytest.raises(NotFoundException):
        Sandbox.connect(sbx.sandbox_id)


def test_list_paginator_query_limit_and_end():
    tag = uuid.uuid4().hex
    boxes = [Sandbox.create(timeout=60, metadata={"tag": tag, "i": str(i)}) for i in range(3)]
    try:
        paginator = Sandbox.list(
            query=SandboxQuery(metadata={"tag": tag}, state=[SandboxState.RUNNING]), limit=2
        )
        assert isinstance(paginator, SandboxPaginator)
        assert paginator.has_next and paginator.next_token is None
        first = paginator.next_items()
        assert len(first) == 2 and paginator.has_next and paginator.next_token
        first_token = paginator.next_token
        second = paginator.next_items()
        assert len(second) == 1 and not paginator.has_next and paginator.next_token is None
        assert {s.sandbox_id for s in first + second} == {b.sandbox_id for b in boxes}
        assert all(isinstance(s, SandboxInfo) and s.metadata["tag"] == tag for s in first + second)
        with pytest.raises(Exception, match="No more items"):
            paginator.next_items()
        # Resuming from a token, positionally: list(query, limit, next_token).
        resumed = Sandbox.list(SandboxQuery(metadata={"tag": tag}), 2, first_token)
        assert [s.sandbox_id for s in resumed.next_items()] == [second[0].sandbox_id]
        # Start-time order, as E2B's order="asc"/"desc".
        asc = Sandbox.list(SandboxQuery(metadata={"tag": tag}), order="asc").next_items()
        desc = Sandbox.list(SandboxQuery(metadata={"tag": tag}), order="desc").next_items()
        assert [s.sandbox_id for s in asc] == [b.sandbox_id for b in boxes]
        assert [s.sandbox_id for s in desc] == [b.sandbox_id for b in reversed(boxes)]
        with pytest.raises(InvalidArgumentException):
            Sandbox.list(order="up")
        with pytest.raises(InvalidArgumentException):
            Sandbox.list(next_token="garbage")
        assert Sandbox.list(SandboxQuery(state=[SandboxState.PAUSED], metadata={"tag": tag})).next_items() == []
    finally:
        for b in boxes:
            b.kill()


@pytest.mark.parametrize("limit, exc", [(0, InvalidArgumentException), (-1, InvalidArgumentException), ("2", TypeError), (True, TypeError)])
def test_list_bad_limit(limit, exc):
    with pytest.raises(exc):
        Sandbox.list(limit=limit)


def test_list_bad_query_type():
    with pytest.raises(TypeError):
        Sandbox.list(query={"metadata": {}})


def test_kill_class_and_instance_with_opts():
    sbx = Sandbox.create(timeout=30)
    assert Sandbox.kill(sbx.sandbox_id, request_timeout=2) is True
    assert sbx.kill(request_timeout=2) is False
    assert not sbx.is_running()


# --- exceptions and constants -------------------------------------------------------------


def test_e2b_exception_names_exist():
    for name in (
        "AuthenticationException", "RateLimitException", "TemplateException", "BuildException",
        "FileUploadException", "GitAuthException", "GitUpstreamException",
        "SandboxNotFoundException", "NotEnoughSpaceException", "VolumeException",
        "SecretException", "TimeoutException", "InvalidArgumentException", "NotFoundException",
        "FileNotFoundException",
    ):
        cls = getattr(soulbox, name)
        assert issubclass(cls, Exception), name
    assert issubclass(soulbox.GitAuthException, soulbox.AuthenticationException)
    assert issubclass(soulbox.FileUploadException, soulbox.BuildException)
    assert issubclass(soulbox.SandboxNotFoundException, soulbox.NotFoundException)
    assert isinstance(ALL_TRAFFIC, str) and ALL_TRAFFIC == "0.0.0.0/0"


def test_import_is_lazy_about_asyncio():
    code = "import sys, soulbox; assert 'asyncio' not in sys.modules; soulbox.AsyncSandbox; assert 'asyncio' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- commands -----------------------------------------------------------------------------


def test_run_positional_and_keyword(sbx):
    # run(cmd, background, envs, user, cwd, on_stdout, on_stderr, stdin, timeout, request_timeout)
    out = []
    result = sbx.commands.run("echo $A; pwd", False, {"A": "1"}, "user", "/tmp", out.append, None, False, 10, 5)
    assert isinstance(result, CommandResult)
    assert (result.stdout, result.exit_code, result.error) == ("1\n/tmp\n", 0, None)
    assert "".join(out) == "1\n/tmp\n"
    assert (result.signal, result.timed_out, result.oom_killed) == (0, False, False)
    assert (result.stdout_truncated, result.stderr_truncated) == (False, False)
    result = sbx.commands.run(cmd="id -un", background=None, user=None, stdin=None, request_timeout=3)
    assert result.stdout == "user\n"


def test_relative_cwd_is_under_home(sbx):
    sbx.files.make_dir("rel/dir")
    assert sbx.commands.run("pwd", cwd="rel/dir").stdout == "/home/user/rel/dir\n"
    assert sbx.commands.run("pwd", cwd=".", user="root").stdout == "/root\n"


def test_result_extras_on_kill(sbx):
    handle = sbx.commands.run("sleep 30", background=True)
    assert handle.kill()
    with pytest.raises(CommandExitException) as info:
        handle.wait()
    assert info.value.signal == 9 and not info.value.timed_out


def test_timed_out_flag_is_a_timeout(sbx):
    with pytest.raises(TimeoutException):
        sbx.commands.run("sleep 5", timeout=1)


def test_close_stdin_by_pid(sbx):
    handle = sbx.commands.run("cat; echo end", background=True, stdin=True)
    sbx.commands.send_stdin(handle.pid, "abc", request_timeout=2)
    sbx.commands.close_stdin(handle.pid)
    assert handle.wait().stdout == "abcend\n"
    # Without a handle of this object (it was dropped): connects for the call.
    pid = sbx.commands.run("cat > /tmp/cs.out; echo eof > /tmp/cs.flag", background=True, stdin=True).pid
    sbx.commands.send_stdin(pid, "zz")
    sbx.commands.close_stdin(pid, 2)
    wait_until(lambda: sbx.files.exists("/tmp/cs.flag"))
    assert sbx.files.read("/tmp/cs.out") == "zz"


def test_connect_positional_timeout(sbx):
    handle = sbx.commands.run("read x; echo got $x", background=True, stdin=True)
    again = sbx.commands.connect(handle.pid, 30, 5)
    sbx.commands.send_stdin(handle.pid, "y\n")
    assert again.wait().stdout.endswith("got y\n")
    with pytest.raises(TypeError):
        sbx.commands.connect(handle.pid, 30, 5, print)  # callbacks are keyword-only (not E2B's)


def test_list_kill_with_request_timeout(sbx):
    handle = sbx.commands.run("sleep 30", background=True)
    assert handle.pid in [p.pid for p in sbx.commands.list(request_timeout=2)]
    assert sbx.commands.kill(handle.pid, 2) is True
    with pytest.raises(CommandExitException):
        handle.wait()
    assert sbx.commands.kill(handle.pid) is False


def test_killing_the_sandbox_fails_wait_with_timeout():
    sbx = Sandbox.create(timeout=30)
    handle = sbx.commands.run("sleep 60", background=True)
    sbx.kill()
    with pytest.raises(TimeoutException) as info:
        handle.wait()
    assert "sandbox was killed or reached its end of life" in str(info.value)


def test_pty_positional(sbx):
    # pty.create(size, user, cwd, envs, timeout, request_timeout)
    term = sbx.pty.create(PtySize(24, 80), "user", "/tmp", {"PX": "7"}, 30, 5)
    sbx.pty.send_stdin(term.pid, b"echo $PX-$PWD; exit\n", 2)
    data = b"".join(p for _, _, p in term if p)
    assert b"7-/tmp" in data
    term = sbx.pty.create(size=PtySize(rows=10, cols=40), timeout=30)
    sbx.pty.resize(term.pid, PtySize(12, 50), 2)
    again = sbx.pty.connect(term.pid, 30, 2)
    assert sbx.pty.kill(term.pid, 2) is True
    with pytest.raises(CommandExitException):
        again.wait()


# --- files --------------------------------------------------------------------------------


def test_files_positional_e2b_order(sbx):
    # write(path, data, user, request_timeout, gzip, use_octet_stream, metadata)
    info = sbx.files.write("pos/a.txt", "hello", "user", 5, False, None, {"k": "v"})
    assert info.path == "/home/user/pos/a.txt"
    # read(path, format, user, request_timeout, gzip)
    assert sbx.files.read("pos/a.txt", "text", "user", 5, False) == "hello"
    data = sbx.files.read("pos/a.txt", format="bytes", request_timeout=5, gzip=True)
    assert isinstance(data, bytearray) and data == b"hello"
    assert sbx.files.exists("pos/a.txt", "user", 5)
    assert sbx.files.get_info("pos/a.txt", "user", 5).size == 5
    assert [e.name for e in sbx.files.list("pos", 1, "user", 5)] == ["a.txt"]
    assert sbx.files.rename("pos/a.txt", "pos/b.txt", "user", 5).name == "b.txt"
    assert sbx.files.make_dir("pos/d", "user", 5) is True
    sbx.files.remove("pos/b.txt", "user", 5)
    assert not sbx.files.exists("pos/b.txt")


def test_write_files_dicts_and_entries(sbx):
    infos = sbx.files.write_files(
        [{"path": "wf/a", "data": "A"}, {"path": "wf/b", "data": b"B"}, soulbox.WriteEntry("wf/c", "C")],
        "user", 5,
    )
    assert [i.name for i in infos] == ["a", "b", "c"]
    assert [sbx.files.read(f"wf/{n}") for n in "abc"] == ["A", "B", "C"]
    with pytest.raises(TypeError):
        sbx.files.write_files([{"path": "wf/x"}])
    with pytest.raises(TypeError):
        sbx.files.write_files({"path": "wf/x", "data": "x"})


def test_remove_missing_is_noop_and_list_depth_none(sbx):
    sbx.files.remove("no/such/path")
    sbx.files.make_dir("dn/sub")
    assert [e.name for e in sbx.files.list("dn", depth=None)] == ["sub"]
    with pytest.raises(InvalidArgumentException):
        sbx.files.list("dn", depth=0)
    with pytest.raises(InvalidArgumentException):
        sbx.files.list("dn", depth=-2)
    with pytest.raises(TypeError):
        sbx.files.list("dn", depth="1")


def test_read_stream_is_iterator_and_context_manager(sbx):
    sbx.files.write("st.bin", b"x" * 300000)
    with sbx.files.read("st.bin", format="stream", stream_idle_timeout=5) as stream:
        assert iter(stream) is stream
        assert sum(len(c) for c in stream) == 300000
    stream = sbx.files.read("st.bin", "stream")
    assert isinstance(next(stream), bytes)
    stream.close()
    with pytest.raises(FileNotFoundException):
        sbx.files.read("missing.bin", format="stream")


def test_watch_dir_e2b_positional_and_include_entry(sbx):
    sbx.files.make_dir("wd")
    # watch_dir(path, user, request_timeout, recursive, include_entry)
    watch = sbx.files.watch_dir("wd", "user", 5, False, True)
    try:
        sbx.files.write("wd/f.txt", "1234")
        events = wait_until(
            lambda: [e for e in watch.get_new_events() if e.name == "f.txt" and e.entry]
        )
        assert events[0].entry.size in (0, 4) and events[0].entry.name == "f.txt"
    finally:
        watch.stop()
    plain = sbx.files.watch_dir("wd", recursive=True)
    try:
        sbx.files.write("wd/g.txt", "1")
        events = wait_until(lambda: [e for e in plain.get_new_events() if e.name == "g.txt"])
        assert events[0].entry is None
    finally:
        plain.stop()


def test_bad_types_raise_type_errors(sbx):
    with pytest.raises(TypeError):
        sbx.files.write(123, "x")
    with pytest.raises(TypeError):
        sbx.commands.run(["echo", "x"])
    with pytest.raises(TypeError):
        sbx.commands.run("true", bogus=1)
    with pytest.raises(TypeError):
        sbx.files.read("x", user="user", nonsense=True)


# --- async --------------------------------------------------------------------------------


def run(coro):
    return asyncio.run(coro)


def test_async_shapes():
    from soulbox import AsyncSandbox, AsyncSandboxPaginator

    async def main():
        tag = uuid.uuid4().hex
        sbx = await AsyncSandbox.create("base", 60, {"tag": tag}, {"E": "x"}, api_key="k")
        try:
            assert (await sbx.commands.run("echo $E")).stdout == "x\n"
            paginator = AsyncSandbox.list(SandboxQuery(metadata={"tag": tag}), limit=5)
            assert isinstance(paginator, AsyncSandboxPaginator) and paginator.has_next
            items = await paginator.next_items()
            assert [i.sandbox_id for i in items] == [sbx.sandbox_id] and not paginator.has_next
            with pytest.raises(Exception, match="No more items"):
                await paginator.next_items()
            again = await AsyncSandbox.connect(sbx.sandbox_id, 60)
            assert again.sandbox_id == sbx.sandbox_id
            assert await sbx.connect() is sbx

            live = await sbx.commands.run("echo live; read x", background=True, stdin=True)
            for _ in range(500):
                if live.stdout:
                    break
                await asyncio.sleep(0.01)
            assert live.stdout == "live\n" and live.exit_code is None
            await live.kill()

            async with await sbx.files.read("/etc/hostname", format="stream") as reader:
                assert b"".join([c async for c in reader])
            await sbx.files.write("aw/big", b"y" * 300000)
            partial = await sbx.files.read("aw/big", format="stream")
            assert len(await partial.__anext__()) > 0
            await partial.aclose()  # stops the read early

            handle = await sbx.commands.run("echo out; echo err >&2; exit 3", background=True)
            with pytest.raises(CommandExitException):
                await handle.wait()
            assert (handle.stdout, handle.stderr, handle.exit_code) == ("out\n", "err\n", 3)

            ok = await sbx.commands.run("cat", background=True, stdin=True)
            await sbx.commands.send_stdin(ok.pid, "in")
            await sbx.commands.close_stdin(ok.pid)
            await ok.wait()
            assert (ok.stdout, ok.exit_code) == ("in", 0)

            data = []
            term = await sbx.pty.create(PtySize(24, 80), data.extend, None, "/tmp", {"Q": "5"}, 30)
            await sbx.pty.send_stdin(term.pid, b"echo $Q$Q; exit\n")
            await term.wait()
            assert b"55" in bytes(data)

            await sbx.files.write_files([{"path": "aw/a", "data": "1"}], None, 5)
            assert await sbx.files.read("aw/a", "text", None, 5) == "1"
            await sbx.files.remove("aw/missing")
            assert sorted(e.name for e in await sbx.files.list("aw", None)) == ["a", "big"]
            events = []
            watch = await sbx.files.watch_dir("aw", events.append, None, None, 5, 60, False, True)
            await sbx.files.write("aw/b", "22")
            for _ in range(500):
                if any(e.name == "b" and e.entry for e in events):
                    break
                await asyncio.sleep(0.01)
            await watch.stop()
            assert any(e.name == "b" and e.entry for e in events)
        finally:
            await sbx.kill(request_timeout=2)
        killed = await AsyncSandbox.create(timeout=30)
        slow = await killed.commands.run("sleep 60", background=True)
        await killed.kill()
        with pytest.raises(TimeoutException, match="sandbox was killed"):
            await slow.wait()

    run(main())


def test_iterating_past_the_timeout_raises(sbx):
    handle = sbx.commands.run("echo before; sleep 10", timeout=1, background=True)
    seen = []
    with pytest.raises(TimeoutException):
        for stdout, _, _ in handle:
            seen.append(stdout)
    assert seen == ["before\n"]
    # A command that ends normally iterates to the end without raising.
    assert [o for o, _, _ in sbx.commands.run("echo x", background=True)] == ["x\n"]
