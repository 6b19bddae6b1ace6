"""AsyncSandbox: the same API as coroutines (E2B's ``e2b.AsyncSandbox``).

Every blocking call runs in a worker thread (``asyncio.to_thread``) with the GIL released, so
several calls overlap. Callbacks (``on_stdout``, ``on_data``, ``on_event``) are delivered on
the event loop; they may be plain functions or coroutine functions.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from typing import IO, Any, AsyncIterator, Callable, Dict, List, Optional, Union

from .commands import CommandHandle, Commands, Event, Pty
from .exceptions import CommandExitException
from .commands_types import CommandResult, ProcessInfo, PtySize
from .filesystem import EntryInfo, Filesystem, FilesystemEvent, WatchHandle, WriteEntry
from .sandbox import Sandbox, SandboxInfo, _ClassOrInstanceMethod

__all__ = ["AsyncSandbox", "AsyncCommandHandle", "AsyncWatchHandle"]

_END = object()


def _on_loop(callback: Optional[Callable]) -> Optional[Callable]:
    """Wraps a user callback so that calling it from any thread runs it on the current loop
    (awaiting it if it is a coroutine). Exceptions go to the loop's exception handler."""
    if callback is None:
        return None
    if not callable(callback):
        raise TypeError("callbacks must be callable")
    loop = asyncio.get_running_loop()

    def run(*args: Any) -> None:
        result = callback(*args)
        if inspect.isawaitable(result):
            loop.create_task(result)

    def deliver(*args: Any) -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(run, *args)

    return deliver


async def _call(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))


class AsyncCommandHandle:
    """A running command or terminal; ``async for stdout, stderr, pty in handle``. After
    ``wait()`` (E2B's shape) ``stdout``, ``stderr``, ``exit_code`` hold the result."""

    def __init__(self, handle: CommandHandle, output: Optional["_Collected"] = None) -> None:
        self._handle = handle
        self._output = output
        self._result: Optional[CommandResult] = None

    @property
    def pid(self) -> int:
        return self._handle.pid

    @property
    def stdout(self) -> str:
        """The stdout so far (as delivered on the event loop), all of it after ``wait()``."""
        if self._result is not None:
            return self._result.stdout
        return "".join(self._output.stdout) if self._output else ""

    @property
    def stderr(self) -> str:
        if self._result is not None:
            return self._result.stderr
        return "".join(self._output.stderr) if self._output else ""

    @property
    def exit_code(self) -> Optional[int]:
        """None while the command runs (not waited for)."""
        return self._result.exit_code if self._result else None

    @property
    def error(self) -> Optional[str]:
        return self._result.error if self._result else None

    async def __aiter__(self) -> AsyncIterator[Event]:
        events = iter(self._handle)
        while (item := await asyncio.to_thread(next, events, _END)) is not _END:
            yield item

    async def wait(self) -> CommandResult:
        """The result once the process ends; raises CommandExitException on a non-zero exit.
        Cancelling the wait leaves the process running."""
        try:
            self._result = await _call(self._handle.wait)
        except CommandExitException as e:
            self._result = e
            raise
        return self._result

    async def kill(self) -> bool:
        return await _call(self._handle.kill)

    async def send_stdin(self, data: Union[str, bytes], request_timeout: Optional[float] = None) -> None:
        await _call(self._handle.send_stdin, data)

    async def close_stdin(self, request_timeout: Optional[float] = None) -> None:
        await _call(self._handle.close_stdin)

    async def disconnect(self) -> None:
        await _call(self._handle.disconnect)


class _Collected:
    """A background command's output as it arrives (E2B's live ``handle.stdout``)."""

    def __init__(self, on_stdout: Optional[Callable], on_stderr: Optional[Callable]) -> None:
        self.stdout: List[str] = []
        self.stderr: List[str] = []
        self._user = (on_stdout, on_stderr)

    def callbacks(self) -> "tuple[Callable, Callable]":
        def out(data: str) -> Any:
            self.stdout.append(data)
            return self._user[0](data) if self._user[0] else None

        def err(data: str) -> Any:
            self.stderr.append(data)
            return self._user[1](data) if self._user[1] else None

        return _on_loop(out), _on_loop(err)


