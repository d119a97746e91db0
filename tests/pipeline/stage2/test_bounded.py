"""A native call that never returns is stopped at its time limit; anything else comes back as it was,
from the child kept between jobs (reused, shared with work-horses, replaced when it dies or hangs)."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
from multiprocessing.connection import Connection

import pytest

from pipeline.errors import ExportError, MeshError, StageTimeoutError
from pipeline.stage2 import warm_child
from pipeline.stage2.bounded import BoundedCall, BoundedCalls, run_with_time_limit
from pipeline.stage2.poster import render_front_view
from tests.pipeline.meshes import textured_sphere


def spin_holding_the_gil() -> None:
    """Catastrophic backtracking: native code that holds the GIL for longer than anyone waits."""
    re.match(r"(a+)+$", "a" * 64 + "b")


def test_a_result_comes_back_from_the_child() -> None:
    assert run_with_time_limit(sorted, [3, 1, 2], limit_s=30, what="sorting") == [1, 2, 3]


def test_the_childs_error_is_raised_here() -> None:
    def refuse() -> None:
        raise MeshError("no triangles")

    with pytest.raises(MeshError, match="no triangles"):
        run_with_time_limit(refuse, limit_s=30, what="loading")


def test_a_call_stuck_in_native_code_is_stopped_and_leaves_no_process() -> None:
    with pytest.raises(StageTimeoutError, match="the spin did not finish within 1 s"):
        run_with_time_limit(spin_holding_the_gil, limit_s=1, what="the spin")
    assert multiprocessing.active_children() == []


def test_a_child_that_dies_without_answering_is_an_export_error() -> None:
    with pytest.raises(ExportError, match="crashed"):
        run_with_time_limit(os._exit, 3, limit_s=30, what="the render")


def test_calls_sharing_a_child_answer_in_order_and_a_stuck_one_costs_only_itself() -> None:
    """The renders after a stopped one run in a fresh child, as if each had had its own."""
    calls = [BoundedCall("sorting", sorted, ([3, 1, 2],)), BoundedCall("the spin", spin_holding_the_gil),
             BoundedCall("summing", sum, ([1, 2, 3],))]
    with BoundedCalls(calls, limit_s=1) as running:
        assert running.result(0) == [1, 2, 3]
        with pytest.raises(StageTimeoutError, match="the spin did not finish within 1 s"):
            running.result(1)
        assert running.result(2) == 6
    assert multiprocessing.active_children() == []


def test_leaving_the_block_stops_calls_not_asked_for() -> None:
    with BoundedCalls([BoundedCall("the spin", spin_holding_the_gil)], limit_s=30):
        pass
    assert multiprocessing.active_children() == []


def served_by() -> int:
    return os.getpid()


def contexts_made() -> int:
    """How many GL contexts this process has made (pipeline.stage2.poster makes one per process)."""
    from pipeline.stage2 import poster

    return poster._context.cache_info().misses


def exit_if_kept() -> str:
    if warm_child._serving:
        os._exit(1)
    return "a forked child"


def test_later_calls_are_served_by_the_same_kept_child_with_its_gl_context_made_once() -> None:
    first = run_with_time_limit(served_by, limit_s=30, what="asking")
    render_front_view(textured_sphere(3), time_limit_s=30)
    render_front_view(textured_sphere(3), time_limit_s=30)
    assert run_with_time_limit(served_by, limit_s=30, what="asking") == first != os.getpid()
    assert run_with_time_limit(contexts_made, limit_s=30, what="counting") == 1


def _report_server(pipe: Connection) -> None:
    pipe.send(run_with_time_limit(served_by, limit_s=30, what="asking"))
    os._exit(0)


def test_a_forked_work_horse_is_served_by_its_parents_kept_child() -> None:
    kept = run_with_time_limit(served_by, limit_s=30, what="asking")
    receiver, sender = multiprocessing.Pipe(duplex=False)
    horse = multiprocessing.get_context("fork").Process(target=_report_server, args=(sender,))
    horse.start()
    assert receiver.recv() == kept
    horse.join(30)


def test_a_kept_child_that_died_is_forked_again() -> None:
    dead = run_with_time_limit(served_by, limit_s=30, what="asking")
    os.kill(dead, signal.SIGKILL)
    assert run_with_time_limit(served_by, limit_s=30, what="asking") not in (dead, os.getpid())
    again = run_with_time_limit(served_by, limit_s=30, what="asking")
    assert run_with_time_limit(served_by, limit_s=30, what="asking") == again not in (dead, os.getpid())


def test_a_call_the_kept_child_dies_on_is_asked_of_a_forked_one() -> None:
    assert run_with_time_limit(exit_if_kept, limit_s=30, what="the render") == "a forked child"


def test_a_stuck_kept_child_is_killed_and_the_next_job_gets_a_fresh_one() -> None:
    stuck = run_with_time_limit(served_by, limit_s=30, what="asking")
    with pytest.raises(StageTimeoutError):
        run_with_time_limit(spin_holding_the_gil, limit_s=1, what="the spin")
    with pytest.raises(ProcessLookupError):
        os.kill(stuck, 0)
    assert run_with_time_limit(served_by, limit_s=30, what="asking") not in (stuck, os.getpid())
