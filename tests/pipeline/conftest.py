"""Fixtures shared by the pipeline tests."""

from __future__ import annotations

import functools

import pytest


@pytest.fixture
def network_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the cut-out network's runs (one entry per run), starting with no answers kept."""
    from pipeline.photos import cutout

    session = cutout._session()
    runs: list[int] = []

    class Counting:
        def __getattr__(self, name: str) -> object:
            return getattr(session, name)

        def run(self, *args: object) -> object:
            runs.append(1)
            return session.run(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(cutout, "_session", Counting)
    monkeypatch.setattr(cutout, "_network_answer",
                        functools.lru_cache(maxsize=cutout._RECENT_ANSWERS)(cutout._network_answer.__wrapped__))
    return runs
