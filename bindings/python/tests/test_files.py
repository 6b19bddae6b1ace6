import datetime
import hashlib
import io
import os
import threading

import pytest

from soulbox import (
    EntryInfo,
    FileNotFoundException,
    FilesystemEventType,
    FileType,
    IsADirectoryException,
    NotFoundException,
    SandboxException,
    WriteEntry,
)
from conftest import wait_until


def test_write_and_read_text_bytes(sbx):
    info = sbx.files.write("docs/hello.txt", "héllo\n")
    assert isinstance(info, EntryInfo)
    assert (info.name, info.type, info.path) == ("hello.txt", FileType.FILE, "/home/user/docs/hello.txt")
    assert sbx.files.read("docs/hello.txt") == "héllo\n"
    assert sbx.files.read("/home/user/docs/hello.txt", format="bytes") == "héllo\n".encode()
    sbx.files.write("bin.dat", bytes(range(256)))
    assert sbx.files.read("bin.dat", format="bytes") == bytes(range(256))
    assert sbx.commands.run("cat docs/hello.txt").stdout == "héllo\n"


def test_large_file_streamed_both_ways(sbx):
    payload = os.urandom(20 * 1024 * 1024)
    info = sbx.files.write("big.bin", io.BytesIO(payload))
    assert info.size == len(payload)
    expected = hashlib.sha256(payload).hexdigest()
    assert sbx.commands.run("sha256sum big.bin").stdout.split()[0] == expected
    digest = hashlib.sha256()
    chunks = 0
    for chunk in sbx.files.read("big.bin", format="stream"):
        digest.update(chunk)
        chunks += 1
    assert digest.hexdigest() == expected
    assert chunks > 1


def test_stream_stopped_early_and_text_file_like(sbx):
    sbx.files.write("text-stream.txt", io.StringIO("ä" * 100000))
    assert sbx.files.read("text-stream.txt") == "ä" * 100000
    stream = sbx.files.read("text-stream.txt", format="stream")
    assert next(stream)
    stream.close()  # the reading thread ends; nothing leaks or hangs


def test_write_files_list_depth_exists_info(sbx):
    written = sbx.files.write_files(
        [WriteEntry("tree/a.txt", "a"), WriteEntry("tree/sub/b.txt", b"bb"),
         WriteEntry("tree/sub/deeper/c.txt", io.BytesIO(b"ccc"))]
    )
    assert [w.path for w in written] == [
        "/home/user/tree/a.txt", "/home/user/tree/sub/b.txt", "/home/user/tree/sub/deeper/c.txt"]
    top = {e.name: e for e in sbx.files.list("tree")}
    assert set(top) == {"a.txt", "sub"}
    assert top["sub"].type == FileType.DIR
    deep = {e.path for e in sbx.files.list("tree", depth=3)}
    assert "/home/user/tree/sub/deeper/c.txt" in deep
    assert sbx.files.exists("tree/sub/b.txt") and not sbx.files.exists("tree/nope")
    info = sbx.files.get_info("tree/sub/b.txt")
    assert (info.size, info.owner, info.group, info.permissions, info.mode) == (
        2, "user", "user", "-rw-r--r--", 0o644)
    assert abs(info.modified_time - datetime.datetime.now(datetime.timezone.utc)).total_seconds() < 60
    sbx.commands.run("ln -sf /etc/hostname tree/link")
    link = sbx.files.get_info("tree/link")
    assert link.type == FileType.SYMLINK and link.symlink_target == "/etc/hostname"


def test_remove_rename_make_dir(sbx):
    assert sbx.files.make_dir("mk/a/b") is True
    assert sbx.files.make_dir("mk/a/b") is False
    sbx.files.write("mk/old.txt", "x")
    moved = sbx.files.rename("mk/old.txt", "mk/a/new.txt")
    assert moved.path == "/home/user/mk/a/new.txt" and sbx.files.read("mk/a/new.txt") == "x"
    assert not sbx.files.exists("mk/old.txt")
    sbx.files.remove("mk")
    assert not sbx.files.exists("mk")


def test_missing_file_errors(sbx):
    with pytest.raises(FileNotFoundException) as info:
        sbx.files.read("does/not/exist")
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, NotFoundException)
    assert info.value.code_name == "not found" and str(info.value)
    assert info.value.subject == "path"
    with pytest.raises(FileNotFoundError):
        sbx.files.read("does/not/exist", format="stream")
    with pytest.raises(FileNotFoundException):
        sbx.files.get_info("nope")
    sbx.files.make_dir("adir")
    with pytest.raises(IsADirectoryException):
        sbx.files.read("adir")


def test_paths_stay_inside_the_sandbox(sbx):
    with pytest.raises(SandboxException):
        sbx.files.read("../../etc/shadow")
    sbx.commands.run("ln -sf /etc/shadow escape", user="root")
    with pytest.raises(SandboxException):  # the sandbox's own /etc/shadow, root-only
        sbx.files.read("escape")
    # An absolute symlink resolves inside the sandbox root, never the host's.
    sbx.files.write("/tmp/marker", "inside")
    sbx.commands.run("ln -sf /tmp/marker abs-link")
    assert sbx.files.read("abs-link") == "inside"
    assert sbx.files.read("../../tmp/marker") == "inside"


def test_root_only_file_permission(sbx):
    sbx.files.write("/root/secret", "s", user="root")
    with pytest.raises(PermissionError):
        sbx.files.read("/root/secret")
    assert sbx.files.read("/root/secret", user="root") == "s"


def test_watch_dir_callback_and_get_new_events(sbx):
    sbx.files.make_dir("watched")
    seen = []
    lock = threading.Lock()

    def on_event(event):
        with lock:
            seen.append((event.type, event.name))

    watch = sbx.files.watch_dir("watched", on_event=on_event)
    sbx.files.write("watched/f.txt", "1")
    sbx.commands.run("chmod 600 watched/f.txt; mv watched/f.txt watched/g.txt; rm watched/g.txt")

    def types_seen():
        with lock:
            return {t for t, _ in seen}

    wanted = {FilesystemEventType.CREATE, FilesystemEventType.CHMOD,
              FilesystemEventType.RENAME, FilesystemEventType.REMOVE}
    wait_until(lambda: wanted <= types_seen())
    queued = watch.get_new_events()
    assert {e.type for e in queued} >= wanted
    assert "f.txt" in {e.name for e in queued}
    watch.stop()
    count = len(seen)
    sbx.files.write("watched/after.txt", "x")
    sbx.commands.run("true")  # a round trip through the agent
    assert len(seen) == count


def test_recursive_watch(sbx):
    sbx.files.make_dir("rwatch/sub")
    watch = sbx.files.watch_dir("rwatch", recursive=True)
    sbx.files.write("rwatch/sub/x.txt", "x")
    events = []
    wait_until(lambda: events.extend(watch.get_new_events()) or any(
        e.name == "sub/x.txt" for e in events))
    watch.stop()


def test_bad_file_arguments(sbx):
    with pytest.raises(TypeError):
        sbx.files.read(42)
    with pytest.raises(ValueError):
        sbx.files.read("a\0b")
    with pytest.raises(ValueError):
        sbx.files.read("x", format="json")
    with pytest.raises(TypeError):
        sbx.files.write("x", 12)
    with pytest.raises(ValueError):
        sbx.files.list("/", depth=0)
    with pytest.raises(ValueError):
        sbx.files.write("x", "y", user="admin")
    with pytest.raises(TypeError):
        sbx.files.write_files(["not an entry"])