class AsyncCommands:
    """``sandbox.commands`` as coroutines (E2B's AsyncCommands signatures)."""

    def __init__(self, commands: Commands) -> None:
        self._commands = commands

    async def run(
        self,
        cmd: str,
        background: Optional[bool] = None,
        envs: Optional[Dict[str, str]] = None,
        user: Optional[str] = None,
        cwd: Optional[str] = None,
        on_stdout: Optional[Callable] = None,
        on_stderr: Optional[Callable] = None,
        stdin: Optional[bool] = None,
        timeout: Optional[float] = 60,
        request_timeout: Optional[float] = None,
    ) -> Union[CommandResult, AsyncCommandHandle]:
        """As ``Sandbox.commands.run``; ``background=True`` gives an AsyncCommandHandle."""
        if background:
            for cb in (on_stdout, on_stderr):
                if cb is not None and not callable(cb):
                    raise TypeError("callbacks must be callable")
            collected = _Collected(on_stdout, on_stderr)
            out, err = collected.callbacks()
            handle = await _call(
                self._commands.run, cmd, True, envs, user, cwd, out, err, stdin, timeout
            )
            return AsyncCommandHandle(handle, collected)
        return await _call(
            self._commands.run, cmd, background, envs, user, cwd,
            _on_loop(on_stdout), _on_loop(on_stderr), stdin, timeout,
        )

    async def list(self, request_timeout: Optional[float] = None) -> List[ProcessInfo]:
        return await _call(self._commands.list)

    async def kill(self, pid: int, request_timeout: Optional[float] = None) -> bool:
        return await _call(self._commands.kill, pid)

    async def send_stdin(
        self, pid: int, data: Union[str, bytes], request_timeout: Optional[float] = None
    ) -> None:
        await _call(self._commands.send_stdin, pid, data)

    async def close_stdin(self, pid: int, request_timeout: Optional[float] = None) -> None:
        await _call(self._commands.close_stdin, pid)

    async def connect(
        self,
        pid: int,
        timeout: Optional[float] = 60,
        request_timeout: Optional[float] = None,
        on_stdout: Optional[Callable] = None,
        on_stderr: Optional[Callable] = None,
    ) -> AsyncCommandHandle:
        collected = _Collected(on_stdout, on_stderr)
        out, err = collected.callbacks()
        handle = await _call(self._commands.connect, pid, timeout, on_stdout=out, on_stderr=err)
        return AsyncCommandHandle(handle, collected)


class AsyncPty:
    """``sandbox.pty`` as coroutines (E2B's AsyncPty signatures)."""

    def __init__(self, pty: Pty) -> None:
        self._pty = pty

    async def create(
        self,
        size: PtySize = PtySize(),
        on_data: Optional[Callable] = None,
        user: Optional[str] = None,
        cwd: Optional[str] = None,
        envs: Optional[Dict[str, str]] = None,
        timeout: Optional[float] = 60,
        request_timeout: Optional[float] = None,
    ) -> AsyncCommandHandle:
        handle = await _call(
            self._pty.create, size, user, cwd, envs, timeout, on_data=_on_loop(on_data)
        )
        return AsyncCommandHandle(handle)

    async def send_stdin(
        self, pid: int, data: Union[str, bytes], request_timeout: Optional[float] = None
    ) -> None:
        await _call(self._pty.send_stdin, pid, data)

    async def resize(self, pid: int, size: PtySize, request_timeout: Optional[float] = None) -> None:
        await _call(self._pty.resize, pid, size)

    async def kill(self, pid: int, request_timeout: Optional[float] = None) -> bool:
        return await _call(self._pty.kill, pid)

    async def connect(
        self,
        pid: int,
        on_data: Optional[Callable] = None,
        timeout: Optional[float] = 60,
        request_timeout: Optional[float] = None,
    ) -> AsyncCommandHandle:
        return AsyncCommandHandle(
            await _call(self._pty.connect, pid, timeout, on_data=_on_loop(on_data))
        )


