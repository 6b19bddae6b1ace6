"""``sandbox.commands`` and ``sandbox.pty`` (synchronous), and the CommandHandle of a running
process. Output callbacks run on the library's event-loop thread; keep them short."""

from __future__ import annotations

import codecs
import queue
import signal
import weakref
from typing import Callable, Dict, Iterator, List, Optional, Tuple, Union

from . import _core
from . import _validate as check
from .commands_types import CommandResult, ProcessInfo, PtyOutput, PtySize, Stderr, Stdout
from .exceptions import CommandExitException, TimeoutException

__all__ = ["CommandHandle", "Commands", "Pty"]

OutputCallback = Callable[[str], object]
PtyCallback = Callable[[bytes], object]
Event = Tuple[Optional[Stdout], Optional[Stderr], Optional[PtyOutput]]


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _finish(result: dict) -> CommandResult:
    """The CommandResult of a finished process; raises as E2B does when it did not succeed."""
    command = CommandResult(
        stdout=_decode(result["stdout"]),
        stderr=_decode(result["stderr"]),
        exit_code=result["exit_code"],
        error=result["error"] or None,
        signal=result.get("signal", 0),
        timed_out=bool(result.get("timed_out", False)),
        oom_killed=bool(result.get("oom_killed", False)),
        stdout_truncated=bool(result.get("stdout_truncated", False)),
        stderr_truncated=bool(result.get("stderr_truncated", False)),
    )
    if result["timed_out"]:
        raise TimeoutException(
            f"{result['error']}: use the timeout argument to allow longer (0 = no limit)"
        )
    if command.exit_code != 0:
        raise CommandExitException(**command.__dict__)
    return command


class _Output:
    """Receives a process's output from the event-loop thread: decodes it (UTF-8, chunks may
    split characters), calls the user's callbacks and, for handles, queues it for iteration."""

    def __init__(
        self,
        on_stdout: Optional[Callable] = None,
        on_stderr: Optional[Callable] = None,
        *,
        pty: bool = False,
        keep: bool = True,
    ) -> None:
        self._on_stdout = on_stdout
        self._on_stderr = on_stderr
        self._pty = pty
        self.events: Optional["queue.SimpleQueue[Event]"] = queue.SimpleQueue() if keep else None
        self._stdout_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._stderr_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def callbacks(self) -> Tuple[Optional[Callable], Optional[Callable]]:
        """What to hand to _core: None where nothing listens, so C skips the callback."""
        wants_stdout = self.events is not None or self._on_stdout is not None
        wants_stderr = not self._pty and (self.events is not None or self._on_stderr is not None)
        return (self._stdout if wants_stdout else None, self._stderr if wants_stderr else None)

    def _stdout(self, data: bytes) -> None:
        if self._pty:
            self._emit((None, None, data), self._on_stdout, data)
        else:
            chunk = self._stdout_decoder.decode(data)
            if chunk:
                self._emit((chunk, None, None), self._on_stdout, chunk)

    def _stderr(self, data: bytes) -> None:
        chunk = self._stderr_decoder.decode(data)
        if chunk:
            self._emit((None, chunk, None), self._on_stderr, chunk)

    def _emit(self, event: Event, callback: Optional[Callable], value: Union[str, bytes]) -> None:
        if self.events is not None:
            self.events.put(event)
        if callback is not None:
            callback(value)


