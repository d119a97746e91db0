"""Run native calls that can spin (offline GL renders) in a forked child with a time limit.

A call stuck in native code holds the GIL, so neither a thread nor a signal handler in the same
process can stop it; a child process can be killed. The child is forked, so it inherits the
arguments without pickling them and needs no imports of its own; only the results travel back.
Several calls can share one child (one GL context for all of Stage 2's renders), each answered
as it finishes and each bounded by its own limit, while this process does other work.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pipeline.errors import ExportError, StageTimeoutError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

T = TypeVar("T")


@dataclass(frozen=True)
class BoundedCall:
    """`function(*args)`, named for errors ("the poster render")."""

    what: str
    function: Callable[..., Any]
    args: tuple[Any, ...] = ()


def run_with_time_limit(function: Callable[..., T], *args: object, limit_s: float, what: str) -> T:
    """`function(*args)` in a forked child; its result, or its exception raised here.

    Raises StageTimeoutError when the child has not answered within `limit_s` seconds (it is
    killed), ExportError when it died without answering.
    """
    with BoundedCalls([BoundedCall(what, function, args)], limit_s=limit_s) as calls:
        return calls.result(0)  # type: ignore[no-any-return]


class BoundedCalls:
    """`calls` run one after another in one forked child, started now; `result(i)` waits for each.

    Each call has `limit_s` seconds from the moment the previous one answered (the first: from
    the start). A call that overruns is reported as StageTimeoutError and one whose child died
    as ExportError; the child is killed then, and the calls after it run in a fresh child when
    asked for, so one stuck render costs only itself, as if each had had a child of its own.
    A thread here takes each answer as it comes (a big one would otherwise stall the child
    until asked for). Results are asked for in order; leaving the `with` block (or `close()`)
    kills what still runs.
    """

    def __init__(self, calls: Sequence[BoundedCall], *, limit_s: float):
        self._calls = tuple(calls)
        self._limit_s = limit_s
        self._outcomes: list[tuple[bool, Any]] = []
        self._child: _Child | None = None
        self._start()

    def __enter__(self) -> BoundedCalls:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def result(self, index: int) -> Any:
        """The `index`th call's result, or its exception (StageTimeoutError, ExportError or its own) raised here."""
        while len(self._outcomes) <= index:
            if self._child is None:
                self._start()
            assert self._child is not None
            call = self._calls[len(self._outcomes)]
            outcome = self._child.next_outcome(call.what, self._limit_s)
            self._outcomes.append(outcome)
            if not self._child.alive_for_more or len(self._outcomes) == len(self._calls):
                self.close()
        ok, value = self._outcomes[index]
        if ok:
            return value
        raise value

    def close(self) -> None:
        """Stop the child if it still runs (results not yet asked for are lost)."""
        if self._child is not None:
            self._child.stop()
            self._child = None

    def _start(self) -> None:
        pending = self._calls[len(self._outcomes):]
        if pending:
            self._child = _Child(pending)


class _Child:
    """One forked child serving `calls`, and the thread here that receives its answers."""

    def __init__(self, calls: tuple[BoundedCall, ...]):
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_serve, args=(sender, calls), name=f"woo3d-{calls[0].what}", daemon=True)
        self._process.start()
        sender.close()
        self._receiver = receiver
        self._answers: list[tuple[bool, Any, float]] = []  # (ok, value, when it arrived)
        self._ended = False  # the pipe closed: every answer is in, or the child died
        self._taken = 0
        self._since = time.monotonic()
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, name="woo3d-bounded-reader", daemon=True)
        self._reader.start()
        self.alive_for_more = True

    def next_outcome(self, what: str, limit_s: float) -> tuple[bool, Any]:
        """The next call's (ok, result or exception), waiting at most `limit_s` after the previous answer."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self._answers) > self._taken or self._ended,
                                   timeout=max(0.0, self._since + limit_s - time.monotonic()))
            if len(self._answers) > self._taken:
                ok, value, arrived = self._answers[self._taken]
                self._taken += 1
                self._since = arrived
                return ok, value
            ended = self._ended
        self.alive_for_more = False
        if not ended:
            return False, StageTimeoutError(f"{what} did not finish within {limit_s:g} s and was stopped")
        self._process.join(5)
        return False, ExportError(f"{what} crashed (exit code {self._process.exitcode})")

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._reader.join()
        self._receiver.close()

    def _read(self) -> None:
        while True:
            try:
                ok, value = self._receiver.recv()
            except (EOFError, OSError):
                with self._arrived:
                    self._ended = True
                    self._arrived.notify_all()
                return
            with self._arrived:
                self._answers.append((ok, value, time.monotonic()))
                self._arrived.notify_all()


def _serve(sender: Connection, calls: tuple[BoundedCall, ...]) -> None:
    for call in calls:
        try:
            reply = (True, call.function(*call.args))
        except BaseException as exc:  # everything goes back to the parent, which decides
            reply = (False, exc if _picklable(exc) else ExportError("".join(traceback.format_exception_only(exc)).strip()))
        sender.send(reply)
    sender.close()
    os._exit(0)  # skip the parent's atexit handlers and finalizers, inherited by the fork


def _picklable(exc: BaseException) -> bool:
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return False
    return True
