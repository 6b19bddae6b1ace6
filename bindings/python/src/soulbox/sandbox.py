"""The synchronous Sandbox (E2B's ``e2b.Sandbox``)."""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional

from . import _compat
from . import _core
from . import _validate as check
from .commands import Commands, Pty
from .exceptions import NotFoundException, NotRunningException, SandboxNotFoundException
from .filesystem import Filesystem

__all__ = ["Sandbox", "SandboxInfo", "SandboxLimits"]

_MIB = 1024 * 1024


@dataclass
class SandboxLimits:
    """Resource limits as applied; 0 means unlimited."""

    memory_bytes: int
    pids: int
    cpus: float
    disk_bytes: int


@dataclass
class SandboxInfo:
    """A running sandbox, as ``Sandbox.list()`` and ``get_info()`` describe it."""

    sandbox_id: str
    template_id: str
    metadata: Dict[str, str]
    started_at: datetime
    end_at: Optional[datetime]
    """When the timeout ends it; None without a timeout."""
    state: str = "running"
    """"running", "stopped" or "foreign": a sandbox this library must not act on (left by a
    newer SoulBox, or unreadable); only its id is known and ``foreign_reason`` says why."""
    limits: Optional[SandboxLimits] = None
    cgroup: str = ""
    """"v1", "v2" or "none"."""
    rootless: bool = False
    limits_note: str = ""
    """Why a default limit is not enforced on this host; "" when all are."""
    foreign_reason: str = ""
    """Why the state is "foreign"; "" otherwise."""
    agent_protocol_version: int = 0
    """The control protocol of the sandbox's agent (0: too old to connect to, or foreign)."""
    name: Optional[str] = None
    """E2B's template name: the template id."""
    cpu_count: int = 0
    """E2B's field: the cpu limit rounded up (0: unlimited)."""
    memory_mb: int = 0
    """E2B's field: the memory limit in MiB (0: unlimited)."""
    envd_version: str = ""
    """E2B's field: here the SoulBox version."""
    sandbox_domain: Optional[str] = None
    allow_internet_access: Optional[bool] = None


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def _info(d: dict) -> SandboxInfo:
    import math

    return SandboxInfo(
        name=d["template_id"],
        cpu_count=math.ceil(d["cpus"]) if d["cpus"] else 0,
        memory_mb=d["memory_bytes"] // _MIB,
        envd_version=_core.version,
        sandbox_id=d["sandbox_id"],
        template_id=d["template_id"],
        metadata=d["metadata"],
        started_at=_time(d["started_at_ms"]),
        end_at=_time(d["end_at_ms"]) if d["end_at_ms"] else None,
        state=d["state"],
        limits=SandboxLimits(d["memory_bytes"], d["pids"], d["cpus"], d["disk_bytes"]),
        cgroup=d["cgroup"],
        rootless=d["rootless"],
        limits_note=d["limits_note"],
        foreign_reason=d["foreign_reason"],
        agent_protocol_version=d["agent_protocol_version"],
    )


class _ClassOrInstanceMethod:
    """E2B's dual methods: ``Sandbox.kill(sandbox_id)`` on the class, ``sbx.kill()`` on an
    instance."""

    def __init__(self, on_class: Callable, on_instance: Callable) -> None:
        self._on_class = on_class
        self._on_instance = on_instance
        self.__doc__ = on_instance.__doc__

    def __get__(self, obj: Any, owner: type) -> Callable:
        if obj is None:
            return types.MethodType(self._on_class, owner)
        return types.MethodType(self._on_instance, obj)


def _limit(name_mb: str, mb: Optional[int], name_bytes: str, nbytes: Optional[int]):
    if mb is not None and nbytes is not None:
        raise ValueError(f"give {name_mb} or {name_bytes}, not both")
    if mb is not None:
        return check.integer(name_mb, mb) * _MIB
    return check.optional_integer(name_bytes, nbytes)


def _create_core(
    template, timeout, envs, metadata, memory_mb, memory_bytes, cpus, pids, disk_mb, disk_bytes,
    hostname,
) -> _core.Sandbox:
    if cpus is not None:
        if isinstance(cpus, bool) or not isinstance(cpus, (int, float)) or cpus < 0:
            raise ValueError(f"cpus must be a number >= 0, not {cpus!r}")
    return _core.create(
        check.text("template", template, optional=True),
        check.whole_seconds("timeout", timeout),
        check.string_map("envs", envs),
        check.string_map("metadata", metadata),
        check.text("hostname", hostname, optional=True),
        _limit("memory_mb", memory_mb, "memory_bytes", memory_bytes),
        check.optional_integer("pids", pids),
        None if cpus is None else float(cpus),
        _limit("disk_mb", disk_mb, "disk_bytes", disk_bytes),
    )