class AsyncWatchHandle:
    """A directory watch; events also go to ``on_event`` on the event loop."""

    def __init__(self, handle: WatchHandle) -> None:
        self._handle = handle

    async def get_new_events(self) -> List[FilesystemEvent]:
        return await _call(self._handle.get_new_events)

    async def stop(self) -> None:
        await _call(self._handle.stop)


class AsyncFilesystem:
    """``sandbox.files`` as coroutines; ``read(format="stream")`` is an async iterator.
    E2B's per-call ``request_timeout``, ``gzip``, ``stream_idle_timeout``,
    ``use_octet_stream`` and ``metadata`` are accepted (see ``Filesystem``)."""

    def __init__(self, files: Filesystem) -> None:
        self._files = files

    async def read(
        self, path: str, format: str = "text", user: Optional[str] = None,
        request_timeout: Optional[float] = None, gzip: bool = False,
        stream_idle_timeout: Optional[float] = None,
    ):
        result = await _call(self._files.read, path, format, user)
        return _aiter_chunks(result) if format == "stream" else result

    async def write(
        self, path: str, data: Union[str, bytes, IO], user: Optional[str] = None,
        request_timeout: Optional[float] = None, gzip: bool = False,
        use_octet_stream: Optional[bool] = None, metadata: Optional[Dict[str, str]] = None,
    ) -> EntryInfo:
        return await _call(self._files.write, path, data, user)

    async def write_files(
        self, files: List[WriteEntry], user: Optional[str] = None,
        request_timeout: Optional[float] = None, gzip: bool = False,
        use_octet_stream: Optional[bool] = None, metadata: Optional[Dict[str, str]] = None,
    ) -> List[EntryInfo]:
        return await _call(self._files.write_files, files, user)

    async def list(
        self, path: str, depth: Optional[int] = 1, user: Optional[str] = None,
        request_timeout: Optional[float] = None,
    ) -> List[EntryInfo]:
        return await _call(self._files.list, path, depth, user)

    async def exists(self, path: str, user: Optional[str] = None, request_timeout: Optional[float] = None) -> bool:
        return await _call(self._files.exists, path, user)

    async def get_info(self, path: str, user: Optional[str] = None, request_timeout: Optional[float] = None) -> EntryInfo:
        return await _call(self._files.get_info, path, user)

    async def remove(self, path: str, user: Optional[str] = None, request_timeout: Optional[float] = None) -> None:
        await _call(self._files.remove, path, user)

    async def rename(
        self, old_path: str, new_path: str, user: Optional[str] = None,
        request_timeout: Optional[float] = None,
    ) -> EntryInfo:
        return await _call(self._files.rename, old_path, new_path, user)

    async def make_dir(self, path: str, user: Optional[str] = None, request_timeout: Optional[float] = None) -> bool:
        return await _call(self._files.make_dir, path, user)

    async def watch_dir(
        self,
        path: str,
        on_event: Optional[Callable] = None,
        on_exit: Optional[Callable] = None,
        user: Optional[str] = None,
        request_timeout: Optional[float] = None,
        timeout: Optional[float] = 60,
        recursive: bool = False,
        include_entry: bool = False,
        allow_network_mounts: bool = False,
    ) -> AsyncWatchHandle:
        handle = await _call(
            self._files.watch_dir, path, user, recursive=recursive,
            include_entry=include_entry, on_event=_on_loop(on_event),
        )
        return AsyncWatchHandle(handle)


class AsyncFileStreamReader:
    """``await files.read(path, format="stream")``: ``async for chunk in reader`` and
    ``async with`` (E2B's AsyncFileStreamReader shape)."""

    def __init__(self, chunks) -> None:
        self._chunks = chunks

    def __aiter__(self) -> "AsyncFileStreamReader":
        return self

    async def __anext__(self) -> bytes:
        chunk = await asyncio.to_thread(next, self._chunks, _END)
        if chunk is _END:
            await self.close()
            raise StopAsyncIteration
        return chunk

    async def close(self) -> None:
        await asyncio.to_thread(self._chunks.close)

    aclose = close

    async def __aenter__(self) -> "AsyncFileStreamReader":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def _aiter_chunks(chunks) -> AsyncFileStreamReader:
    return AsyncFileStreamReader(chunks)


