"""pipeline.generate.generate_assets: photos in, valid GLB/USDZ, poster, preview and report out."""

from __future__ import annotations

from pathlib import Path

import pytest
import trimesh

from pipeline.backends import GeneratedMesh, Progress, no_progress
from pipeline.config import PipelineConfig
from pipeline.errors import ImageError, NeedsImageError, PermanentPipelineError
from pipeline.generate import generate_assets
from pipeline.product import Dimensions, ProductInput, SourceImage
from tests.conftest import PHOTOS
from tests.pipeline import synthetic
from tests.pipeline.meshes import textured_sphere
from tests.validators import validate_glb, validate_usdz

CONFIG = PipelineConfig(face_budget=8_000, max_texture_size=512)
REAL_PHOTOS = sorted(PHOTOS.glob("*.jpg")) + sorted(PHOTOS.glob("*.png"))


def _product(*images: bytes, **fields: object) -> ProductInput:
    return ProductInput(images=tuple(SourceImage(data, f"photo{i}") for i, data in enumerate(images)), **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("photo", [synthetic.hoodie_on_white, synthetic.mug_on_white, synthetic.tshirt_transparent])
def test_product_photo_becomes_valid_faithful_outputs(photo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = generate_assets(_product(photo().data, title="Thing"), tmp_path, CONFIG)
    assert validate_glb(result.files["glb"]) == []
    assert validate_usdz(result.files["usdz"]) == []
    loaded = trimesh.load(result.uncompressed_glb, file_type="glb", force="mesh")
    assert len(loaded.faces) == result.quality.faces <= CONFIG.face_budget
    assert result.quality.silhouette_iou is not None and result.quality.silhouette_iou >= 0.9
    assert result.quality.watertight and result.quality.score >= 85
    assert result.generator == "local"
    assert {p.name for p in tmp_path.iterdir()} >= {"model.glb", "model.usdz", "poster.png", "report.json", "preview.html"}


@pytest.mark.parametrize("path", REAL_PHOTOS, ids=lambda p: p.name)
def test_real_product_photos_generate(path: Path, tmp_path: Path) -> None:
    config = PipelineConfig(face_budget=3_000, max_texture_size=256, formats=("glb",))
    result = generate_assets(_product(path.read_bytes()), tmp_path, config)
    assert validate_glb(result.files["glb"]) == []
    assert result.quality.silhouette_iou is not None and result.quality.silhouette_iou >= 0.9
    assert result.quality.watertight


def test_front_and_back_photos_with_dimensions(tmp_path: Path) -> None:
    product = _product((PHOTOS / "solidus_tshirt.jpg").read_bytes(), (PHOTOS / "solidus_tshirt_back.jpg").read_bytes(),
                       dimensions=Dimensions.parse("50x70x4cm"))
    result = generate_assets(product, tmp_path, CONFIG)
    assert result.report["generator_details"]["back"] == "second photo"
    assert result.dimensions_m is not None and result.dimensions_m.height_m == pytest.approx(0.7)
    assert validate_usdz(result.files["usdz"]) == []


def test_formats_can_be_given_as_text(tmp_path: Path) -> None:
    result = generate_assets(_product(synthetic.mug_on_white().data), tmp_path, CONFIG, formats="stl,obj")
    assert list(result.files) == ["glb", "stl", "obj"]


def test_timings_cover_generation_and_stage2(tmp_path: Path) -> None:
    result = generate_assets(_product(synthetic.mug_on_white().data), tmp_path, CONFIG, formats=("glb",))
    assert result.timings_s["generate"] > 0
    assert result.timings_s["total"] >= result.timings_s["generate"] + result.timings_s["poster"]


def test_progress_covers_both_parts_in_order(tmp_path: Path) -> None:
    seen: list[tuple[str, float]] = []
    generate_assets(_product(synthetic.mug_on_white().data), tmp_path, CONFIG, formats=("glb",),
                    progress=lambda stage, fraction: seen.append((stage, fraction)))
    fractions = [fraction for _, fraction in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert seen[0][0] == "segmenting" and any(stage == "rendering poster" for stage, _ in seen)


class _FakeBackend:
    """A backend that returns a fixed textured mesh, as a remote generator would."""

    name = "fake"

    def generate(self, product: ProductInput, progress: Progress = no_progress) -> GeneratedMesh:
        progress("remote", 1.0)
        return GeneratedMesh(mesh=textured_sphere(3), generator=self.name)


def test_any_backend_goes_through_stage2_and_is_measured_against_the_photo(tmp_path: Path) -> None:
    result = generate_assets(_product(synthetic.tshirt_transparent().data), tmp_path, CONFIG, backend=_FakeBackend())
    assert result.generator == "fake"
    # A sphere is not a t-shirt: Stage 2 finds the photo's mask itself and says so.
    assert result.quality.silhouette_iou is not None and result.quality.silhouette_iou < 0.9


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not a photo", "not an image"),
        (synthetic.mug_on_white().data[:600], "truncated or corrupt"),
        (synthetic.png_header_only(11_000, 11_000), "decompression bomb"),
        (synthetic.png_header_only(1, 1), "1×1 px is too small"),
        (synthetic.blank(), "no product found: the image is all background"),
    ],
    ids=["not-an-image", "truncated", "bomb", "one-pixel", "all-background"],
)
def test_bad_photo_is_a_clear_image_error(data: bytes, message: str, tmp_path: Path) -> None:
    with pytest.raises(ImageError, match=message):
        generate_assets(_product(data), tmp_path / "out", CONFIG)
    assert not (tmp_path / "out").exists()


def test_product_without_images_needs_an_image(tmp_path: Path) -> None:
    with pytest.raises(NeedsImageError, match="needs a product photo"):
        generate_assets(ProductInput(title="Gift card", description="A card"), tmp_path, CONFIG)


@pytest.mark.parametrize("budget", [0, 12, 10**9])
def test_absurd_face_budget_is_refused_before_any_work(budget: int, tmp_path: Path) -> None:
    class Untouchable:
        name = "untouchable"

        def generate(self, product: ProductInput, progress: Progress = no_progress) -> GeneratedMesh:
            raise AssertionError("the generator ran")

    with pytest.raises(PermanentPipelineError, match="face budget .* is out of range"):
        generate_assets(_product(b"x"), tmp_path, PipelineConfig(face_budget=budget), backend=Untouchable())
