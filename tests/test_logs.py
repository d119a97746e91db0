"""Logs: the console format has colours at a terminal and none in a file."""

from __future__ import annotations

import io
import os
import sys

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
