"""``sandbox.files`` (synchronous) and its data types, named as E2B's. Paths are absolute or
relative to the user's home inside the sandbox; they never resolve outside it."""

from __future__ import annotations

import atexit
import io
import queue
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import IO, Callable, Dict, Iterator, List, Literal, Optional, Union, overload

from . import _core
from . import _validate as check
from .exceptions import FileNotFoundException, InvalidArgumentException, SandboxException

__all__ = [
    "FileType",
    "WriteInfo",
    "EntryInfo",
    "WriteEntry",
    "FilesystemEventType",
    "FilesystemEvent",
    "WatchHandle",
    "Filesystem",
]

# Chunks a streamed read may have in flight between the reading thread and the consumer.
_STREAM_QUEUE_CHUNKS = 4


class FileType(Enum):
    """Kind of filesystem object (E2B values)."""

    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    OTHER = "other"
    """A device, fifo or socket (not in E2B)."""


_FILE_TYPES = [FileType.FILE, FileType.DIR, FileType.SYMLINK, FileType.OTHER]


@dataclass
class WriteInfo:
    """What a write created."""

    name: str
    type: Optional[FileType]
    path: str


@dataclass
class EntryInfo(WriteInfo):
    """Metadata of one filesystem object."""

    size: int
    mode: int
    """Permission bits (07777)."""
    permissions: str
    """e.g. "-rw-r--r--"."""
    owner: str
    group: str
    modified_time: datetime
    """Timezone-aware (UTC)."""
    symlink_target: Optional[str] = None


@dataclass
class WriteEntry:
    """One file for :meth:`Filesystem.write_files`."""

    path: str
    data: Union[str, bytes, IO]

    # E2B's WriteEntry is a TypedDict: ``entry["path"]`` works too.
    def __getitem__(self, key: str):
        if key not in ("path", "data"):
            raise KeyError(key)
        return getattr(self, key)

    def keys(self):
        return ("path", "data")


class FilesystemEventType(Enum):
    """Kind of change seen by a directory watch (E2B values)."""

    CHMOD = "chmod"
    CREATE = "create"
    REMOVE = "remove"
    RENAME = "rename"
    WRITE = "write"


_EVENT_TYPES = [
    FilesystemEventType.CREATE,
    FilesystemEventType.WRITE,
    FilesystemEventType.REMOVE,
    FilesystemEventType.RENAME,
    FilesystemEventType.CHMOD,
]


@dataclass
class FilesystemEvent:
    """One change: ``name`` is relative to the watched directory."""

    name: str
    type: FilesystemEventType
    entry: Optional["EntryInfo"] = None
    """With ``watch_dir(include_entry=True)``: the entry's info, looked up when the event
    arrives (best effort: None if it is gone by then, e.g. after a remove)."""


def _entry(d: dict) -> EntryInfo:
    return EntryInfo(
        name=d["name"],
        type=_FILE_TYPES[d["type"]],
        path=d["path"],
        size=d["size"],
        mode=d["mode"],
        permissions=d["permissions"],
        owner=d["owner"],
        group=d["group"],
        modified_time=datetime.fromtimestamp(d["modified_time_ms"] / 1000, tz=timezone.utc),
        symlink_target=d["symlink_target"],
    )


def _event(type_index: int, name: str, lookup: Optional[Callable] = None) -> FilesystemEvent:
    return FilesystemEvent(
        name=name, type=_EVENT_TYPES[type_index], entry=lookup(name) if lookup else None
    )


class WatchHandle:
    """A directory watch (E2B's WatchHandle). Events are queued for :meth:`get_new_events`
    and, if given, passed to ``on_event`` on the library's event-loop thread."""

    def __init__(self, watch: _core.Watch, lookup: Optional[Callable] = None) -> None:
        self._watch = watch
        self._lookup = lookup

    def get_new_events(self) -> List[FilesystemEvent]:
        """Events since the last call (or since the watch began)."""
        return [_event(t, name, self._lookup) for t, name in self._watch.get_new_events()]

    def stop(self) -> None:
        """Stops the watch; ``on_event`` is not running and will not run afterwards."""
        self._watch.stop()


