"""E2B-compatible ``sandbox.git``: git operations run inside the sandbox via ``commands.run``.

Credentials (username/password or token) are never put in argv or in the repository's
config: git is started with ``-c credential.helper=`` (clears configured helpers) and a
helper that prints ``$SOULBOX_GIT_USERNAME`` / ``$SOULBOX_GIT_PASSWORD``. Those two values
travel only in the environment of that one git process (``commands.run(envs=...)``), so
``ps``/``/proc/<pid>/cmdline`` and ``.git/config`` never show them. Trust boundary: any
process in the sandbox running as the same user can read ``/proc/<pid>/environ`` of that
git process while it runs; ``dangerously_authenticate`` / ``dangerously_store_credentials``
store them on disk (``~/.git-credentials``) by explicit request only.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .exceptions import (
    CommandExitException,
    GitAuthException,
    GitUpstreamException,
    InvalidArgumentException,
)

__all__ = ["Git", "AsyncGit", "GitStatus", "GitFileStatus", "GitBranches"]

_HELPER = (
    "!f() { test \"$1\" = get || exit 0; "
    'echo username="$SOULBOX_GIT_USERNAME"; echo password="$SOULBOX_GIT_PASSWORD"; }; f'
)
_AUTH_MARKERS = (
    "authentication failed",
    "could not read username",
    "could not read password",
    "terminal prompts disabled",
    "invalid username or password",
    "http basic: access denied",
    "403",
    "401",
)
_UPSTREAM_MARKERS = (
    "has no upstream branch",
    "no upstream branch",
    "no tracking information",
    "no upstream configured",
    "set-upstream",
    "does not appear to be a git repository",
)


@dataclass
class GitFileStatus:
    name: str
    status: str
    index_status: str
    working_tree_status: str
    staged: bool
    renamed_from: Optional[str] = None


@dataclass
class GitStatus:
    current_branch: Optional[str]
    upstream: Optional[str]
    ahead: int
    behind: int
    detached: bool
    file_status: List[GitFileStatus] = field(default_factory=list)

    @property
    def is_clean(self) -> bool:
        return not self.file_status

    @property
    def has_changes(self) -> bool:
        return bool(self.file_status)

    @property
    def has_staged(self) -> bool:
        return any(f.staged for f in self.file_status)

    @property
    def has_untracked(self) -> bool:
        return any(f.status == "untracked" for f in self.file_status)

    @property
    def has_conflicts(self) -> bool:
        return any(f.status == "conflict" for f in self.file_status)

    @property
    def total_count(self) -> int:
        return len(self.file_status)

    @property
    def staged_count(self) -> int:
        return sum(1 for f in self.file_status if f.staged)

    @property
    def unstaged_count(self) -> int:
        return sum(1 for f in self.file_status if f.working_tree_status not in (" ", "?"))

    @property
    def untracked_count(self) -> int:
        return sum(1 for f in self.file_status if f.status == "untracked")

    @property
    def conflict_count(self) -> int:
        return sum(1 for f in self.file_status if f.status == "conflict")


@dataclass
class GitBranches:
    branches: List[str]
    current_branch: Optional[str]


_CODES = {"M": "modified", "A": "added", "D": "deleted", "R": "renamed", "C": "copied",
          "T": "typechange", "U": "conflict", "?": "untracked", "!": "ignored"}


def _file_status(x: str, y: str) -> str:
    if x == "U" or y == "U" or (x, y) in (("A", "A"), ("D", "D")):
        return "conflict"
    if x == "?":
        return "untracked"
    return _CODES.get(x if x != " " else y, "unknown")


def parse_status(out: str) -> GitStatus:
    st = GitStatus(None, None, 0, 0, False, [])
    lines = out.splitlines()
    for line in lines:
        if line.startswith("## "):
            head = line[3:]
            track = ""
            if " [" in head:
                head, track = head.split(" [", 1)
                track = track.rstrip("]")
            if head.startswith("HEAD (no branch)"):
                st.detached = True
            else:
                if head.startswith("No commits yet on "):
                    head = head[len("No commits yet on "):]
                if "..." in head:
                    head, st.upstream = head.split("...", 1)
                st.current_branch = head
            for part in track.split(", "):
                if part.startswith("ahead "):
                    st.ahead = int(part[6:])
                elif part.startswith("behind "):
                    st.behind = int(part[7:])
            continue
        if len(line) < 4:
            continue
        x, y, name = line[0], line[1], line[3:]
        renamed_from = None
        if " -> " in name:
            renamed_from, name = name.split(" -> ", 1)
        st.file_status.append(GitFileStatus(
            name=name, status=_file_status(x, y), index_status=x, working_tree_status=y,
            staged=x not in (" ", "?", "!"), renamed_from=renamed_from))
    return st


def _map_error(e: CommandExitException) -> Exception:
    text = f"{e.stderr}\n{e.stdout}"
    low = text.lower()
    if any(m in low for m in _AUTH_MARKERS):
        return GitAuthException(f"git authentication failed: {text.strip()}")
    if any(m in low for m in _UPSTREAM_MARKERS):
        return GitUpstreamException(f"git upstream error: {text.strip()}")
    return e


class Git:
    """Git in the sandbox over ``commands.run`` (E2B ``sandbox.git``)."""

    def __init__(self, commands) -> None:
        self._commands = commands

    # -- plumbing ---------------------------------------------------------------
    def _git(self, args: List[str], path: Optional[str] = None, *, envs=None, user=None,
             cwd=None, timeout=None, request_timeout=None, username=None, password=None):
        if password and not username:
            raise InvalidArgumentException("Username is required when using a password or token.")
        env = {"GIT_TERMINAL_PROMPT": "0"}
        env.update(envs or {})
        pre: List[str] = ["git"]
        if path:
            pre += ["-C", path]
        if username:
            pre += ["-c", "credential.helper=", "-c", "credential.helper=" + _HELPER]
            env["SOULBOX_GIT_USERNAME"] = username
            env["SOULBOX_GIT_PASSWORD"] = password or ""
        cmd = " ".join(shlex.quote(a) for a in pre + list(args))
        kw = {"envs": env, "user": user, "cwd": cwd, "request_timeout": request_timeout}
        if timeout is not None:
            kw["timeout"] = timeout
        try:
            return self._commands.run(cmd, **kw)
        except CommandExitException as e:
            raise _map_error(e) from e

    # -- repository -------------------------------------------------------------
    def clone(self, url: str, path: Optional[str] = None, branch: Optional[str] = None,
              depth: Optional[int] = None, username: Optional[str] = None,
              password: Optional[str] = None, envs=None, user=None, cwd=None, timeout=None,
              request_timeout=None, dangerously_store_credentials: bool = False):
        args = ["clone", url]
        if branch:
            args += ["--branch", branch, "--single-branch"]
        if depth:
            args += ["--depth", str(int(depth))]
        if path:
            args.append(path)
        kw = dict(envs=envs, user=user, cwd=cwd, timeout=timeout, request_timeout=request_timeout)
        result = self._git(args, username=username, password=password, **kw)
        if dangerously_store_credentials and username and path:
            self._git(["config", "credential.helper", "store"], path, **kw)
            self._store(url, username, password or "", **kw)
        return result

    def init(self, path: str, bare: bool = False, initial_branch: Optional[str] = None,
             envs=None, user=None, cwd=None, timeout=None, request_timeout=None):
        args = ["init"]
        if bare:
            args.append("--bare")
        if initial_branch:
            args += ["--initial-branch", initial_branch]
        return self._git(args + [path], envs=envs, user=user, cwd=cwd, timeout=timeout,
                         request_timeout=request_timeout)

    def remote_add(self, path: str, name: str, url: str, fetch: bool = False,
                   overwrite: bool = False, envs=None, user=None, cwd=None, timeout=None,
                   request_timeout=None):
        kw = dict(envs=envs, user=user, cwd=cwd, timeout=timeout, request_timeout=request_timeout)
        if overwrite and self.remote_get(path, name, **kw) is not None:
            result = self._git(["remote", "set-url", name, url], path, **kw)
        else:
            result = self._git(["remote", "add", name, url], path, **kw)
        if fetch:
            result = self._git(["fetch", name], path, **kw)
        return result

    def remote_get(self, path: str, name: str, envs=None, user=None, cwd=None, timeout=None,
                   request_timeout=None) -> Optional[str]:
        try:
            r = self._git(["remote", "get-url", name], path, envs=envs, user=user, cwd=cwd,
                          timeout=timeout, request_timeout=request_timeout)
        except CommandExitException:
            return None
        except GitUpstreamException:
            return None
        return r.stdout.strip() or None

    def status(self, path: str, envs=None, user=None, cwd=None, timeout=None,
               request_timeout=None) -> GitStatus:
        r = self._git(["status", "--porcelain=1", "-b"], path, envs=envs, user=user, cwd=cwd,
                      timeout=timeout, request_timeout=request_timeout)
        return parse_status(r.stdout)

    def branches(self, path: str, envs=None, user=None, cwd=None, timeout=None,
                 request_timeout=None) -> GitBranches:
        r = self._git(["branch", "--format=%(HEAD)%(refname:short)"], path, envs=envs,
                      user=user, cwd=cwd, timeout=timeout, request_timeout=request_timeout)
        names, current = [], None
        for line in r.stdout.splitlines():
            if not line:
                continue
            mark, name = line[0], line[1:]
            if name.startswith("(HEAD detached"):
                continue
            names.append(name)
            if mark == "*":
                current = name
        if current is None:
            s = self.status(path, envs=envs, user=user, cwd=cwd, timeout=timeout,
                            request_timeout=request_timeout)
            current = s.current_branch
        return GitBranches(branches=names, current_branch=current)

    def create_branch(self, path: str, branch: str, envs=None, user=None, cwd=None,
                      timeout=None, request_timeout=None):
        return self._git(["checkout", "-b", branch], path, envs=envs, user=user, cwd=cwd,
                         timeout=timeout, request_timeout=request_timeout)

    def checkout_branch(self, path: str, branch: str, envs=None, user=None, cwd=None,
                        timeout=None, request_timeout=None):
        return self._git(["checkout", branch], path, envs=envs, user=user, cwd=cwd,
                         timeout=timeout, request_timeout=request_timeout)

    def delete_branch(self, path: str, branch: str, force: bool = False, envs=None, user=None,
                      cwd=None, timeout=None, request_timeout=None):
        return self._git(["branch", "-D" if force else "-d", branch], path, envs=envs,
                         user=user, cwd=cwd, timeout=timeout, request_timeout=request_timeout)

    def add(self, path: str, files: Optional[List[str]] = None, all: bool = True, envs=None,
            user=None, cwd=None, timeout=None, request_timeout=None):
        args = ["add"]
        if files:
            args += ["--"] + list(files)
        else:
            args.append("-A" if all else ".")
        return self._git(args, path, envs=envs, user=user, cwd=cwd, timeout=timeout,
                         request_timeout=request_timeout)

    def commit(self, path: str, message: str, author_name: Optional[str] = None,
               author_email: Optional[str] = None, allow_empty: bool = False, envs=None,
               user=None, cwd=None, timeout=None, request_timeout=None):
        pre: List[str] = []
        if author_name:
            pre += ["-c", f"user.name={author_name}"]
        if author_email:
            pre += ["-c", f"user.email={author_email}"]
        args = pre + ["commit", "-m", message]
        if allow_empty:
            args.append("--allow-empty")
        return self._git(args, path, envs=envs, user=user, cwd=cwd, timeout=timeout,
                         request_timeout=request_timeout)

    def reset(self, path: str, mode: Optional[str] = None, target: Optional[str] = None,
              paths: Optional[List[str]] = None, envs=None, user=None, cwd=None, timeout=None,
              request_timeout=None):
        args = ["reset"]
        if mode:
            if mode not in ("soft", "mixed", "hard", "merge", "keep"):
                raise InvalidArgumentException(f"invalid reset mode: {mode}")
            args.append("--" + mode)
        if target:
            args.append(target)
        if paths:
            args += ["--"] + list(paths)
        return self._git(args, path, envs=envs, user=user, cwd=cwd, timeout=timeout,
                         request_timeout=request_timeout)

    def restore(self, path: str, paths: List[str], staged: Optional[bool] = None,
                worktree: Optional[bool] = None, source: Optional[str] = None, envs=None,
                user=None, cwd=None, timeout=None, request_timeout=None):
        if not paths:
            raise InvalidArgumentException("At least one path is required.")
        args = ["restore"]
        if staged:
            args.append("--staged")
        if worktree or (staged and worktree is None and False):
            args.append("--worktree")
        if source:
            args += ["--source", source]
        return self._git(args + ["--"] + list(paths), path, envs=envs, user=user, cwd=cwd,
                         timeout=timeout, request_timeout=request_timeout)

    # -- network ----------------------------------------------------------------
    def push(self, path: str, remote: Optional[str] = None, branch: Optional[str] = None,
             set_upstream: bool = True, username: Optional[str] = None,
             password: Optional[str] = None, envs=None, user=None, cwd=None, timeout=None,
             request_timeout=None):
        args = ["push"]
        if branch and set_upstream:
            args.append("--set-upstream")
        if remote or branch:
            args.append(remote or "origin")
        if branch:
            args.append(branch)
        return self._git(args, path, username=username, password=password, envs=envs,
                         user=user, cwd=cwd, timeout=timeout, request_timeout=request_timeout)

    def pull(self, path: str, remote: Optional[str] = None, branch: Optional[str] = None,
             username: Optional[str] = None, password: Optional[str] = None, envs=None,
             user=None, cwd=None, timeout=None, request_timeout=None):
        args = ["pull"]
        if remote or branch:
            args.append(remote or "origin")
        if branch:
            args.append(branch)
        return self._git(args, path, username=username, password=password, envs=envs,
                         user=user, cwd=cwd, timeout=timeout, request_timeout=request_timeout)

    # -- config -----------------------------------------------------------------
    @staticmethod
    def _scope(scope: str, path: Optional[str]):
        if scope not in ("global", "local", "system"):
            raise InvalidArgumentException(f"invalid config scope: {scope}")
        if scope == "local" and not path:
            raise InvalidArgumentException("A repository path is required for local scope.")
        return ["--" + scope], (path if scope == "local" else None)

    def set_config(self, key: str, value: str, scope: str = "global", path: Optional[str] = None,
                   envs=None, user=None, cwd=None, timeout=None, request_timeout=None):
        flag, repo = self._scope(scope, path)
        return self._git(["config"] + flag + [key, value], repo, envs=envs, user=user, cwd=cwd,
                         timeout=timeout, request_timeout=request_timeout)

    def get_config(self, key: str, scope: str = "global", path: Optional[str] = None,
                   envs=None, user=None, cwd=None, timeout=None,
                   request_timeout=None) -> Optional[str]:
        flag, repo = self._scope(scope, path)
        try:
            r = self._git(["config"] + flag + ["--get", key], repo, envs=envs, user=user,
                          cwd=cwd, timeout=timeout, request_timeout=request_timeout)
        except CommandExitException:
            return None
        return r.stdout.strip() or None

    def configure_user(self, name: str, email: str, scope: str = "global",
                       path: Optional[str] = None, envs=None, user=None, cwd=None,
                       timeout=None, request_timeout=None):
        if not name or not email:
            raise InvalidArgumentException("Both name and email are required.")
        kw = dict(envs=envs, user=user, cwd=cwd, timeout=timeout, request_timeout=request_timeout)
        self.set_config("user.name", name, scope, path, **kw)
        return self.set_config("user.email", email, scope, path, **kw)

    def _store(self, url_or_host: str, username: str, password: str, **kw):
        # `git credential approve` reads the secret on stdin; we feed it via env + printf
        # (a shell builtin, so it never shows in argv).
        from urllib.parse import urlsplit
        u = urlsplit(url_or_host if "://" in url_or_host else "https://" + url_or_host)
        env = dict(kw.pop("envs", None) or {})
        env.update(SOULBOX_GIT_USERNAME=username, SOULBOX_GIT_PASSWORD=password,
                   SOULBOX_GIT_PROTO=u.scheme, SOULBOX_GIT_HOST=u.netloc.split("@")[-1])
        cmd = ("git config --global credential.helper store && printf "
               "'protocol=%s\\nhost=%s\\nusername=%s\\npassword=%s\\n\\n' \"$SOULBOX_GIT_PROTO\" "
               "\"$SOULBOX_GIT_HOST\" \"$SOULBOX_GIT_USERNAME\" \"$SOULBOX_GIT_PASSWORD\" | "
               "git credential approve")
        run_kw = {k: v for k, v in kw.items() if v is not None}
        return self._commands.run(cmd, envs=env, **run_kw)

    def dangerously_authenticate(self, username: str, password: str, host: str = "github.com",
                                 protocol: str = "https", envs=None, user=None, cwd=None,
                                 timeout=None, request_timeout=None):
        """Stores credentials in ``~/.git-credentials`` (plain text) for later git commands."""
        if not username or not password:
            raise InvalidArgumentException("Both username and password are required.")
        return self._store(f"{protocol}://{host}", username, password, envs=envs, user=user,
                           cwd=cwd, timeout=timeout, request_timeout=request_timeout)


class AsyncGit:
    """``await``-able wrapper: each call runs the sync ``Git`` in a worker thread."""

    def __init__(self, commands) -> None:
        self._git = Git(commands)

    def __getattr__(self, name):
        fn = getattr(self._git, name)
        if name.startswith("_") or not callable(fn):
            return fn

        async def call(*args, **kwargs):
            import asyncio

            return await asyncio.to_thread(fn, *args, **kwargs)

        return call
