"""Fixtures E2B's Python suite expects, written for SoulBox (replaces the suite's own conftest,
which builds E2B's HTTP mocks)."""

import asyncio
import os
import random
import string

import pytest
import pytest_asyncio

from e2b import AsyncSandbox, CommandExitException, Sandbox


def _random(n=8):
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=n))


@pytest.fixture
def test_api_key():
    return "e2b_" + "0" * 40


@pytest.fixture
def sandbox_test_id():
    return f"test_{_random()}"


@pytest.fixture
def template():
    return "base"


@pytest.fixture
def debug():
    return os.getenv("E2B_DEBUG") is not None


@pytest.fixture(autouse=True)
def skip_by_debug(request, debug):
    if request.node.get_closest_marker("skip_debug") and debug:
        pytest.skip("E2B_DEBUG is set")


@pytest.fixture
def sandbox_factory(request, template, sandbox_test_id):
    made = []

    def factory(*, template_name=template, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("sandbox_test_id", sandbox_test_id)
        sbx = Sandbox.create(template_name, **kwargs)
        made.append(sbx)
        return sbx

    yield factory
    for sbx in made:
        try:
            sbx.kill()
        except Exception:
            pass


@pytest.fixture
def sandbox(sandbox_factory):
    return sandbox_factory()


@pytest_asyncio.fixture
async def async_sandbox_factory(template, sandbox_test_id):
    made = []

    async def factory(*, template_name=template, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("sandbox_test_id", sandbox_test_id)
        sbx = await AsyncSandbox.create(template_name, **kwargs)
        made.append(sbx)
        return sbx

    yield factory
    await asyncio.gather(*(s.kill() for s in made), return_exceptions=True)


@pytest_asyncio.fixture
async def async_sandbox(async_sandbox_factory):
    return await async_sandbox_factory()


class Helpers:
    @staticmethod
    def catch_cmd_exit_error_in_background(cmd):
        disabled = False

        async def wait_for_exit():
            try:
                await cmd.wait()
            except CommandExitException as e:
                if not disabled:
                    assert False, f"command failed with exit code {e.exit_code}: {e.stderr}"

        asyncio.create_task(wait_for_exit())

        def disable():
            nonlocal disabled
            disabled = True

        return disable

    @staticmethod
    def check_cmd_exit_error(cmd):
        try:
            cmd.wait()
        except CommandExitException as e:
            assert False, f"command failed with exit code {e.exit_code}: {e.stderr}"


@pytest.fixture
def helpers():
    return Helpers