class CommandHandle:
    """A running command or terminal (E2B's CommandHandle).

    Iterate it (``for stdout, stderr, pty in handle``) to get output as it arrives, or call
    :meth:`wait` for the result. Dropping the handle does not stop the process.
    """

    def __init__(
        self, process: _core.Process, output: _Output, sandbox: Optional[_core.Sandbox] = None
    ) -> None:
        self._process = process
        self._output = output
        self._sandbox = sandbox

    @property
    def pid(self) -> int:
        """The process id inside the sandbox."""
        return self._process.pid

    def __iter__(self) -> Iterator[Event]:
        """Yields ``(stdout, stderr, pty_output)`` tuples, one of them set, until the process
        ends. Output produced before iteration started is included."""
        events = self._output.events
        assert events is not None
        while True:
            try:
                yield events.get(timeout=0.05)
            except queue.Empty:
                # Output stops before the process counts as finished: nothing more can come.
                if self._process.poll(0):
                    break
        while not events.empty():
            yield events.get_nowait()
        # E2B: iterating a command that hits its timeout raises TimeoutException.
        result = self._process.wait(kill_on_interrupt=False)
        if result["timed_out"]:
            raise TimeoutException(
                f"{result['error']}: use the timeout argument to allow longer (0 = no limit)"
            )

    def wait(
        self,
        on_pty: Optional[PtyCallback] = None,
        on_stdout: Optional[OutputCallback] = None,
        on_stderr: Optional[OutputCallback] = None,
    ) -> CommandResult:
        """Waits for the process to end and returns its result.

        The callbacks, if given, get the output not yet consumed by an iteration, on this
        thread. Raises CommandExitException for a non-zero exit, TimeoutException when the
        command timed out. Ctrl-C interrupts the wait; the process keeps running.
        """
        if on_pty or on_stdout or on_stderr:
            for stdout, stderr, pty in self:
                if stdout is not None and on_stdout:
                    on_stdout(stdout)
                elif stderr is not None and on_stderr:
                    on_stderr(stderr)
                elif pty is not None and on_pty:
                    on_pty(pty)
        result = self._process.wait(kill_on_interrupt=False)
        try:
            return _finish(result)
        except CommandExitException as e:
            # E2B: a command whose sandbox went away fails with a TimeoutException.
            if self._sandbox is not None and not self._sandbox.is_running():
                raise TimeoutException(
                    f"the command ended because the sandbox was killed or reached its end of "
                    f"life ({e.error or 'killed'})"
                ) from e
            raise

    def kill(self) -> bool:
        """SIGKILLs the process; False if it had already ended."""
        return self._process.kill(signal.SIGKILL)

    def send_stdin(self, data: Union[str, bytes], request_timeout: Optional[float] = None) -> None:
        """Writes to the process's stdin (start it with ``stdin=True``) or types into a
        terminal."""
        self._process.send_stdin(check.data("data", data))

    def close_stdin(self, request_timeout: Optional[float] = None) -> None:
        """Closes stdin: the process reads end-of-file."""
        self._process.close_stdin()

    def disconnect(self) -> None:
        """Stops receiving output; the process keeps running (``commands.connect`` again)."""
        self._process.disconnect()


class Commands:
    """``sandbox.commands``: run and manage processes (E2B's Commands)."""

    def __init__(self, sandbox: _core.Sandbox) -> None:
        self._sandbox = sandbox
        # Handles this object gave out, by pid: close_stdin(pid) goes through them.
        self._handles: "weakref.WeakValueDictionary[int, CommandHandle]" = (
            weakref.WeakValueDictionary()
        )

    def _keep(self, handle: "CommandHandle") -> "CommandHandle":
        self._handles[handle.pid] = handle
        return handle

    def run(
        self,
        cmd: str,
        background: Optional[bool] = None,
        envs: Optional[Dict[str, str]] = None,
        user: Optional[str] = None,
        cwd: Optional[str] = None,
        on_stdout: Optional[OutputCallback] = None,
        on_stderr: Optional[OutputCallback] = None,
        stdin: Optional[bool] = None,
        timeout: Optional[float] = 60,
        request_timeout: Optional[float] = None,
    ) -> Union[CommandResult, CommandHandle]:
        """Runs ``cmd`` with ``/bin/bash -l -c``.

        Foreground (default): waits and returns a CommandResult; raises CommandExitException
        on a non-zero exit and TimeoutException after ``timeout`` seconds (0/None: none).
        Ctrl-C kills the command and raises KeyboardInterrupt. ``background=True`` returns
        a CommandHandle at once. ``on_stdout``/``on_stderr`` get decoded output as it comes,
        on the library's event-loop thread.
        """
        output = _Output(on_stdout, on_stderr, keep=bool(background))
        if background:
            process = self._call(_core.commands_start, cmd, envs, user, cwd, output, stdin, timeout)
            return self._keep(CommandHandle(process, output, self._sandbox))
        return _finish(self._call(_core.commands_run, cmd, envs, user, cwd, output, stdin, timeout))

    def _call(self, start, cmd, envs, user, cwd, output: _Output, stdin, timeout):
        """Checks the arguments and calls _core.commands_start or _core.commands_run."""
        cmd = check.text("cmd", cmd)
        if not cmd:
            raise ValueError("cmd must not be empty")
        on_stdout, on_stderr = output.callbacks()
        return start(
            self._sandbox,
            cmd,
            check.string_map("envs", envs),
            check.user(user),
            _cwd(cwd, user),
            check.milliseconds("timeout", timeout),
            on_stdout,
            on_stderr,
            bool(stdin),
            "",
        )

    def list(self, request_timeout: Optional[float] = None) -> List[ProcessInfo]:
        """The processes started through the API that are still running."""
        return [
            ProcessInfo(
                pid=p["pid"],
                tag=p["tag"] or None,
                cmd=p["cmd"],
                args=p["args"],
                envs=p["envs"],
                cwd=p["cwd"] or None,
            )
            for p in _core.commands_list(self._sandbox)
        ]

    def kill(self, pid: int, request_timeout: Optional[float] = None) -> bool:
        """SIGKILLs a process by pid; False if there was no such process."""
        return _core.commands_kill(self._sandbox, check.integer("pid", pid, minimum=1))

    def send_stdin(
        self, pid: int, data: Union[str, bytes], request_timeout: Optional[float] = None
    ) -> None:
        """Writes to a process's stdin by pid."""
        _core.commands_send_stdin(
            self._sandbox, check.integer("pid", pid, minimum=1), check.data("data", data)
        )

    def close_stdin(self, pid: int, request_timeout: Optional[float] = None) -> None:
        """Closes a process's stdin by pid: it reads end-of-file. Uses this object's handle
        of the process if there is one, else connects for the call (which disconnects
        another handle of this interpreter on the process, see ``connect``)."""
        pid = check.integer("pid", pid, minimum=1)
        handle = self._handles.get(pid)
        if handle is not None:
            handle.close_stdin()
            return
        process = _core.commands_connect(self._sandbox, pid, None, None)
        try:
            process.close_stdin()
        finally:
            process.disconnect()

    def connect(
        self,
        pid: int,
        timeout: Optional[float] = 60,
        request_timeout: Optional[float] = None,
        *,
        on_stdout: Optional[OutputCallback] = None,
        on_stderr: Optional[OutputCallback] = None,
    ) -> CommandHandle:
        """Attaches to a running process: output from now on. Another handle of this
        interpreter on the same process is disconnected first (one connection at a time).
        ``timeout`` is checked and accepted for E2B; the process's own timeout applies."""
        check.milliseconds("timeout", timeout)
        output = _Output(on_stdout, on_stderr)
        out_cb, err_cb = output.callbacks()
        process = _core.commands_connect(
            self._sandbox, check.integer("pid", pid, minimum=1), out_cb, err_cb
        )
        return self._keep(CommandHandle(process, output, self._sandbox))


