"""Plain data types of the commands and terminal APIs (as E2B's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

Stdout = str
Stderr = str
PtyOutput = bytes


@dataclass
class PtySize:
    """Terminal size in character cells."""

    rows: int = 24
    cols: int = 80


@dataclass
class CommandResult:
    """What a finished command left: its output (decoded UTF-8), exit code and error."""

    stdout: str
    stderr: str
    exit_code: int
    """0 on success; -1 when killed by a signal."""
    error: Optional[str]
    """Why the command failed ("exit status 3", "killed by signal 9 (SIGKILL)"), else None."""
    signal: int = 0
    """SoulBox extra: the signal that ended the command (0: none)."""
    timed_out: bool = False
    """SoulBox extra: the command's timeout ended it."""
    oom_killed: bool = False
    """SoulBox extra: the kernel's OOM killer ended it (memory limit)."""
    stdout_truncated: bool = False
    """SoulBox extra: stdout exceeded the kept maximum and was cut."""
    stderr_truncated: bool = False


@dataclass
class ProcessInfo:
    """A process started through the API, as listed by ``commands.list()``."""

    pid: int
    tag: Optional[str]
    cmd: str
    args: List[str] = field(default_factory=list)
    envs: Dict[str, str] = field(default_factory=dict)
    cwd: Optional[str] = None
