"""node with glTF Transform loaded once, kept running to compress every GLB this process (and the work-horses it forks) serves.

Loading glTF Transform, sharp and the encoders costs node about 0.35 s of CPU, more than
compressing a typical model; a job that started node afresh paid it every time. The served node
(`compress_glb.mjs --serve`) listens on a Unix socket, one request per connection, so a work-horse
forked after it started uses it too; it exits when the process that started it ends (its stdin
closes). A request that finds it gone is answered None, and the caller runs node on its own.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import socket
import subprocess
import time
from pathlib import Path

from pipeline.stage2.kept import KeptProcess

__all__ = ["NodeExited", "NodeRequest", "WarmNode", "warm_node"]

# Loading the packages takes well under a second; a node that has not said "ready" by then is stuck.
_READY_TIMEOUT_S = 60.0

_warm: WarmNode | None = None


class NodeExited(Exception):
    """node exited (or hung) before it was ready to serve: its exit code (-1: still running, killed) and stderr."""

    def __init__(self, returncode: int, stderr: str):
        super().__init__(f"node exited with {returncode}")
        self.returncode, self.stderr = returncode, stderr


def warm_node(node: str, script: Path) -> WarmNode:
    """This process's served node, started now when it has none (or its own stopped).

    One inherited from the process that forked this one is returned as it is (a request to it
    answers None if it is gone). Raises NodeExited when node cannot load the script's packages.
    """
    global _warm
    if _warm is not None and (_warm.owner != os.getpid() or (_warm.node == node and _warm.running())):
        return _warm
    if _warm is not None and _warm.owner == os.getpid():
        _warm.stop()
    _warm = WarmNode(node, script)
    return _warm


class WarmNode(KeptProcess):
    """`node script --serve SOCKET`, started now and waited for until it has loaded its packages.

    Raises NodeExited when it exits (or is not ready within _READY_TIMEOUT_S) instead.
    """

    def __init__(self, node: str, script: Path):
        super().__init__("woo3d-node-")
        self.node = node
        self.socket_path = self._dir / "compress.sock"
        self._stderr = self._dir / "stderr.txt"
        with self._stderr.open("w") as stderr:
            self._process = subprocess.Popen(
                [node, str(script), "--serve", str(self.socket_path)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
            )
        assert self._process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            ready = selector.select(_READY_TIMEOUT_S) and self._process.stdout.readline() == b"ready\n"
        if not ready:
            returncode = self._process.poll()
            stderr = self._stderr.read_text(errors="replace")
            self.stop()
            raise NodeExited(-1 if returncode is None else returncode, stderr)
        atexit.register(self.stop)

    @property
    def pid(self) -> int:
        return self._process.pid

    def running(self) -> bool:
        return self._process.poll() is None

    def request(self, method: str, source: Path, target: Path) -> NodeRequest | None:
        """Ask node to compress `source` into `target` with `method`; None when it does not answer the door."""
        return self._send({"method": method, "input": str(source), "output": str(target)})

    def answers_within(self, timeout_s: float) -> bool:
        """Whether node answers a ping within `timeout_s` (it is not stuck on a GLB a stopped job left)."""
        ping = self._send({"method": "ping"})
        if ping is None:
            return False
        try:
            return ping.reply(time.monotonic() + timeout_s, kill_when_late=False) is None
        except (TimeoutError, ConnectionError, ValueError):
            return False

    def _send(self, message: dict[str, str]) -> NodeRequest | None:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(str(self.socket_path))
            connection.sendall(json.dumps(message).encode() + b"\n")
        except OSError:
            connection.close()
            return None
        return NodeRequest(connection, self)

    def _end(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()


class NodeRequest:
    """One compression node is working on: `reply(deadline)` waits for its answer."""

    def __init__(self, connection: socket.socket, node: WarmNode):
        self._connection, self._node = connection, node

    def reply(self, deadline: float, *, kill_when_late: bool = True) -> str | None:
        """None when node compressed the GLB, else its error. Raises TimeoutError at `deadline`
        (time.monotonic()), node killed then unless `kill_when_late` is False (the next job starts
        it again or runs its own), and ConnectionError when node went away without answering."""
        received = b""
        try:
            while not received.endswith(b"\n"):
                self._connection.settimeout(max(0.001, deadline - time.monotonic()))
                try:
                    chunk = self._connection.recv(65536)
                except TimeoutError:
                    if kill_when_late:
                        self.kill()
                    raise
                if not chunk:
                    raise ConnectionError("node closed the connection without answering")
                received += chunk
        finally:
            self._connection.close()
        answer = json.loads(received)
        return None if answer.get("ok") else str(answer.get("error") or "no error given")

    def kill(self) -> None:
        """Stop node (it may be stuck on this request) and this request with it."""
        self._connection.close()
        self._node.kill()
