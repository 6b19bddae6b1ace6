"""E2B v2 shapes that have no SoulBox counterpart of their own: list queries and paginators,
and the connection options of E2B's cloud API (accepted and ignored, or refused by name)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional

from .exceptions import InvalidArgumentException, SandboxException, UnsupportedException

__all__ = ["SandboxQuery", "SandboxState", "ALL_TRAFFIC"]

ALL_TRAFFIC = "0.0.0.0/0"
"""E2B's selector for every egress address (``network={"deny_out": [ALL_TRAFFIC]}``)."""

# Options of E2B's cloud connection that mean nothing for a local sandbox: accepted, ignored.
_IGNORED = frozenset(
    {
        "api_key", "domain", "debug", "request_timeout", "headers", "api_headers", "proxy",
        "logger", "secure", "validate_api_key", "api_url", "sandbox_url", "access_token",
    }
)


class SandboxState(str, enum.Enum):
    """E2B's sandbox states (SoulBox sandboxes are never paused)."""

    RUNNING = "running"
    PAUSED = "paused"


@dataclass
class SandboxQuery:
    """Filters of ``Sandbox.list`` (E2B's ``SandboxQuery``)."""

    metadata: Optional[Dict[str, str]] = None
    state: Optional[List[SandboxState]] = None
    started_after: Optional[datetime] = None
    template: Optional[str] = None


def unsupported(feature: str) -> UnsupportedException:
    return UnsupportedException(f"{feature} is not supported by SoulBox (local sandboxes)")


def api_opts(fn: str, opts: Dict[str, Any]) -> None:
    """Checks E2B's per-call connection options (``**opts: ApiParams``): accepted, ignored."""
    for key in opts:
        if key not in _IGNORED:
            raise TypeError(f"{fn}() got an unexpected keyword argument {key!r}")


def create_opts(
    secure: Any, allow_internet_access: Any, mcp: Any, network: Any, lifecycle: Any,
    volume_mounts: Any, extra: Dict[str, Any],
) -> None:
    """Checks E2B's ``Sandbox.create`` cloud options: meaningless ones are ignored, ones that
    name a feature SoulBox lacks raise UnsupportedException."""
    if mcp is not None:
        raise unsupported("mcp (MCP gateway)")
    if volume_mounts:
        raise unsupported("volume_mounts (volumes)")
    if lifecycle is not None:
        on_timeout = lifecycle.get("on_timeout") if isinstance(lifecycle, dict) else None
        action = on_timeout.get("action") if isinstance(on_timeout, dict) else on_timeout
        if action not in (None, "kill") or (isinstance(lifecycle, dict) and lifecycle.get("auto_resume")):
            raise unsupported("lifecycle on_timeout='pause' (pause/resume)")
    if allow_internet_access is False:
        raise unsupported("allow_internet_access=False (network egress rules)")
    if network:
        raise unsupported("network (egress rules)")
    for key in ("auto_pause", "iam"):
        if extra.pop(key, None):
            raise unsupported(key)
    api_opts("create", extra)


def check_limit(limit: Any) -> Optional[int]:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError(f"limit must be an int, not {type(limit).__name__}")
    if limit < 1:
        raise InvalidArgumentException(f"limit must be a positive integer, not {limit}")
    return limit


def _matches(info: Any, query: Optional[SandboxQuery]) -> bool:
    if query is None:
        return True
    if query.metadata and any(info.metadata.get(k) != v for k, v in query.metadata.items()):
        return False
    if query.state:
        wanted = {s.value if isinstance(s, SandboxState) else str(s) for s in query.state}
        if info.state not in wanted:
            return False
    if query.started_after is not None and info.started_at < query.started_after:
        return False
    if query.template is not None and info.template_id != query.template:
        return False
    return True


def _key(info: Any) -> tuple:
    return (int(info.started_at.timestamp() * 1000), info.sandbox_id)


def _token(key: tuple) -> str:
    return f"{key[0]}-{key[1]}"


def _untoken(token: str) -> tuple:
    ms, sep, sandbox_id = token.partition("-")
    if not sep or not ms.isdigit():
        raise InvalidArgumentException(f"invalid next_token {token!r}")
    return (int(ms), sandbox_id)


class _PaginatorState:
    def __init__(self, fetch: Callable[[], list], query, limit, next_token, order=None) -> None:
        if order not in (None, "asc", "desc"):
            raise InvalidArgumentException(f"Invalid order {order!r}, expected 'asc' or 'desc'")
        self.order = order
        if query is not None and not isinstance(query, SandboxQuery):
            raise TypeError(f"query must be a SandboxQuery, not {type(query).__name__}")
        self._fetch = fetch
        self.query = query
        self.limit = check_limit(limit)
        if next_token is not None and not isinstance(next_token, str):
            raise TypeError("next_token must be a str")
        self.next_token = next_token
        if next_token is not None:
            _untoken(next_token)
        self._has_next = True

    @property
    def has_next(self) -> bool:
        """Whether ``next_items()`` has a page to give."""
        return self._has_next

    def _page(self, infos: list) -> list:
        if not self._has_next:
            raise SandboxException("No more items to fetch")
        desc = self.order != "asc"  # E2B lists the newest first by default
        infos = sorted((i for i in infos if _matches(i, self.query)), key=_key, reverse=desc)
        if self.next_token:
            after = _untoken(self.next_token)
            infos = [i for i in infos if (_key(i) < after if desc else _key(i) > after)]
        if self.limit is not None and len(infos) > self.limit:
            infos = infos[: self.limit]
            self.next_token = _token(_key(infos[-1]))
        else:
            self.next_token = None
            self._has_next = False
        return infos


class SandboxPaginator(_PaginatorState):
    """``Sandbox.list()``'s result: ``while p.has_next: p.next_items()`` (E2B's shape).
    Sandboxes are ordered by start time, newest first (``order="desc"``, the default, as
    E2B) or oldest first (``order="asc"``)."""

    def next_items(self, **opts: Any) -> list:
        api_opts("next_items", opts)
        if not self._has_next:
            raise SandboxException("No more items to fetch")
        return self._page(self._fetch())


class AsyncSandboxPaginator(_PaginatorState):
    """``AsyncSandbox.list()``'s result; ``await p.next_items()``."""

    async def next_items(self, **opts: Any) -> list:
        import asyncio

        api_opts("next_items", opts)
        if not self._has_next:
            raise SandboxException("No more items to fetch")
        return self._page(await asyncio.to_thread(self._fetch))
