"""pipeline.generate.generate_assets: photos in, valid GLB/USDZ, poster, preview and report out."""

from __future__ import annotations

from pathlib import Path

import pytest
import trimesh
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.backends import GeneratedMesh, Progress, no_progress
from pipeline.config import PUBLISH_MIN_SCORE, PipelineConfig
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
    # Published without review; "Thing" names no class, so a photo that shows none either is the
    # inflated fallback, whose guessed sides keep it under a full score.
    assert result.quality.watertight and result.quality.score >= PUBLISH_MIN_SCORE
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
    assert result.report["generator_details"]["back"] == "the back photo (image 1)"
    assert result.dimensions_m is not None and result.dimensions_m.height_m == pytest.approx(0.7)
    assert validate_usdz(result.files["usdz"]) == []


def test_formats_can_be_given_as_text(tmp_path: Path) -> None:
    result = generate_assets(_product(synthetic.mug_on_white().data), tmp_path, CONFIG, formats="stl,obj")
    assert list(result.files) == ["glb", "stl", "obj"]


def test_an_opaque_photo_is_cut_out_by_the_network_once(tmp_path: Path, network_runs: list[int]) -> None:
    """The generator's cut-out and the score's independent one are the same computation on the same
    pixels: the network's answer is reused, and the score still has both of its cut-outs."""
    result = generate_assets(_product((PHOTOS / "ruby_mug.jpg").read_bytes()), tmp_path, CONFIG, formats=("glb",))
    assert len(network_runs) == 1
    assert result.report["generator_details"]["segmentation"] == "learned"
    assert "cutout_agreement" in result.quality.terms and "cutout" in result.quality.terms


def test_a_whole_gallery_is_cut_out_by_the_network_once_an_image(tmp_path: Path, network_runs: list[int]) -> None:
    """Eight images: each is read for its view once, the back photo is not cut out again to be
    used, and the main photo's answer is still kept for the score."""
    from pipeline.photos.views import MAX_GALLERY_IMAGES

    front, back = (PHOTOS / "solidus_tshirt.jpg").read_bytes(), (PHOTOS / "solidus_tshirt_back.jpg").read_bytes()
    others = [synthetic.noise(seed=seed) for seed in range(MAX_GALLERY_IMAGES - 2)]
    result = generate_assets(_product(front, back, *others), tmp_path, CONFIG, formats=("glb",))
    assert result.report["generator_details"]["back"] == "the back photo (image 1)"
    assert len(network_runs) == MAX_GALLERY_IMAGES


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


def _studio_photo(aspect: float) -> bytes:
    """A shaded cylinder-like product of the given width/height on a light studio background."""
    import io

    import numpy as np
    from PIL import Image

    side = 480
    width, height = (400, max(12, round(400 / aspect))) if aspect >= 1 else (max(12, round(400 * aspect)), 400)
    pixels = np.full((side, side, 3), 236, dtype=np.uint8)
    across = np.linspace(-1, 1, width)
    shade = (0.35 + 0.65 * np.sqrt(1 - across**2))[None, :, None]
    top, left = (side - height) // 2, (side - width) // 2
    pixels[top:top + height, left:left + width] = (np.array([190, 40, 50]) * shade).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.mark.timeout(900)
@given(
    size_m=st.tuples(*[st.floats(0.001, 5.0)] * 3),
    aspect=st.floats(0.05, 20.0),
)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_size_and_shape_finishes_with_a_poster(size_m, aspect, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """From a 1 mm charm to a 5 m rug, any proportions: generation ends, renders included (no render stopped)."""
    config = PipelineConfig(face_budget=2_000, max_texture_size=128, formats=("glb",), render_time_limit_s=120)
    out = tmp_path / f"{aspect:.4f}-{'x'.join(f'{v:.4f}' for v in size_m)}"
    result = generate_assets(_product(_studio_photo(aspect), dimensions=Dimensions(*size_m)), out, config)
    assert result.poster is not None and result.poster.stat().st_size > 0
    assert not [w for w in result.warnings if "did not finish" in w or "not measured" in w]
    assert result.quality.silhouette_iou is not None
@pytest.mark.parametrize("name", ["mug", "shoebox", "card", "tote", "plush"])
def test_every_shape_class_exports_valid_glb_and_usdz_at_its_true_size(name: str, tmp_path: Path) -> None:
    from tests.pipeline.known_products import by_name

    known = by_name(name)
    result = generate_assets(known.product_input(), tmp_path, CONFIG)
    assert validate_glb(result.files["glb"]) == [] and validate_usdz(result.files["usdz"]) == []
    assert result.quality.watertight and result.quality.faces <= CONFIG.face_budget
    assert result.report["generator_details"]["shape"]["shape"] == known.shape
    assert result.report["dimensions_source"] == "store"
    size = result.dimensions_m
    assert size is not None
    truth = known.truth.extents
    assert (size.width_m, size.height_m, size.depth_m) == pytest.approx(tuple(truth), rel=0.02)


def test_the_preview_page_says_which_shape_was_built_and_why(tmp_path: Path) -> None:
    from tests.pipeline.known_products import by_name

    result = generate_assets(by_name("shoebox").product_input(), tmp_path, CONFIG)
    page = result.preview.read_text()
    assert "<dt>Shape</dt><dd>box (the title says &#x27;box&#x27;" in page


@pytest.mark.parametrize("name", ["plate", "shoebox", "cap"])
def test_a_product_photographed_from_above_is_not_taken_for_squashed(name: str, tmp_path: Path) -> None:
    """A catalogue shot from 15° above shows a plate's, a box's, a visor's top: the model's front,
    seen from the camera the generator read, has the photo's proportions (a plate's front head on
    is 0.26 of them)."""
    from tests.pipeline.known_products import by_name

    result = generate_assets(by_name(name).product_input(), tmp_path, CONFIG, formats=("glb",))
    assert result.quality.terms["proportions"] == 1.0
    assert result.report["generator_details"]["camera_elevation_deg"] > 5
