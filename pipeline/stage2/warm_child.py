"""A child kept running between jobs to answer bounded calls, so its GL context and shaders are made once.

A render child forked per job made its own EGL context and compiled its shaders each time (about
0.3 s of CPU, a third of its work). This one is forked once per process and serves every later
batch of calls, one connection at a time, on a Unix socket in a private directory; a work-horse
forked after it started reaches it there too. The calls travel pickled (a mesh is a few MB, a few
ms). It exits when the process that started it ends. Whoever finds it gone, stuck or unreachable
forks a child of its own for the calls instead (pipeline.stage2.bounded decides that).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import pickle
import socket
import stat
import threading
import traceback
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from pipeline.errors import ExportError
from pipeline.stage2.kept import KeptProcess

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipeline.stage2.bounded import BoundedCall

__all__ = ["WarmChild", "answer", "warm_child"]

_warm: WarmChild | None = None
_serving = False  # True in the kept child


def warm_child() -> WarmChild | None:
    """This process's kept child, forked now when it has none (or its own has stopped); None in
    the kept child itself (its calls must not wait for it).

    One inherited from the process that forked this one is returned as it is: `connect` answers
    None when it is gone.
    """
    global _warm
    if _serving:
        return None
    if _warm is not None and (_warm.owner != os.getpid() or _warm.running()):
        return _warm
    if _warm is not None:
        _warm.stop()
    _warm = WarmChild()
    return _warm


def answer(call: BoundedCall) -> tuple[bool, Any]:
    """(True, `call`'s result), or (False, the exception it raised, as one that survives pickling)."""
    try:
        return True, call.function(*call.args)
    except BaseException as exc:  # everything goes back to the caller, which decides
        return False, exc if _picklable(exc) else ExportError("".join(traceback.format_exception_only(exc)).strip())


class WarmChild(KeptProcess):
    """A forked child answering batches of calls on a Unix socket, until this process ends."""

    def __init__(self) -> None:
        super().__init__("woo3d-calls-")
        self.address = str(self._dir / "calls.sock")
        listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listening.bind(self.address)
        listening.listen()
        context = multiprocessing.get_context("fork")
        inherited = _open_channels() - {0, 1, 2, listening.fileno()}
        self._process = context.Process(target=_serve_forever, args=(listening, inherited), name="woo3d-warm-child",
                                        daemon=True)
        self._process.start()
        listening.close()  # the child alone listens: once it is gone, connecting fails at once
        atexit.register(self.stop)

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    def running(self) -> bool:
        return self._process.is_alive()

    def connect(self) -> socket.socket | None:
        """A connection to the child, or None when it is gone. Send it a batch of pickled calls
        as one message; it sends back one `answer` per call, in order."""
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            client.connect(self.address)
        except OSError:
            client.close()
            return None
        return client

    def answers_within(self, timeout_s: float) -> bool:
        """Whether the child takes an empty batch of calls within `timeout_s` (it is not stuck on
        calls a job left behind when it was killed)."""
        client = self.connect()
        if client is None:
            return False
        with client:
            sender = Connection(os.dup(client.fileno()))
            try:
                sender.send_bytes(pickle.dumps(()))  # small: never blocks
                client.settimeout(timeout_s)
                return client.recv(1) == b""  # it closes the connection once the batch is done
            except OSError:
                return False
            finally:
                sender.close()

    def _end(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()


def _serve_forever(listening: socket.socket, inherited: set[int]) -> None:
    global _serving
    _serving = True
    owner = multiprocessing.parent_process()
    assert owner is not None
    # The sentinel that tells this child its owner ended is new, but it may have the number of a
    # channel another of the owner's threads closed after the listing.
    _release(inherited - {owner.sentinel})
    threading.Thread(target=_exit_with_owner, name="woo3d-owner-watch", daemon=True).start()
    while True:
        client, _ = listening.accept()
        connection = Connection(client.detach())
        try:
            calls: Sequence[BoundedCall] = pickle.loads(connection.recv_bytes())
            for call in calls:
                connection.send(answer(call))
        except (EOFError, OSError):
            pass  # the caller went away (or gave up waiting): its remaining calls are dropped
        finally:
            connection.close()


def _open_channels() -> set[int]:
    """This process's open pipes and sockets, by descriptor."""
    found = set()
    for name in os.listdir("/dev/fd"):
        try:
            mode = os.fstat(int(name)).st_mode
        except OSError:  # the listing's own descriptor, closed by now
            continue
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            found.add(int(name))
    return found


def _release(inherited: set[int]) -> None:
    """Point the pipes and sockets this child got from its owner's past at /dev/null.

    A copy held here would keep them open after their owner closed them, for as long as the owner
    lives: a subprocess never reading the end of its input (a test's browser driver waited for
    that forever), a Redis connection never closing. The descriptors stay taken, so no new file
    reuses a number an inherited object still holds.
    """
    void = os.open(os.devnull, os.O_RDWR)
    for descriptor in inherited:
        try:
            os.dup2(void, descriptor, inheritable=False)
        except OSError:
            continue
    os.close(void)


def _exit_with_owner() -> None:
    """End this child when the process that forked it ends (its forked work-horses too)."""
    from multiprocessing.connection import wait

    owner = multiprocessing.parent_process()
    assert owner is not None
    wait([owner.sentinel])
    os._exit(0)


def _picklable(exc: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return False
    return True
