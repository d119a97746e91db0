"""CPU time of a process tree, for benchmarks whose work runs in other processes (gunicorn's workers,
a work-horse, the kept render child and node)."""

from __future__ import annotations

import psutil

__all__ = ["tree_cpu_seconds"]


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds so far of `pid` and its live descendants, each with the children it has reaped
    (a recycled gunicorn worker, a finished work-horse): the difference of two calls is what the
    whole tree spent between them."""
    total = 0.0
    root = psutil.Process(pid)
    for process in (root, *root.children(recursive=True)):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:  # ended meanwhile: its reaper counts it next time
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total