class AsyncSandbox:
    """The asynchronous Sandbox: ``sbx = await AsyncSandbox.create()``; ``async with``
    kills it on exit."""

    def __init__(self, sandbox: Sandbox) -> None:
        """Internal: use ``await AsyncSandbox.create()`` or ``await AsyncSandbox.connect()``."""
        if not isinstance(sandbox, Sandbox):
            raise TypeError("use `await AsyncSandbox.create(...)` to start a sandbox")
        self._sandbox = sandbox
        self.commands = AsyncCommands(sandbox.commands)
        self.files = AsyncFilesystem(sandbox.files)
        self.pty = AsyncPty(sandbox.pty)
        self.git = __import__("soulbox.git", fromlist=["AsyncGit"]).AsyncGit(sandbox.commands)

    @classmethod
    async def create(
        cls,
        template: Optional[str] = None,
        timeout: Optional[float] = 300,
        metadata: Optional[Dict[str, str]] = None,
        envs: Optional[Dict[str, str]] = None,
        *args: Any,
        **kwargs: Any,
    ) -> "AsyncSandbox":
        """Starts a sandbox; the same arguments as ``Sandbox.create`` (E2B's order)."""
        return cls(await _call(Sandbox.create, template, timeout, metadata, envs, *args, **kwargs))

    async def _connect_class(cls, sandbox_id: str, timeout: Optional[float] = None, **opts: Any) -> "AsyncSandbox":
        return cls(await _call(Sandbox.connect, sandbox_id, timeout, **opts))

    async def _connect_instance(self, timeout: Optional[float] = None, **opts: Any) -> "AsyncSandbox":
        await _call(self._sandbox.connect, timeout, **opts)
        return self

    connect = _ClassOrInstanceMethod(_connect_class, _connect_instance)

    @staticmethod
    def list(
        query: Any = None, limit: Optional[int] = None, next_token: Optional[str] = None,
        order: Optional[str] = None, **opts: Any,
    ) -> Any:
        """E2B's ``AsyncSandbox.list()``: a paginator whose ``next_items()`` is awaited."""
        from . import _compat
        from .sandbox import _info
        from . import _core

        _compat.api_opts("list", opts)
        return _compat.AsyncSandboxPaginator(
            lambda: [_info(d) for d in _core.list_sandboxes()], query, limit, next_token, order
        )

    @property
    def sandbox_id(self) -> str:
        return self._sandbox.sandbox_id

    async def __aenter__(self) -> "AsyncSandbox":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.kill()

    async def _kill_instance(self, **opts: Any) -> bool:
        """Ends the sandbox; False if it had already ended."""
        return await _call(self._sandbox.kill, **opts)

    async def _kill_class(cls, sandbox_id: str, **opts: Any) -> bool:
        return await _call(Sandbox.kill, sandbox_id, **opts)

    kill = _ClassOrInstanceMethod(_kill_class, _kill_instance)

    async def _set_timeout_instance(self, timeout: float, **opts: Any) -> None:
        await _call(self._sandbox.set_timeout, timeout, **opts)

    async def _set_timeout_class(cls, sandbox_id: str, timeout: float, **opts: Any) -> None:
        await _call(Sandbox.set_timeout, sandbox_id, timeout, **opts)

    set_timeout = _ClassOrInstanceMethod(_set_timeout_class, _set_timeout_instance)

    async def _get_info_instance(self, **opts: Any) -> SandboxInfo:
        return await _call(self._sandbox.get_info, **opts)

    async def _get_info_class(cls, sandbox_id: str, **opts: Any) -> SandboxInfo:
        return await _call(Sandbox.get_info, sandbox_id, **opts)

    get_info = _ClassOrInstanceMethod(_get_info_class, _get_info_instance)

    async def is_running(self, request_timeout: Optional[float] = None) -> bool:
        return await _call(self._sandbox.is_running)

    def __repr__(self) -> str:
        return f"AsyncSandbox(sandbox_id={self.sandbox_id!r})"
