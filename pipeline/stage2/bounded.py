"""Run native calls that can spin (offline GL renders) in a child process with a time limit.

A call stuck in native code holds the GIL, so neither a thread nor a signal handler in the same
process can stop it; a child process can be killed. The child is the one kept running between
jobs (pipeline.stage2.warm_child: its GL context and shaders already made), the calls pickled to
it; when it is gone, or calls do not pickle, a child forked for them, which inherits them.
Several calls can share one child (one GL context for all of Stage 2's renders), each answered
as it finishes and each bounded by its own limit, while this process does other work.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pipeline.errors import ExportError, StageTimeoutError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from pipeline.stage2.warm_child import WarmChild

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
    """`calls` run one after another in one child, started now; `result(i)` waits for each.

    Each call has `limit_s` seconds from the moment the previous one answered (the first: from
    the start). A call that overruns is reported as StageTimeoutError and one whose forked child
    died as ExportError; the child is killed then (the kept one too), and the calls after it run
    in a freshly forked child when asked for, so one stuck render costs only itself, as if each
    had had a child of its own. A call the kept child died on is asked of a forked one.
    A thread here takes each answer as it comes (a big one would otherwise stall the child
    until asked for). Results are asked for in order; leaving the `with` block (or `close()`)
    kills what still runs.
    """

    def __init__(self, calls: Sequence[BoundedCall], *, limit_s: float):
        self._calls = tuple(calls)
        self._limit_s = limit_s
        self._outcomes: list[tuple[bool, Any]] = []
        self._child: _Child | None = None
        self._children = 0
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
            if outcome is not None:
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
            # The kept child first; after it timed out or went away, a forked one (as if it were the first).
            self._child = _Child(pending, kept=self._children == 0)
            self._children += 1


class _Child:
    """A child serving `calls`, and the thread here that sends them and receives its answers.

    With `kept`, the child kept running between jobs (pipeline.stage2.warm_child) when it can
    take them (it answers, and they pickle); else one forked for them.
    """

    def __init__(self, calls: tuple[BoundedCall, ...], *, kept: bool):
        self._process: multiprocessing.process.BaseProcess | None = None
        self._kept, self._socket, payload = _kept_child(calls) if kept else (None, None, b"")
        if self._socket is not None:
            self._receiver: Connection = _connection(self._socket)
        else:
            context = multiprocessing.get_context("fork")
            receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(target=_serve, args=(sender, calls), name=f"woo3d-{calls[0].what}", daemon=True)
            self._process.start()
            sender.close()
            self._receiver = receiver
        self._answers: list[tuple[bool, Any, float]] = []  # (ok, value, when it arrived)
        self._ended = False  # the pipe closed: every answer is in, or the child died
        self._taken = 0
        self._count = len(calls)
        self._timed_out = False
        self._since = time.monotonic()
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, args=(payload,), name="woo3d-bounded-reader", daemon=True)
        self._reader.start()
        self.alive_for_more = True

    def next_outcome(self, what: str, limit_s: float) -> tuple[bool, Any] | None:
        """The next call's (ok, result or exception), waiting at most `limit_s` after the previous
        answer; None when the kept child went away without answering it (ask a forked one)."""
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
            self._timed_out = True
            return False, StageTimeoutError(f"{what} did not finish within {limit_s:g} s and was stopped")
        if self._process is None:
            return None
        self._process.join(5)
        return False, ExportError(f"{what} crashed (exit code {self._process.exitcode})")

    def stop(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
        elif self._socket is not None:
            if self._kept is not None and (self._timed_out or self._taken < self._count):
                # Stuck in native code, or busy with calls nobody will ask for: nothing else stops it.
                self._kept.kill()
            self._socket.shutdown(socket.SHUT_RDWR)  # wakes the reader
            self._socket.close()
        self._reader.join()
        self._receiver.close()

    def _read(self, payload: bytes) -> None:
        if payload:
            try:
                self._receiver.send_bytes(payload)
            except OSError:
                payload = b""
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


def _kept_child(calls: tuple[BoundedCall, ...]) -> tuple[WarmChild | None, socket.socket | None, bytes]:
    """The kept child, a connection to it and the pickled calls; (None, None, b"") when it
    cannot take them (gone, or the calls do not pickle: a test's local function)."""
    from pipeline.stage2.warm_child import warm_child

    try:
        payload = pickle.dumps(calls, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError):
        return None, None, b""
    kept = warm_child()
    connected = kept.connect() if kept is not None else None
    return (kept, connected, payload) if connected is not None else (None, None, b"")


def _connection(connected: socket.socket) -> Connection:
    """A multiprocessing Connection on its own copy of `connected` (shutting `connected` down wakes it)."""
    from multiprocessing.connection import Connection

    return Connection(os.dup(connected.fileno()))


def _serve(sender: Connection, calls: tuple[BoundedCall, ...]) -> None:
    from pipeline.stage2.warm_child import answer

    for call in calls:
        sender.send(answer(call))
    sender.close()
    os._exit(0)  # skip the parent's atexit handlers and finalizers, inherited by the fork
