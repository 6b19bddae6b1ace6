"""Exceptions raised by soulbox, named as in E2B's ``e2b.exceptions``.

Every error of the C library becomes a :class:`SandboxException` subclass whose message is the
library's message; the class follows from the error's code and subject, by the tables generated
from src/core/error_codes.txt (the Node binding uses the same list). Classes that have a natural builtin twin also derive from it, so
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
    "AuthenticationException",
    "GitAuthException",
    "GitUpstreamException",
    "TemplateException",
    "RateLimitException",
    "BuildException",
    "FileUploadException",
    "VolumeException",
    "VolumeNotFoundException",
    "VolumePathNotFoundException",
    "SecretException",
    "SecretNotFoundException",
]


class SandboxException(Exception):
    """Base class of every soulbox error.

    ``code`` is the C error code (``soulbox_errc``) and ``code_name`` its name
    ("not found", ...); ``subject`` says what the error refers to ("path", "sandbox",
    "process", "template" or "none"). All three are ``None`` for errors raised by the Python
    layer itself.
    """

    code: Optional[int] = None
    code_name: Optional[str] = None
    subject: Optional[str] = None
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


# E2B's remaining exception names, for ``except`` clauses of ported code. SoulBox raises
# TemplateException for no template-specific error yet; the others name cloud features
# (auth, rate limits, builds, volumes, secrets) and are never raised by SoulBox itself.
class AuthenticationException(Exception):
    """E2B's authentication failure (never raised locally)."""


class GitAuthException(AuthenticationException):
    """A git operation needed credentials."""


class GitUpstreamException(SandboxException):
    """A git operation needed an upstream branch."""


class TemplateException(SandboxException):
    """The template is not compatible."""


class RateLimitException(SandboxException):
    """E2B's rate limit (never raised locally)."""


class BuildException(Exception):
    """E2B's template build failure (never raised locally)."""


class FileUploadException(BuildException):
    """E2B's build file upload failure (never raised locally)."""


class VolumeException(Exception):
    """E2B's volume error (volumes are unsupported)."""


class VolumeNotFoundException(NotFoundException):
    """E2B's missing volume (volumes are unsupported)."""


class VolumePathNotFoundException(NotFoundException):
    """E2B's missing volume path (volumes are unsupported)."""


class SecretException(Exception):
    """E2B's secret error (never raised locally)."""


class SecretNotFoundException(SecretException):
    """E2B's missing secret (never raised locally)."""


# BEGIN GENERATED errors: scripts/gen-errors.py from src/core/error_codes.txt
# soulbox_errc -> class.
_BY_CODE = {
    0: SandboxException,  # ok
    1: InvalidArgumentException,  # invalid_argument
    2: NotFoundException,  # not_found
    3: AlreadyExistsException,  # already_exists
    4: PermissionDeniedException,  # permission_denied
    5: UnsupportedException,  # unsupported
    6: LimitUnenforceableException,  # limit_unenforceable
    7: TimeoutException,  # timeout
    8: NotRunningException,  # not_running
    9: SandboxIOException,  # io
    10: SandboxException,  # protocol
    11: NotEnoughSpaceException,  # not_enough_space
    12: SandboxException,  # internal
    13: NotADirectoryException,  # not_a_directory
    14: IsADirectoryException,  # is_a_directory
}
# (soulbox_errc, soulbox_subject) -> class, where the subject refines the code.
_BY_CODE_AND_SUBJECT = {
    (2, 1): SandboxNotFoundException,  # not_found, sandbox
    (2, 2): ProcessNotFoundException,  # not_found, process
    (2, 3): FileNotFoundException,  # not_found, path
}
# soulbox_subject -> name.
_SUBJECT_NAMES = ("none", "sandbox", "process", "path", "template")
# END GENERATED errors


def _from_core(code: int, sys_errno: int, message: str, subject: int) -> SandboxException:
    """Builds the exception for a failed C call (called by soulbox._core)."""
    from . import _core

    cls = _BY_CODE_AND_SUBJECT.get((code, subject)) or _BY_CODE.get(code, SandboxException)
    exc = cls(message)
    exc.code = code
    exc.code_name = _core.errc_name(code)
    exc.subject = _SUBJECT_NAMES[subject] if 0 <= subject < len(_SUBJECT_NAMES) else "none"
    exc.sys_errno = sys_errno
    return exc
