"""Structured logs: JSON lines in production, readable lines at a terminal."""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any, TextIO

import structlog

# One lock for every line written, held across fork(): RQ forks its work horse from a worker whose
# outbox forwarder thread logs too, and a child forked while that thread was writing would start with
# the lock (and the stream's buffer) held for good: its first log line would hang the job forever.
_WRITE_LOCK = threading.Lock()
os.register_at_fork(before=_WRITE_LOCK.acquire, after_in_parent=_WRITE_LOCK.release,
                    after_in_child=_WRITE_LOCK.release)


class LineLogger:
    """structlog's logger: each rendered event as one line on `stream`, under the fork-safe lock."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def msg(self, message: str) -> None:
        with _WRITE_LOCK:
            print(message, file=self._stream, flush=True)

    log = debug = info = warn = warning = error = err = critical = fatal = exception = failure = msg


def _line_logger_factory(stream: TextIO) -> Any:
    return lambda *args: LineLogger(stream)


def configure_logging(log_format: str = "json", level: int = logging.INFO) -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if log_format == "json"
        # Colours only for a terminal: in a file or a journal the escape codes are noise.
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_line_logger_factory(sys.stderr),
        # Not cached: module-level loggers then follow a later configure() (tests, CLI sub-commands).
        cache_logger_on_first_use=False,
    )
