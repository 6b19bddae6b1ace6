"""Shared fixtures: one sandbox per test module where tests need no sandbox of their own."""

import os
import time

import pytest

from soulbox import Sandbox


@pytest.fixture(scope="module")
def sbx():
    with Sandbox.create(timeout=600) as sandbox:
        yield sandbox


def wait_until(predicate, timeout=10.0, interval=0.02):
    """Polls predicate until true or the deadline passes (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met within %.1fs" % timeout)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With SOULBOX_TEST_MUST_WORK=1 (CI) a skipped test fails: a gate that can silently not
    run is not a gate."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("SOULBOX_TEST_MUST_WORK") == "1":
        report.outcome = "failed"
        report.longrepr = f"SOULBOX_TEST_MUST_WORK=1 and this test would skip: {report.longrepr}"
