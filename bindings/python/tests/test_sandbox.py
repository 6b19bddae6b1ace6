import datetime
import os

import pytest

from soulbox import (
    InvalidArgumentException,
    NotFoundException,
    Sandbox,
    SandboxInfo,
    SandboxNotFoundException,
)


def test_create_run_kill_and_context_manager():
    with Sandbox.create(timeout=60, metadata={"owner": "pytest"}, envs={"GREETING": "hi"}) as sbx:
        assert sbx.is_running()
        assert sbx.commands.run("echo $GREETING").stdout == "hi\n"
        info = sbx.get_info()
        assert isinstance(info, SandboxInfo)
        assert info.sandbox_id == sbx.sandbox_id
        assert info.metadata == {"owner": "pytest"}
        assert info.state == "running"
        assert info.foreign_reason == ""
        assert info.agent_protocol_version > 0
        assert info.template_id
        assert info.limits.memory_bytes == 512 * 1024 * 1024
        assert info.cgroup in ("v1", "v2", "none")
        assert isinstance(info.started_at, datetime.datetime)
        assert 50 <= (info.end_at - info.started_at).total_seconds() <= 61
    assert not sbx.is_running()
    assert sbx.kill() is False


def test_constructor_creates_like_e2b_v1():
    sbx = Sandbox(timeout=30)
    try:
        assert sbx.commands.run("hostname").stdout.strip() == "sandbox"
    finally:
        assert sbx.kill() is True


def test_limits_and_hostname():
    with Sandbox.create(timeout=30, memory_mb=256, pids=64, hostname="box") as sbx:
        info = sbx.get_info()
        assert info.limits.memory_bytes == 256 * 1024 * 1024
        assert info.limits.pids == 64
        assert sbx.commands.run("hostname").stdout.strip() == "box"


def test_connect_list_set_timeout_and_class_kill():
    sbx = Sandbox.create(timeout=60)
    other = Sandbox.connect(sbx.sandbox_id)
    assert other.sandbox_id == sbx.sandbox_id
    assert sbx.sandbox_id in [s.sandbox_id for s in Sandbox.list().next_items()]
    other.set_timeout(120)
    info = Sandbox.get_info(sbx.sandbox_id)
    assert 110 <= (info.end_at - datetime.datetime.now(datetime.timezone.utc)).total_seconds() <= 121
    assert Sandbox.kill(sbx.sandbox_id) is True
    assert Sandbox.kill(sbx.sandbox_id) is False
    assert not sbx.is_running()
    assert sbx.sandbox_id not in [s.sandbox_id for s in Sandbox.list().next_items()]


def test_connect_unknown_id():
    with pytest.raises(SandboxNotFoundException) as info:
        Sandbox.connect("0123456789abcdef")
    assert info.value.subject == "sandbox"
    assert Sandbox.kill("0123456789abcdef") is False


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"timeout": -1}, ValueError),
        ({"timeout": "10"}, TypeError),
        ({"envs": {"A": 1}}, TypeError),
        ({"envs": {"A": "x\0y"}}, ValueError),
        ({"metadata": ["a"]}, TypeError),
        ({"memory_mb": -5}, ValueError),
        ({"memory_mb": 1, "memory_bytes": 1}, ValueError),
        ({"cpus": "two"}, ValueError),
        ({"template": 3}, TypeError),
    ],
)
def test_bad_create_arguments(kwargs, error):
    with pytest.raises(error):
        Sandbox.create(**kwargs)


def test_unknown_template_and_library_errors():
    with pytest.raises(NotFoundException) as info:
        Sandbox.create(template="no-such-template", timeout=10)
    assert not isinstance(info.value, SandboxNotFoundException)
    assert "no-such-template" in str(info.value) and info.value.code_name == "not found"
    assert info.value.subject == "template"
    with pytest.raises(InvalidArgumentException) as info:  # the C layer's own check
        Sandbox.create(hostname="bad host name!", timeout=10)
    assert isinstance(info.value, ValueError) and info.value.code == 1


def test_foreign_sandbox_is_listed_as_such():
    """A record written by a newer SoulBox (faked as tests/integration/test_upgrade.cpp does)."""
    state_dir = os.environ.get("SOULBOX_STATE_DIR") or "/run/soulbox"
    with Sandbox.create(timeout=60) as sbx:
        record = os.path.join(state_dir, sbx.sandbox_id, "sandbox.json")
        with open(record) as f:
            saved = f.read()
        with open(record, "w") as f:
            f.write('{"schema_version":99,"id":"%s"}\n' % sbx.sandbox_id)
        try:
            listed = {s.sandbox_id: s for s in Sandbox.list().next_items()}
        finally:
            with open(record, "w") as f:
                f.write(saved)
        info = listed[sbx.sandbox_id]
        assert info.state == "foreign"
        assert "newer" in info.foreign_reason
        assert info.agent_protocol_version == 0
