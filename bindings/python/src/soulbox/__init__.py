"""SoulBox: run untrusted code in local sandboxes, with E2B's Python API.

    from soulbox import Sandbox

    with Sandbox.create() as sbx:
        print(sbx.commands.run("echo hello").stdout)

See README.md (bindings/python) for the API table and the differences from E2B.
"""

import atexit as _atexit

from . import _core
from ._compat import ALL_TRAFFIC, SandboxQuery, SandboxState
from ._compat import SandboxPaginator
from .commands import CommandHandle
from .commands_types import CommandResult, ProcessInfo, PtyOutput, PtySize, Stderr, Stdout
from .exceptions import *  # noqa: F401,F403 (the E2B exception names)
from .exceptions import __all__ as _exception_names
from .filesystem import (
    EntryInfo,
    FilesystemEvent,
    FilesystemEventType,
    FileType,
    WatchHandle,
    WriteEntry,
    WriteInfo,
)
from .sandbox import Sandbox, SandboxInfo, SandboxLimits

__version__ = _core.version

# Stop every output and watch callback while the interpreter is still whole.
_atexit.register(_core.shutdown)

_LAZY = {"AsyncSandbox", "AsyncCommandHandle", "AsyncWatchHandle", "AsyncSandboxPaginator"}


def __getattr__(name: str):
    """The async API is imported on first use (asyncio costs ~10 ms of import time)."""
    if name in _LAZY:
        from . import _compat, aio

        value = _compat.AsyncSandboxPaginator if name == "AsyncSandboxPaginator" else getattr(aio, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'soulbox' has no attribute {name!r}")


__all__ = [
    "SandboxQuery",
    "SandboxState",
    "SandboxPaginator",
    "AsyncSandboxPaginator",
    "ALL_TRAFFIC",
    "Sandbox",
    "AsyncSandbox",
    "SandboxInfo",
    "SandboxLimits",
    "CommandHandle",
    "AsyncCommandHandle",
    "CommandResult",
    "ProcessInfo",
    "PtySize",
    "PtyOutput",
    "Stdout",
    "Stderr",
    "EntryInfo",
    "WriteInfo",
    "WriteEntry",
    "FileType",
    "FilesystemEvent",
    "FilesystemEventType",
    "WatchHandle",
    "AsyncWatchHandle",
    *_exception_names,
]
