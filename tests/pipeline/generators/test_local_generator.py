"""pipeline.generators.local_generator: a watertight, textured pillow whose front silhouette is the photo's."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.backends import GeneratorBackend
from pipeline.errors import ImageError, NeedsImageError
from pipeline.generators.local_generator import LocalGenerator
from pipeline.stage2.mesh_repair import geometry_only
from pipeline.stage2.poster import render_front_view, render_view
from pipeline.product import Dimensions, ProductInput, SourceImage
from pipeline.stage2.quality import silhouette_iou
from tests.pipeline import synthetic


def _product(*photos: synthetic.Photo, **fields: object) -> ProductInput:
    return ProductInput(images=tuple(SourceImage(p.data, p.name) for p in photos), **fields)  # type: ignore[arg-type]


def test_it_is_a_generator_backend_named_local() -> None:
    backend: GeneratorBackend = LocalGenerator()
    assert backend.name == "local"


def test_no_image_needs_an_image() -> None:
    with pytest.raises(NeedsImageError, match="needs a product photo"):
        LocalGenerator().generate(ProductInput(title="Gift card"))


def test_bad_main_photo_is_an_image_error() -> None:
    with pytest.raises(ImageError, match="front.jpg: not an image"):
        LocalGenerator().generate(ProductInput(images=(SourceImage(b"GIF89a-not-really", "front.jpg"),)))


@pytest.mark.parametrize("photo", [synthetic.hoodie_on_white, synthetic.mug_on_white, synthetic.tshirt_transparent])
def test_mesh_is_closed_outward_and_textured(photo) -> None:  # type: ignore[no-untyped-def]
    generated = LocalGenerator(resolution=96).generate(_product(photo()))
    mesh = generated.mesh
    surface = geometry_only(mesh)
    assert surface.is_watertight and surface.is_winding_consistent
    assert mesh.volume > 0
    assert mesh.visual.uv.min() >= 0 and mesh.visual.uv.max() <= 1
    assert mesh.visual.material.baseColorTexture is not None
    assert mesh.visual.material.metallicFactor == 0.0
    assert generated.generator == "local" and generated.source_mask is not None


@pytest.mark.parametrize("photo", [synthetic.hoodie_on_white, synthetic.mug_on_white, synthetic.tshirt_transparent])
def test_front_silhouette_matches_the_photo(photo) -> None:  # type: ignore[no-untyped-def]
    drawn = photo()
    mesh = LocalGenerator(resolution=128).generate(_product(drawn)).mesh
    assert silhouette_iou(drawn.truth, render_front_view(mesh).mask) >= 0.9


def test_front_is_textured_with_the_photo_upright() -> None:
    mesh = LocalGenerator(resolution=96).generate(_product(synthetic.mug_on_white())).mesh
    view = render_front_view(mesh)
    red = (view.rgb[..., 0] > 150) & (view.rgb[..., 1] < 80)
    assert red[view.mask].mean() > 0.7
    # The handle is on the left in the photo, so it is on the left of the model.
    left = view.mask[:, : view.mask.shape[1] // 4]
    assert left.any()


def test_depth_is_a_sensible_fraction_of_the_size() -> None:
    mesh = LocalGenerator(resolution=96).generate(_product(synthetic.hoodie_on_white())).mesh
    width, height, depth = mesh.extents
    assert 0.1 <= depth / max(width, height) <= 0.3


def test_known_dimensions_set_the_depth_ratio() -> None:
    product = _product(synthetic.mug_on_white(), dimensions=Dimensions(0.12, 0.1, 0.09))
    width, height, depth = LocalGenerator(resolution=96).generate(product).mesh.extents
    assert depth / max(width, height) > 0.45


def test_a_back_photo_textures_the_back_from_an_atlas() -> None:
    generated = LocalGenerator(resolution=96).generate(
        _product(synthetic.hoodie_on_white(), synthetic.hoodie_back_on_white()))
    mesh = generated.mesh
    assert generated.metadata["back"] == "the back photo (image 1)"
    centres_z = mesh.vertices[mesh.faces].mean(axis=1)[:, 2]
    face_u = mesh.visual.uv[mesh.faces][:, :, 0]
    assert (face_u[centres_z > 0] <= 0.5 + 1e-9).all()
    assert (face_u[centres_z < 0] >= 0.5 - 1e-9).all()
    assert geometry_only(mesh).is_watertight


def test_unusable_second_photo_falls_back_to_the_plain_back() -> None:
    product = ProductInput(images=(SourceImage(synthetic.mug_on_white().data), SourceImage(b"junk", "back.jpg")))
    generated = LocalGenerator(resolution=64).generate(product)
    assert str(generated.metadata["back"]).startswith("the front's material and colours")
    assert "back.jpg: not an image" in generated.warnings[0]


@pytest.mark.parametrize("second", [synthetic.hoodie_worn_close_up, synthetic.mug_on_white])
def test_a_second_image_that_is_no_back_is_not_pasted_on_the_back(second) -> None:  # type: ignore[no-untyped-def]
    """A close-up of someone wearing the hoodie, or another product, never becomes its back: from
    behind the hoodie is plain dark cloth (no skin, no logo, no red), and report.json says why."""
    generated = LocalGenerator(resolution=96).generate(_product(synthetic.hoodie_on_white(), second()))
    back = render_view(generated.mesh, "back", longest_side=256)
    assert _white_logo_pixels(back) < 10
    assert np.median(back.rgb[back.mask], axis=0).max() < 80
    decision = generated.metadata["gallery"][1]  # type: ignore[index]
    assert decision["used_for"] is None and decision["view"] != "back" and decision["reasons"]


def _white_logo_pixels(view: object) -> int:
    rgb, mask = view.rgb, view.mask  # type: ignore[attr-defined]
    return int(((rgb.min(axis=-1) > 200) & mask).sum())


def test_one_photo_puts_no_mirrored_print_on_the_back() -> None:
    """The hoodie's white chest logo is on its front; from behind a shopper sees plain dark cloth."""
    mesh = LocalGenerator(resolution=96).generate(_product(synthetic.hoodie_on_white())).mesh
    front = render_view(mesh, "front", longest_side=256)
    back = render_view(mesh, "back", longest_side=256)
    assert _white_logo_pixels(front) > 150
    assert _white_logo_pixels(back) < 10
    # The back is the hoodie's own dark colour, as at the front's seams.
    assert np.median(back.rgb[back.mask], axis=0).max() < 80


