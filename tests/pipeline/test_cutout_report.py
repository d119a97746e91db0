"""report.json says which cut-out cut the main photo, and carries what the cut-out doubted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import PipelineConfig
from pipeline.generate import generate_assets
from pipeline.generators.local_generator import LocalGenerator
from pipeline.product import ProductInput, SourceImage
from tests.pipeline import synthetic
from tests.pipeline.photos import held_photos
from tests.pipeline.photos.test_cutout import no_weights  # noqa: F401  (fixture)


def _report(photo: synthetic.Photo, tmp_path: Path) -> dict:
    config = PipelineConfig(output_dir=tmp_path, cache_dir=tmp_path / "cache", face_budget=3000, max_texture_size=256)
    product = ProductInput(title="Tote", images=(SourceImage(photo.data, photo.name),))
    generate_assets(product, tmp_path / "out", config, backend=LocalGenerator(max_faces=3000), formats="glb")
    return json.loads((tmp_path / "out" / "report.json").read_text())


def test_a_person_held_tote_reports_the_learned_cut_out_and_the_person_left_out(tmp_path: Path) -> None:
    report = _report(held_photos.tote_held_by_person(), tmp_path)
    assert report["generator_details"]["segmentation"] == "learned"
    assert any(warning.endswith(": a hand or person holding the product was left out of the model")
               for warning in report["warnings"])


def test_a_transparent_photo_reports_the_alpha_cut_out(tmp_path: Path) -> None:
    report = _report(synthetic.tshirt_transparent(), tmp_path)
    assert report["generator_details"]["segmentation"] == "alpha"


@pytest.mark.usefixtures("no_weights")
def test_without_the_model_the_report_says_the_classical_method_cut_it_and_why(tmp_path: Path) -> None:
    report = _report(held_photos.cream_tote_on_white(), tmp_path)
    assert report["generator_details"]["segmentation"] == "classical"
    assert any("the learned cut-out is unavailable" in warning for warning in report["warnings"])
