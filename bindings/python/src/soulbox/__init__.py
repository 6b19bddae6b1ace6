"""SoulBox: run untrusted code in local sandboxes, with E2B's Python API.

    from soulbox import Sandbox

    with Sandbox.create() as sbx:
        print(sbx.commands.run("echo hello").stdout)

See README.md (bindings/python) for the API table and the differences from E2B.
"""

import atexit as _atexit
import importlib as _importlib

from . import _core

__version__ = _core.version

# Stop every output and watch callback while the interpreter is still whole.
_atexit.register(_core.shutdown)

# Each public name and the module that defines it, imported on first use (PEP 562): a script
# pays only for what it touches, and never for asyncio unless it uses the async API.
_HOMES = {
    "._compat": ("ALL_TRAFFIC", "SandboxQuery", "SandboxState", "SandboxPaginator",
                 "AsyncSandboxPaginator"),
    ".sandbox": ("Sandbox", "SandboxInfo", "SandboxLimits"),
    ".commands": ("CommandHandle",),
    ".commands_types": ("CommandResult", "ProcessInfo", "PtyOutput", "PtySize", "Stderr",
                        "Stdout"),
    ".filesystem": ("EntryInfo", "FilesystemEvent", "FilesystemEventType", "FileType",
                    "WatchHandle", "WriteEntry", "WriteInfo"),
    ".aio": ("AsyncSandbox", "AsyncCommandHandle", "AsyncWatchHandle"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def _exceptions():
    return _importlib.import_module(".exceptions", __name__)


def __getattr__(name: str):
    if name == "__all__":
        value = [n for names in _HOMES.values() for n in names] + list(_exceptions().__all__)
    elif name in _HOME_OF:
        value = getattr(_importlib.import_module(_HOME_OF[name], __name__), name)
    elif name in _exceptions().__all__:
        value = getattr(_exceptions(), name)
    else:
        raise AttributeError(f"module 'soulbox' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__getattr__("__all__")))
