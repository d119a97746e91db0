"""Composing progress reports: a part's own 0..1 mapped into the whole, and a whole that never goes back."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.backends import Progress

__all__ = ["MonotonicProgress", "within"]


def within(progress: Progress, start: float, end: float) -> Progress:
    """A sink for one part of a run: the part reports 0..1 of itself, `progress` sees start..end."""

    def report(stage: str, fraction: float) -> None:
        progress(stage, start + (end - start) * min(1.0, max(0.0, fraction)))

    return report


class MonotonicProgress:
    """Passes reports on, never with less than was already reported: a part that starts its own count
    late (the local generator after a failed paid stage) holds the bar instead of pulling it back."""

    def __init__(self, progress: Progress):
        self._progress = progress
        self.fraction = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        self.fraction = max(self.fraction, min(1.0, fraction))
        self._progress(stage, self.fraction)