class _ReadStream:
    """A streamed read: soulbox_files_read_stream runs on a helper thread and hands chunks
    through a small queue, so the file is never held in memory whole."""

    _END = object()
    _live: "weakref.WeakSet[_ReadStream]" = weakref.WeakSet()

    def __init__(self, sandbox: _core.Sandbox, path: str, user: str) -> None:
        self._chunks: "queue.Queue[object]" = queue.Queue(maxsize=_STREAM_QUEUE_CHUNKS)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._read, args=(sandbox, path, user), name="soulbox-read-stream", daemon=True
        )
        _ReadStream._live.add(self)
        self._thread.start()

    def _put(self, item: object) -> bool:
        """Blocks while the consumer is behind; False once it has gone away."""
        while not self._stop.is_set():
            try:
                self._chunks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read(self, sandbox: _core.Sandbox, path: str, user: str) -> None:
        try:
            _core.files_read_stream(sandbox, path, user, lambda chunk: not self._put(chunk))
            self._put(self._END)
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(exc)

    def next(self) -> object:
        item = self._chunks.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def chunks(self, first: object) -> Iterator[bytes]:
        try:
            item = first
            while item is not self._END:
                yield item  # type: ignore[misc]
                item = self.next()
        finally:
            self.close()

    @classmethod
    def close_all(cls) -> None:
        """Interpreter exit: end the helper threads while they can still run Python."""
        for stream in list(cls._live):
            stream.close()


atexit.register(_ReadStream.close_all)


