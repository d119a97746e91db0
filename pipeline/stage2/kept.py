"""What the helpers kept running between jobs share: who may reap them, and how anyone may kill one."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

__all__ = ["KeptProcess"]


class KeptProcess(ABC):
    """A helper process this process started and keeps; the work-horses it forks use it too.

    It lives with its socket in a private directory. Only the process that started it can reap
    it (`stop`); a work-horse can only kill it by its pid. Subclasses say what their process is
    (`pid`, `running`) and how it ends (`_end`: killed if it still runs, then reaped).
    """

    def __init__(self, prefix: str):
        self.owner = os.getpid()
        self._dir = Path(tempfile.mkdtemp(prefix=prefix))  # 0700: only this user can reach its socket

    @property
    @abstractmethod
    def pid(self) -> int: ...

    @abstractmethod
    def running(self) -> bool:
        """Whether it still runs (asked by the process that started it)."""

    def kill(self) -> None:
        """Kill it now (it may be stuck); the process that started it starts another when next asked."""
        if self.owner == os.getpid():
            self._end()
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        """End it (the process that started it only) and remove its socket."""
        if self.owner != os.getpid():
            return
        self._end()
        shutil.rmtree(self._dir, ignore_errors=True)

    @abstractmethod
    def _end(self) -> None:
        """Kill the process if it still runs, then reap it."""
