"""A native call that never returns is stopped at its time limit; anything else comes back as it was."""

from __future__ import annotations

import multiprocessing
import re

import pytest

from pipeline.errors import ExportError, MeshError, StageTimeoutError
from pipeline.stage2.bounded import BoundedCall, BoundedCalls, run_with_time_limit


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
    import os

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


def test_a_child_started_before_its_calls_answers_them_in_order() -> None:
    with BoundedCalls.waiting(limit_s=30, warm_up=lambda: None) as running:
        running.give([BoundedCall("sorting", sorted, ([3, 1, 2],)), BoundedCall("summing", sum, ([1, 2, 3],))])
        assert running.result(0) == [1, 2, 3]
        assert running.result(1) == 6
    assert multiprocessing.active_children() == []


def test_a_child_started_early_still_stops_a_stuck_call_at_its_limit() -> None:
    with BoundedCalls.waiting(limit_s=1, warm_up=lambda: None) as running:
        running.give([BoundedCall("the spin", spin_holding_the_gil), BoundedCall("summing", sum, ([1, 2, 3],))])
        with pytest.raises(StageTimeoutError, match="the spin did not finish within 1 s"):
            running.result(0)
        assert running.result(1) == 6
    assert multiprocessing.active_children() == []


def test_a_warm_up_stuck_in_native_code_costs_the_first_call_its_limit_and_no_more() -> None:
    """The child never reads its calls; the first is stopped at its limit, the rest run in a fresh child."""
    with BoundedCalls.waiting(limit_s=1, warm_up=spin_holding_the_gil) as running:
        running.give([BoundedCall("the poster render", sorted, ([3, 1, 2],)), BoundedCall("summing", sum, ([1, 2, 3],))])
        with pytest.raises(StageTimeoutError, match="the poster render did not finish within 1 s"):
            running.result(0)
        assert running.result(1) == 6
    assert multiprocessing.active_children() == []


def test_a_failed_warm_up_leaves_the_calls_to_answer() -> None:
    def no_context() -> None:
        raise ExportError("no EGL")

    with BoundedCalls.waiting(limit_s=30, warm_up=no_context) as running:
        running.give([BoundedCall("sorting", sorted, ([3, 1, 2],))])
        assert running.result(0) == [1, 2, 3]


def test_the_limit_runs_from_when_the_calls_are_given_not_from_the_fork() -> None:
    """A child that waited longer than its limit for the mesh still gives each call its whole limit."""
    import time

    with BoundedCalls.waiting(limit_s=1, warm_up=lambda: None) as running:
        time.sleep(1.5)
        running.give([BoundedCall("a short render", time.sleep, (0.3,))])
        assert running.result(0) is None


def test_a_waiting_child_not_given_calls_is_stopped_on_leaving_the_block() -> None:
    with BoundedCalls.waiting(limit_s=30, warm_up=lambda: None):
        assert len(multiprocessing.active_children()) == 1
    assert multiprocessing.active_children() == []