class Sandbox:
    """An isolated sandbox on this host (Linux namespaces, cgroups, seccomp).

    ``Sandbox(...)`` and ``Sandbox.create(...)`` start one; ``with`` kills it on exit.
    Dropping the object without ``kill()`` leaves the sandbox running until its timeout,
    as in E2B; ``Sandbox.connect(sandbox_id)`` reaches it again.
    """

    commands: Commands
    """Run and manage processes."""
    files: Filesystem
    """Read, write, list and watch files."""
    pty: Pty
    """Interactive terminals."""

    def __init__(
        self,
        template: Optional[str] = None,
        timeout: Optional[float] = 300,
        metadata: Optional[Dict[str, str]] = None,
        envs: Optional[Dict[str, str]] = None,
        secure: bool = True,
        allow_internet_access: bool = True,
        mcp: Any = None,
        network: Any = None,
        iam: Any = None,
        lifecycle: Any = None,
        volume_mounts: Any = None,
        logger: Any = None,
        *,
        memory_mb: Optional[int] = None,
        memory_bytes: Optional[int] = None,
        cpus: Optional[float] = None,
        pids: Optional[int] = None,
        disk_mb: Optional[int] = None,
        disk_bytes: Optional[int] = None,
        hostname: Optional[str] = None,
        **opts: Any,
    ) -> None:
        """Starts a sandbox; E2B's ``Sandbox.create`` arguments in E2B's order. ``timeout``:
        lifetime in seconds (0/None: none; whole seconds). Limits: None = default (512 MiB,
        1 cpu, 1024 pids, 1 GiB disk), 0 = unlimited. E2B's cloud options (api_key, domain,
        secure, ...) are ignored; those naming a missing feature (mcp, network rules,
        volumes, pause) raise UnsupportedException."""
        if iam:
            raise _compat.unsupported("iam")
        _compat.create_opts(
            secure, allow_internet_access, mcp, network, lifecycle, volume_mounts, opts
        )
        self._attach(
            _create_core(
                template, timeout, envs, metadata, memory_mb, memory_bytes, cpus, pids,
                disk_mb, disk_bytes, hostname,
            )
        )

    def _attach(self, core: _core.Sandbox) -> None:
        self._core = core
        self.commands = Commands(core)
        self.files = Filesystem(core)
        self.pty = Pty(core)
        self.git = __import__("soulbox.git", fromlist=["Git"]).Git(self.commands)

    @classmethod
    def _wrap(cls, core: _core.Sandbox) -> "Sandbox":
        sandbox = cls.__new__(cls)
        sandbox._attach(core)
        return sandbox

    @classmethod
    def create(
        cls,
        template: Optional[str] = None,
        timeout: Optional[float] = 300,
        metadata: Optional[Dict[str, str]] = None,
        envs: Optional[Dict[str, str]] = None,
        *args: Any,
        **kwargs: Any,
    ) -> "Sandbox":
        """Starts a sandbox; the same arguments as ``Sandbox(...)`` (E2B's order)."""
        return cls(template, timeout, metadata, envs, *args, **kwargs)

    def _connect_class(cls, sandbox_id: str, timeout: Optional[float] = None, logger: Any = None, **opts: Any) -> "Sandbox":
        """Reaches a running sandbox by id (from any process of the same host user);
        ``timeout`` (seconds), if given, resets its remaining lifetime."""
        _compat.api_opts("connect", opts)
        sandbox = cls._wrap(_core.connect(check.path("sandbox_id", sandbox_id)))
        if timeout is not None:
            sandbox.set_timeout(timeout)
        return sandbox

    def _connect_instance(self, timeout: Optional[float] = None, **opts: Any) -> "Sandbox":
        """Reconnects to this sandbox (E2B's ``sbx.connect()``); returns it."""
        _compat.api_opts("connect", opts)
        if not self._core.is_running():
            raise SandboxNotFoundException(f"sandbox {self.sandbox_id} is not running")
        if timeout is not None:
            self.set_timeout(timeout)
        return self

    connect = _ClassOrInstanceMethod(_connect_class, _connect_instance)

    @staticmethod
    def list(
        query: Optional[_compat.SandboxQuery] = None,
        limit: Optional[int] = None,
        next_token: Optional[str] = None,
        order: Optional[str] = None,
        **opts: Any,
    ) -> _compat.SandboxPaginator:
        """The sandboxes of this host user, as E2B's paginator
        (``while p.has_next: p.next_items()``)."""
        _compat.api_opts("list", opts)
        return _compat.SandboxPaginator(
            lambda: [_info(d) for d in _core.list_sandboxes()], query, limit, next_token, order
        )

    @property
    def sandbox_id(self) -> str:
        return self._core.id

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()

    def _kill_instance(self, **opts: Any) -> bool:
        """Ends the sandbox and everything in it; False if it had already ended."""
        _compat.api_opts("kill", opts)
        return self._core.kill()

    def _kill_class(cls, sandbox_id: str, **opts: Any) -> bool:
        _compat.api_opts("kill", opts)
        try:
            sandbox = cls.connect(sandbox_id)
        except (NotFoundException, NotRunningException):
            return False
        return sandbox._core.kill()

    kill = _ClassOrInstanceMethod(_kill_class, _kill_instance)

    def _set_timeout_instance(self, timeout: float, **opts: Any) -> None:
        """Sets the remaining lifetime to ``timeout`` seconds from now (0: none)."""
        _compat.api_opts("set_timeout", opts)
        self._core.set_timeout(check.whole_seconds("timeout", timeout))

    def _set_timeout_class(cls, sandbox_id: str, timeout: float, **opts: Any) -> None:
        _compat.api_opts("set_timeout", opts)
        cls.connect(sandbox_id).set_timeout(timeout)

    set_timeout = _ClassOrInstanceMethod(_set_timeout_class, _set_timeout_instance)

    def _get_info_instance(self, **opts: Any) -> SandboxInfo:
        """The sandbox's info, with SoulBox's limits, cgroup and rootless mode."""
        _compat.api_opts("get_info", opts)
        return _info(self._core.get_info())

    def _get_info_class(cls, sandbox_id: str, **opts: Any) -> SandboxInfo:
        _compat.api_opts("get_info", opts)
        return cls.connect(sandbox_id).get_info()

    get_info = _ClassOrInstanceMethod(_get_info_class, _get_info_instance)

    def is_running(self, request_timeout: Optional[float] = None) -> bool:
        """Whether the sandbox is still running."""
        return self._core.is_running()

    def __repr__(self) -> str:
        return f"Sandbox(sandbox_id={self.sandbox_id!r})"
