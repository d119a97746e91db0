"""Logs: the console format has colours at a terminal and none in a file."""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
import structlog

from woo3d.logs import configure_logging


def console_line(stream: io.TextIOBase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("console")
    structlog.get_logger("test").warning("job_failed", product_id=7)


def test_console_logs_written_to_a_file_have_no_colour_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    captured = io.StringIO()
    console_line(captured, monkeypatch)
    assert "job_failed" in captured.getvalue() and "product_id=7" in captured.getvalue()
    assert "\x1b[" not in captured.getvalue()


def test_console_logs_at_a_terminal_are_coloured(monkeypatch: pytest.MonkeyPatch) -> None:
    controller, terminal = os.openpty()
    with open(terminal, "w", encoding="utf-8", closefd=True) as stream:
        console_line(stream, monkeypatch)
        stream.flush()
        written = os.read(controller, 4096).decode()
    os.close(controller)
    assert "job_failed" in written and "\x1b[" in written


@pytest.mark.timeout(60)
def test_a_process_forked_while_another_thread_logs_can_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """RQ forks each work horse while the worker's outbox forwarder may be writing a log line."""
    stream = (tmp_path / "log").open("w", encoding="utf-8")
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("json")
    stop = threading.Event()

    def chatter() -> None:
        while not stop.is_set():
            structlog.get_logger("forwarder").info("outbox_forwarded", entries=1, padding="x" * 2000)

    thread = threading.Thread(target=chatter)
    thread.start()
    try:
        for attempt in range(200):
            child = os.fork()
            if child == 0:  # the work horse: one line, then out (os._exit skips the parent's cleanup)
                structlog.get_logger("horse").info("job_stage", attempt=attempt)
                os._exit(0)
            deadline = time.monotonic() + 10
            while (done := os.waitpid(child, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
                time.sleep(0.001)
            if done[0] == 0:
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
                pytest.fail(f"fork {attempt} hung on its first log line")
    finally:
        stop.set()
        thread.join()
        stream.close()
    assert (tmp_path / "log").read_text().count('"job_stage"') == 200
