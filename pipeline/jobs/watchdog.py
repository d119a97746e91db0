"""A job's watchdog: a stage that runs past its limit ends the job, visibly, with the stage named.

The watchdog lives in a forked child, not a thread: a stage stuck in native code holds the GIL, so
no thread of the job's own process would ever run again. It says why first (`on_stuck`, e.g. the
status board), then SIGKILLs the job's process; RQ sees a dead work horse and fails or retries the
job as for any crash.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from types import TracebackType

_STAGE_BYTES = 200


class StageWatchdog:
    """Use as a context manager around a job; call `stage(name)` whenever the job moves on."""

    def __init__(self, limit_s: float, on_stuck: Callable[[str, float], None], *, poll_s: float = 1.0):
        self.limit_s = limit_s
        self.on_stuck = on_stuck
        self.poll_s = poll_s
        context = multiprocessing.get_context("fork")
        self._context = context
        self._stage = context.Array("c", _STAGE_BYTES, lock=False)
        self._since = context.Value("d", time.monotonic(), lock=False)
        self._stop = context.Event()
        self._child: multiprocessing.process.BaseProcess | None = None

    def stage(self, name: str) -> None:
        self._stage.value = name.encode()[: _STAGE_BYTES - 1]
        self._since.value = time.monotonic()

    def __enter__(self) -> StageWatchdog:
        self._since.value = time.monotonic()
        self._child = self._context.Process(target=self._watch, args=(os.getpid(),), name="woo3d-watchdog", daemon=True)
        self._child.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        if self._child is not None:
            self._child.join(self.poll_s + 5)
            if self._child.is_alive():
                self._child.kill()
                self._child.join()

    def _watch(self, job_pid: int) -> None:
        while not self._stop.wait(self.poll_s):
            if os.getppid() != job_pid:
                break  # the job's process is gone (RQ's own timeout, a crash): nothing left to guard
            stuck_for = time.monotonic() - self._since.value
            if stuck_for > self.limit_s:
                try:
                    self.on_stuck(self._stage.value.decode(errors="replace"), stuck_for)
                finally:
                    os.kill(job_pid, signal.SIGKILL)
                break
        os._exit(0)  # skip the job process's atexit handlers, inherited by the fork