class Filesystem:
    """``sandbox.files``: read, write, list and watch files (E2B's Filesystem)."""

    def __init__(self, sandbox: _core.Sandbox) -> None:
        self._sandbox = sandbox

    @overload
    def read(
        self, path: str, format: Literal["text"] = "text", user: Optional[str] = None,
        request_timeout: Optional[float] = None, gzip: bool = False,
    ) -> str: ...
    @overload
    def read(
        self, path: str, format: Literal["bytes"], user: Optional[str] = None,
        request_timeout: Optional[float] = None, gzip: bool = False,
    ) -> bytes: ...
    @overload
    def read(
        self, path: str, format: Literal["stream"], user: Optional[str] = None,
        request_timeout: Optional[float] = None, gzip: bool = False,
        stream_idle_timeout: Optional[float] = None,
    ) -> "FileStreamReader": ...

    def read(
        self, path: str, format: str = "text", user: Optional[str] = None,
        request_timeout: Optional[float] = None, gzip: bool = False,
        stream_idle_timeout: Optional[float] = None,
    ):
        """Reads a file: ``"text"`` (str, UTF-8 with replacement), ``"bytes"`` or
        ``"stream"`` (a FileStreamReader: an iterator of bytes chunks and a context
        manager; the file is not loaded whole). Raises FileNotFoundException at once if it
        does not exist. ``request_timeout``, ``gzip``, ``stream_idle_timeout``: E2B
        transport options, accepted and ignored (no network here)."""
        path = check.path("path", path)
        user = check.user(user)
        if format == "stream":
            stream = _ReadStream(self._sandbox, path, user)
            try:
                first = stream.next()  # errors such as a missing file surface here
            except BaseException:
                stream.close()
                raise
            return FileStreamReader(stream.chunks(first))
        if format not in ("text", "bytes"):
            raise ValueError(f"format must be 'text', 'bytes' or 'stream', not {format!r}")
        data = _core.files_read(self._sandbox, path, user)
        return bytearray(data) if format == "bytes" else data.decode("utf-8", errors="replace")

    def write(
        self, path: str, data: Union[str, bytes, IO], user: Optional[str] = None,
        request_timeout: Optional[float] = None, gzip: bool = False,
        use_octet_stream: Optional[bool] = None, metadata: Optional[Dict[str, str]] = None,
    ) -> EntryInfo:
        """Creates or atomically replaces a file (parents are created). ``data`` may be str
        (written UTF-8), bytes or a file-like object opened for reading, which is streamed.
        E2B's transport options (request_timeout, gzip, use_octet_stream, metadata) are
        accepted and ignored."""
        path = check.path("path", path)
        user = check.user(user)
        check.string_map("metadata", metadata)
        if hasattr(data, "read"):
            return _entry(_core.files_write_stream(self._sandbox, path, _source(data), user))
        return _entry(_core.files_write(self._sandbox, path, check.data("data", data), user))

    def write_files(
        self, files: List[WriteEntry], user: Optional[str] = None,
        request_timeout: Optional[float] = None, gzip: bool = False,
        use_octet_stream: Optional[bool] = None, metadata: Optional[Dict[str, str]] = None,
    ) -> List[EntryInfo]:
        """Writes several files in one call. Entries are ``WriteEntry`` objects or E2B's
        ``{"path": ..., "data": ...}`` dicts."""
        if isinstance(files, (str, bytes, dict)) or not hasattr(files, "__iter__"):
            raise TypeError("files must be a list of WriteEntry")
        check.string_map("metadata", metadata)
        pairs = []
        for entry in files:
            if isinstance(entry, dict):
                unknown = set(entry) - {"path", "data", "mode"}
                if "path" not in entry or "data" not in entry or unknown:
                    raise TypeError(
                        "a WriteEntry dict needs exactly the keys 'path' and 'data'"
                        + (f", not {sorted(unknown)}" if unknown else "")
                    )
                entry_path, entry_data = entry["path"], entry["data"]
            elif isinstance(entry, WriteEntry):
                entry_path, entry_data = entry.path, entry.data
            else:
                raise TypeError(f"files must hold WriteEntry objects, not {type(entry).__name__}")
            content = entry_data.read() if hasattr(entry_data, "read") else entry_data
            if isinstance(content, str):
                content = content.encode("utf-8")
            pairs.append((check.path("path", entry_path), check.data("data", content)))
        return [_entry(d) for d in _core.files_write_files(self._sandbox, pairs, check.user(user))]

    def list(
        self, path: str, depth: Optional[int] = 1, user: Optional[str] = None,
        request_timeout: Optional[float] = None,
    ) -> List[EntryInfo]:
        """Entries below ``path``, ``depth`` levels deep (1, also for None: the directory's
        own entries)."""
        depth = 1 if depth is None else depth
        if isinstance(depth, bool) or not isinstance(depth, int):
            raise TypeError(f"depth must be an int, not {type(depth).__name__}")
        if depth < 1:
            raise InvalidArgumentException(f"depth should be at least 1, not {depth}")
        return [
            _entry(d)
            for d in _core.files_list(
                self._sandbox, check.path("path", path), depth, check.user(user)
            )
        ]

    def exists(self, path: str, user: Optional[str] = None, request_timeout: Optional[float] = None) -> bool:
        """Whether ``path`` exists."""
        return _core.files_exists(self._sandbox, check.path("path", path), check.user(user))

    def get_info(self, path: str, user: Optional[str] = None, request_timeout: Optional[float] = None) -> EntryInfo:
        """Metadata of ``path`` (a final symlink is not followed)."""
        return _entry(
            _core.files_get_info(self._sandbox, check.path("path", path), check.user(user))
        )

    def remove(self, path: str, user: Optional[str] = None, request_timeout: Optional[float] = None) -> None:
        """Removes a file, symlink or whole directory tree; a missing path is a no-op (as
        in E2B)."""
        try:
            _core.files_remove(self._sandbox, check.path("path", path), check.user(user))
        except FileNotFoundException:
            pass

    def rename(
        self, old_path: str, new_path: str, user: Optional[str] = None,
        request_timeout: Optional[float] = None,
    ) -> EntryInfo:
        """Renames (moves) ``old_path`` to ``new_path``; returns the new entry."""
        return _entry(
            _core.files_rename(
                self._sandbox,
                check.path("old_path", old_path),
                check.path("new_path", new_path),
                check.user(user),
            )
        )

    def make_dir(self, path: str, user: Optional[str] = None, request_timeout: Optional[float] = None) -> bool:
        """Creates a directory and its parents; False if it already existed."""
        return _core.files_make_dir(self._sandbox, check.path("path", path), check.user(user))

    def watch_dir(
        self,
        path: str,
        user: Optional[str] = None,
        request_timeout: Optional[float] = None,
        recursive: bool = False,
        include_entry: bool = False,
        allow_network_mounts: bool = False,
        *,
        on_event: Optional[Callable[[FilesystemEvent], object]] = None,
    ) -> WatchHandle:
        """Watches a directory (and its subdirectories with ``recursive``), E2B's
        positional order. ``include_entry``: each event carries ``entry``, looked up with
        ``get_info`` when it is delivered (best effort). ``on_event`` (SoulBox extra,
        keyword only) also gets each event on the library's event-loop thread."""
        path = check.path("path", path)
        user = check.user(user)
        lookup = None
        if include_entry:
            base = path.rstrip("/") or "/"

            def lookup(name: str) -> Optional[EntryInfo]:
                try:
                    return _entry(_core.files_get_info(self._sandbox, f"{base}/{name}", user))
                except SandboxException:
                    return None

        callback = None
        if on_event is not None:
            if not callable(on_event):
                raise TypeError("on_event must be callable")

            def callback(type_index: int, name: str) -> None:
                on_event(_event(type_index, name, lookup))

        watch = _core.files_watch_dir(self._sandbox, path, bool(recursive), callback, user)
        return WatchHandle(watch, lookup)


class FileStreamReader:
    """``read(format="stream")``'s result: iterate it for bytes chunks; ``with`` (or
    ``close()``) stops the read early."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> "FileStreamReader":
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        self._chunks.close()  # type: ignore[attr-defined]

    def __enter__(self) -> "FileStreamReader":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _source(stream: IO) -> Callable[[int], bytes]:
    """A write-stream source over a file-like object (binary or text)."""
    text = isinstance(stream, io.TextIOBase)

    def read(capacity: int) -> bytes:
        if text:
            # A character is at most 4 UTF-8 bytes, so this never exceeds capacity.
            return stream.read(max(1, capacity // 4)).encode("utf-8")
        return check.data("file-like read()", stream.read(capacity))

    return read
