"""Exceptions raised by soulbox, named as in E2B's ``e2b.exceptions``.

Every error of the C library becomes a :class:`SandboxException` subclass whose message is the
library's message. Classes that have a natural builtin twin also derive from it, so
``except FileNotFoundError`` or ``except TimeoutError`` work as expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .commands_types import CommandResult

__all__ = [
    "SandboxException",
    "TimeoutException",
    "InvalidArgumentException",
    "NotEnoughSpaceException",
    "NotFoundException",
    "FileNotFoundException",
    "SandboxNotFoundException",
    "ProcessNotFoundException",
    "AlreadyExistsException",
    "PermissionDeniedException",
    "NotADirectoryException",
    "IsADirectoryException",
    "NotRunningException",
    "UnsupportedException",
    "LimitUnenforceableException",
    "SandboxIOException",
    "CommandExitException",
]


class SandboxException(Exception):
    """Base class of every soulbox error.

    ``code`` is the C error code (``soulbox_errc``) and ``code_name`` its name
    ("not found", ...); both are ``None`` for errors raised by the Python layer itself.
    """

    code: Optional[int] = None
    code_name: Optional[str] = None
    sys_errno: int = 0


class TimeoutException(SandboxException, TimeoutError):
    """An operation or a command timed out."""


class InvalidArgumentException(SandboxException, ValueError):
    """The library rejected an argument."""


class NotEnoughSpaceException(SandboxException):
    """The sandbox disk is full."""


class NotFoundException(SandboxException):
    """Something (a path, a sandbox, a process) does not exist."""


class FileNotFoundException(NotFoundException, FileNotFoundError):
    """A path does not exist in the sandbox."""


class SandboxNotFoundException(NotFoundException):
    """No running sandbox has this id."""


class ProcessNotFoundException(NotFoundException):
    """No process has this pid in the sandbox."""


class AlreadyExistsException(SandboxException, FileExistsError):
    """The target already exists."""


class PermissionDeniedException(SandboxException, PermissionError):
    """The sandbox user may not do this (e.g. read a root-only file as "user")."""


class NotADirectoryException(SandboxException, NotADirectoryError):
    """A directory was expected."""


class IsADirectoryException(SandboxException, IsADirectoryError):
    """A file was expected but the path is a directory."""


class NotRunningException(SandboxException):
    """The sandbox or process has ended."""


class UnsupportedException(SandboxException):
    """The host lacks a feature the call needs."""


class LimitUnenforceableException(SandboxException):
    """A requested resource limit cannot be enforced on this host."""


class SandboxIOException(SandboxException, OSError):
    """A system call failed (``sys_errno`` says which errno)."""


@dataclass
class CommandExitException(SandboxException, CommandResult):
    """A command exited with a non-zero code (or was killed); carries its result."""

    def __str__(self) -> str:
        return f"Command exited with code {self.exit_code} and error:\n{self.stderr}"


# soulbox_errc -> class; NOT_FOUND depends on what was looked up.
_BY_CODE = {
    1: InvalidArgumentException,
    3: AlreadyExistsException,
    4: PermissionDeniedException,
    5: UnsupportedException,
    6: LimitUnenforceableException,
    7: TimeoutException,
    8: NotRunningException,
    9: SandboxIOException,
    11: NotEnoughSpaceException,
    13: NotADirectoryException,
    14: IsADirectoryException,
}
_NOT_FOUND_BY_SUBJECT = {
    "path": FileNotFoundException,
    "sandbox": SandboxNotFoundException,
    "process": ProcessNotFoundException,
}


def _from_core(code: int, sys_errno: int, message: str, subject: str) -> SandboxException:
    """Builds the exception for a failed C call (called by soulbox._core)."""
    from . import _core

    if code == 2:
        cls = _NOT_FOUND_BY_SUBJECT.get(subject, NotFoundException)
    else:
        cls = _BY_CODE.get(code, SandboxException)
    exc = cls(message)
    exc.code = code
    exc.code_name = _core.errc_name(code)
    exc.sys_errno = sys_errno
    return exc
