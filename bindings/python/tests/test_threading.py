"""Object lifetimes in any order, GIL release, Ctrl-C."""

import gc
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from soulbox import Sandbox
from conftest import wait_until


def test_handles_outlive_the_sandbox_object():
    sbx = Sandbox.create(timeout=60)
    sandbox_id = sbx.sandbox_id
    sbx.files.make_dir("w")
    watch = sbx.files.watch_dir("w")
    out = []
    handle = sbx.commands.run("read x; echo got-$x", background=True, stdin=True,
                              on_stdout=out.append)
    files = sbx.files
    del sbx
    gc.collect()
    handle.send_stdin("1\n")
    assert handle.wait().stdout == "got-1\n"
    assert "".join(out) == "got-1\n"
    files.write("w/new.txt", "x")  # sub-objects keep the handle alive
    wait_until(lambda: any(e.name == "new.txt" for e in watch.get_new_events()))
    again = Sandbox.connect(sandbox_id)
    assert again.is_running()  # dropping the object did not kill it
    assert again.kill() is True


def test_random_free_order_does_not_crash():
    rng = random.Random(1234)
    for _ in range(15):
        sbx = Sandbox.create(timeout=30)
        sbx.files.make_dir("d")
        objects = [
            sbx,
            sbx.commands.run("sleep 0.2; echo x", background=True, on_stdout=lambda s: None),
            sbx.commands.run("yes | head -c 100000", background=True, on_stdout=lambda s: None),
            sbx.pty.create(on_data=lambda b: None),
            sbx.files.watch_dir("d", on_event=lambda e: None),
            sbx.files.read,
        ]
        sbx.files.write("d/f", "x")
        sandbox_id = sbx.sandbox_id
        del sbx
        rng.shuffle(objects)
        while objects:
            objects.pop()
            gc.collect()
        assert Sandbox.kill(sandbox_id) is True


def test_gil_is_released_while_waiting(sbx):
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        sbx.commands.run("sleep 0.5")
    finally:
        stop.set()
        thread.join()
    assert len(ticks) > 20


def test_ctrl_c_interrupts_run_and_kills_the_process(sbx):
    started = threading.Event()

    def interrupt_when_started():
        started.wait(10)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_when_started, daemon=True).start()
    before = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        sbx.commands.run("echo started; exec sleep 60", on_stdout=lambda s: started.set())
    assert time.monotonic() - before < 5
    wait_until(lambda: not any("sleep 60" in " ".join(p.args) for p in sbx.commands.list()))


def test_ctrl_c_interrupts_wait_but_the_process_lives_on(sbx):
    handle = sbx.commands.run("sleep 1; echo late", background=True)
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        handle.wait()
    assert handle.wait().stdout == "late\n"


def test_interpreter_exit_with_live_callbacks_and_streams():
    """Exit while callbacks are firing and a stream is half read: no crash, no hang."""
    script = textwrap.dedent("""
        import soulbox
        sbx = soulbox.Sandbox.create(timeout=30)
        sbx.files.write("big", b"x" * (8 << 20))
        stream = sbx.files.read("big", format="stream")
        next(stream)
        handle = sbx.commands.run("yes", background=True, on_stdout=lambda s: None)
        sbx.files.make_dir("w")
        watch = sbx.files.watch_dir("w", on_event=print)
        print("ID", sbx.sandbox_id, flush=True)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    sandbox_id = proc.stdout.split("ID ")[1].split()[0]
    assert Sandbox.kill(sandbox_id) is True