def test_a_print_free_product_looks_whole_from_behind() -> None:
    """A plain mug's back shows the same red as its front (nothing was taken away)."""
    drawn = synthetic.plain_mug_on_white()
    generated = LocalGenerator(resolution=96).generate(_product(drawn))
    front = render_view(generated.mesh, "front", longest_side=256)
    back = render_view(generated.mesh, "back", longest_side=256)
    assert np.abs(np.median(front.rgb[front.mask], axis=0) - np.median(back.rgb[back.mask], axis=0)).max() < 8
    assert "shows no print" in str(generated.metadata["back"])


def test_face_target_lowers_the_grid() -> None:
    product = _product(synthetic.hoodie_on_white())
    small = LocalGenerator(max_faces=5_000).generate(product).mesh
    large = LocalGenerator(max_faces=50_000).generate(product).mesh
    assert len(small.faces) < 2 * 5_000 and len(large.faces) > 3 * len(small.faces)


def test_progress_is_reported() -> None:
    seen: list[tuple[str, float]] = []
    LocalGenerator(resolution=64).generate(_product(synthetic.mug_on_white()), progress=lambda s, f: seen.append((s, f)))
    assert seen[0][0] == "segmenting" and seen[-1][1] == 1.0
    assert [f for _, f in seen] == sorted(f for _, f in seen)


@pytest.mark.parametrize("option", [{"resolution": 8}, {"depth_ratio": 0.0}])
def test_bad_options_are_refused(option: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        LocalGenerator(**option)  # type: ignore[arg-type]


def test_uv_sample_the_product_not_the_background() -> None:
    drawn = synthetic.tshirt_transparent()
    mesh = LocalGenerator(resolution=96).generate(_product(drawn)).mesh
    texture = np.asarray(mesh.visual.material.baseColorTexture.convert("RGB"))
    h, w = texture.shape[:2]
    uv = mesh.visual.uv
    pixels = texture[((1 - uv[:, 1]) * (h - 1)).round().astype(int), (uv[:, 0] * (w - 1)).round().astype(int)]
    # Under the alpha the photo is green; no vertex may show it.
    assert not ((pixels[:, 1] > 200) & (pixels[:, 0] < 50)).any()
