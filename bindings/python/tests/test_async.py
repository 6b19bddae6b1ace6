import asyncio
import time

import pytest

from soulbox import AsyncSandbox, CommandExitException, FileNotFoundException, PtySize
from soulbox.aio import AsyncCommandHandle


def run(coro):
    return asyncio.run(coro)


def test_async_sandbox_end_to_end():
    async def main():
        async with await AsyncSandbox.create(timeout=60, metadata={"k": "v"}) as sbx:
            assert await sbx.is_running()
            assert (await sbx.get_info()).metadata == {"k": "v"}
            assert sbx.sandbox_id in [s.sandbox_id for s in await AsyncSandbox.list().next_items()]

            chunks, loop_threads = [], set()

            async def on_stdout(chunk):  # a coroutine callback, run on the loop
                loop_threads.add(asyncio.get_running_loop())
                chunks.append(chunk)

            result = await sbx.commands.run("echo a; echo b", on_stdout=on_stdout)
            assert result.stdout == "a\nb\n"
            await asyncio.sleep(0)  # let the scheduled callback tasks run
            for _ in range(100):
                if "".join(chunks) == "a\nb\n":
                    break
                await asyncio.sleep(0.01)
            assert "".join(chunks) == "a\nb\n"
            assert loop_threads == {asyncio.get_running_loop()}

            with pytest.raises(CommandExitException):
                await sbx.commands.run("exit 2")

            handle = await sbx.commands.run("cat", background=True, stdin=True)
            assert isinstance(handle, AsyncCommandHandle)
            await handle.send_stdin("ping\n")
            await handle.close_stdin()
            seen = [out async for out, _, _ in handle if out]
            assert "".join(seen) == "ping\n"
            assert (await handle.wait()).stdout == "ping\n"
            assert await sbx.commands.kill(handle.pid) is False
            assert await sbx.commands.list() == [] or all(
                p.pid != handle.pid for p in await sbx.commands.list())

            info = await sbx.files.write("a/b.txt", "data")
            assert info.path == "/home/user/a/b.txt"
            assert await sbx.files.read("a/b.txt") == "data"
            assert [e.name for e in await sbx.files.list("a")] == ["b.txt"]
            assert b"".join([c async for c in await sbx.files.read("a/b.txt", format="stream")]) == b"data"
            with pytest.raises(FileNotFoundException):
                await sbx.files.read("missing")

            events = []
            watch = await sbx.files.watch_dir("a", on_event=events.append)
            await sbx.files.write("a/c.txt", "x")
            for _ in range(500):
                if any(e.name == "c.txt" for e in events):
                    break
                await asyncio.sleep(0.01)
            assert any(e.name == "c.txt" for e in events)
            await watch.stop()

            term = await sbx.pty.create(PtySize(24, 80))
            await sbx.pty.send_stdin(term.pid, b"exit 0\n")
            assert (await term.wait()).exit_code == 0
        assert not await sbx.is_running()
        assert await AsyncSandbox.kill(sbx.sandbox_id) is False

    run(main())


def test_async_runs_overlap():
    async def main():
        async with await AsyncSandbox.create(timeout=60) as sbx:
            start = time.monotonic()
            results = await asyncio.gather(
                *(sbx.commands.run(f"sleep 0.5; echo {i}") for i in range(4)))
            elapsed = time.monotonic() - start
            assert [r.stdout for r in results] == [f"{i}\n" for i in range(4)]
            assert elapsed < 1.5, elapsed  # 4 x 0.5 s sequentially would be 2 s

    run(main())


def test_async_constructor_is_not_for_users():
    with pytest.raises(TypeError):
        AsyncSandbox("template")