class Pty:
    """``sandbox.pty``: interactive terminals (E2B's Pty). Output is raw bytes."""

    def __init__(self, sandbox: _core.Sandbox) -> None:
        self._sandbox = sandbox

    def create(
        self,
        size: PtySize = PtySize(),
        user: Optional[str] = None,
        cwd: Optional[str] = None,
        envs: Optional[Dict[str, str]] = None,
        timeout: Optional[float] = 60,
        request_timeout: Optional[float] = None,
        *,
        on_data: Optional[PtyCallback] = None,
    ) -> CommandHandle:
        """Starts ``/bin/bash -i -l`` in a terminal of ``size``; ``timeout`` seconds (0/None:
        until killed). ``on_data`` gets raw terminal output on the event-loop thread."""
        rows, cols = _size(size)
        output = _Output(on_data, pty=True)
        on_out, _ = output.callbacks()
        process = _core.pty_create(
            self._sandbox,
            rows,
            cols,
            check.user(user),
            _cwd(cwd, user),
            check.string_map("envs", envs),
            check.milliseconds("timeout", timeout),
            on_out,
        )
        return CommandHandle(process, output, self._sandbox)

    def send_stdin(
        self, pid: int, data: Union[str, bytes], request_timeout: Optional[float] = None
    ) -> None:
        """Types into a terminal."""
        _core.pty_send_stdin(
            self._sandbox, check.integer("pid", pid, minimum=1), check.data("data", data)
        )

    def resize(self, pid: int, size: PtySize, request_timeout: Optional[float] = None) -> None:
        """Resizes a terminal; its program gets SIGWINCH."""
        rows, cols = _size(size)
        _core.pty_resize(self._sandbox, check.integer("pid", pid, minimum=1), rows, cols)

    def kill(self, pid: int, request_timeout: Optional[float] = None) -> bool:
        """Kills a terminal; False if there was none with this pid."""
        return _core.pty_kill(self._sandbox, check.integer("pid", pid, minimum=1))

    def connect(
        self,
        pid: int,
        timeout: Optional[float] = 60,
        request_timeout: Optional[float] = None,
        *,
        on_data: Optional[PtyCallback] = None,
    ) -> CommandHandle:
        """Attaches to a running terminal: output from now on (``timeout`` as in
        ``commands.connect``)."""
        check.milliseconds("timeout", timeout)
        output = _Output(on_data, pty=True)
        on_out, _ = output.callbacks()
        process = _core.pty_connect(self._sandbox, check.integer("pid", pid, minimum=1), on_out)
        return CommandHandle(process, output, self._sandbox)


def _cwd(cwd: Optional[str], user: Optional[str]) -> Optional[str]:
    """A relative cwd is the library's to resolve (against the user's home, as E2B)."""
    del user
    return check.text("cwd", cwd, optional=True)


def _size(size: PtySize) -> Tuple[int, int]:
    if not isinstance(size, PtySize):
        raise TypeError(f"size must be a PtySize, not {type(size).__name__}")
    # uint16_t in the C API; which sizes make a terminal is the library's check.
    rows = check.integer("size.rows", size.rows)
    cols = check.integer("size.cols", size.cols)
    if rows > 0xFFFF or cols > 0xFFFF:
        raise ValueError("size.rows and size.cols must be at most 65535")
    return rows, cols
