"""Helpers the job tests share: a small pipeline and the ruby mug product in the fake store."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import PipelineConfig
from tests.conftest import PHOTOS
from tests.fake_store import FakeStore

MUG = (PHOTOS / "ruby_mug.jpg").read_bytes()


def small_pipeline(tmp_path: Path, **overrides: object) -> PipelineConfig:
    """A pipeline small enough for tests: 4,000 faces, 256 px textures, files under tmp_path."""
    return PipelineConfig(output_dir=tmp_path / "out", cache_dir=tmp_path / "cache", face_budget=4000,
                          max_texture_size=256, **overrides)  # type: ignore[arg-type]


def mug_product(store: FakeStore, **fields) -> int:
    return store.add_product(name="Ruby Mug", images=[store.add_image("mug.jpg", MUG)], **fields)["id"]
