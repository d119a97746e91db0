"""pipeline.stage2.warm_child: the kept render child holds nothing of its owner's but what it serves on."""

from __future__ import annotations

import os
import select
import socket

from pipeline.stage2.warm_child import WarmChild


def test_a_pipe_and_a_socket_opened_before_the_child_still_end_when_their_owner_closes_them() -> None:
    """A browser driver reading its input waits for EOF, a server for its client to hang up: a copy
    kept in the child would make both wait as long as the worker lives."""
    reader, writer = os.pipe()
    ours, theirs = socket.socketpair()
    child = WarmChild()
    try:
        assert child.answers_within(10)  # serving: past whatever it does first
        os.close(writer)
        ours.close()
        readable, _, _ = select.select([reader, theirs], [], [], 10)
        assert set(readable) == {reader, theirs}, "a copy kept in the child holds them open"
        assert os.read(reader, 1) == b"" and theirs.recv(1) == b""
        assert child.running() and child.answers_within(10)  # what it serves on is intact
    finally:
        child.stop()
        os.close(reader)
        theirs.close()
