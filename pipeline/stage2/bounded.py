"""Run a native call that can spin (an offline GL render) in a forked child with a time limit.

A call stuck in native code holds the GIL, so neither a thread nor a signal handler in the same
process can stop it; a child process can be killed. The child is forked, so it inherits the
arguments without pickling them and needs no imports of its own; only the result travels back.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from pipeline.errors import ExportError, StageTimeoutError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

T = TypeVar("T")


def run_with_time_limit(function: Callable[..., T], *args: object, limit_s: float, what: str) -> T:
    """`function(*args)` in a forked child; its result, or its exception raised here.

    Raises StageTimeoutError when the child has not answered within `limit_s` seconds (it is
    killed), ExportError when it died without answering.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_serve, args=(sender, function, args), name=f"woo3d-{what}", daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limit_s):
            raise StageTimeoutError(f"{what} did not finish within {limit_s:g} s and was stopped")
        try:
            ok, value = receiver.recv()
        except EOFError:
            child.join(5)
            raise ExportError(f"{what} crashed (exit code {child.exitcode})") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


def _serve(sender: Connection, function: Callable[..., object], args: tuple) -> None:
    try:
        reply = (True, function(*args))
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
