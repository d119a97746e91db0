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
