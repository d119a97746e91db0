"""The quality score's labelled set: good models and one of each failure kind, with what Stage 2 is given.

Good models are the keyless generator's on real catalogue photos (tests/fixtures/photos), one
with honest dimensions and a shape class, and a hosted-style model that matches its photo. Each
bad one reproduces a failure seen in the field: the generator is handed a wrong cut-out (through
the photo's alpha channel, which it trusts) while Stage 2 judges against the real photo, or the
dimensions squash it, or a hosted generator returns another object, a stand-in or next to nothing.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image

from pipeline.backends import GeneratedMesh
from pipeline.generators.local_generator import LocalGenerator
from pipeline.photos.images import decode_image, fit_within
from pipeline.photos.segmentation import product_mask
from pipeline.product import Dimensions, ProductInput, SourceImage
from tests.pipeline.photos.held_photos import cream_tote_on_white, tote_held_by_person

PHOTOS = Path(__file__).resolve().parents[2] / "fixtures" / "photos"
_GENERATOR = LocalGenerator(resolution=96, max_faces=6_000)


@dataclass(frozen=True)
class Example:
    """One labelled model: its name, whether a merchant would publish it, and how to make it."""

    name: str
    good: bool
    make: Callable[[], tuple[GeneratedMesh, ProductInput]]
    failure: str = ""  # the failure kind a bad example shows


def _photo(name: str) -> bytes:
    return (PHOTOS / name).read_bytes()


def _product(data: bytes, name: str, **fields: object) -> ProductInput:
    return ProductInput(title=name, images=(SourceImage(data, name),), **fields)  # type: ignore[arg-type]


def _local(data: bytes, name: str, **fields: object) -> tuple[GeneratedMesh, ProductInput]:
    product = _product(data, name, **fields)
    return _GENERATOR.generate(product), product


def _cut_wrongly(data: bytes, name: str, mask: np.ndarray, **fields: object) -> tuple[GeneratedMesh, ProductInput]:
    """The keyless generator fed `mask` as the photo's cut-out; Stage 2 is given the real photo."""
    photo = decode_image(data, name)
    alpha = Image.fromarray(mask.astype(np.uint8) * 255).resize(photo.size, Image.Resampling.NEAREST)
    doctored = photo.convert("RGB")
    doctored.putalpha(alpha)
    buffer = io.BytesIO()
    doctored.save(buffer, format="PNG")
    generated = _GENERATOR.generate(_product(buffer.getvalue(), name))
    return generated, _product(data, name, **fields)


def _hosted(generated: GeneratedMesh, generator: str) -> GeneratedMesh:
    """A mesh as a hosted generator returns it: its own name, no cut-out of the photo."""
    return replace(generated, generator=generator, source_mask=None, metadata={})


def _mask_of(data: bytes, name: str) -> np.ndarray:
    return product_mask(fit_within(decode_image(data, name), 512)).mask


def _aspect(data: bytes, name: str) -> float:
    """The product's height over its width in the photo."""
    ys, xs = np.nonzero(_mask_of(data, name))
    return float((np.ptp(ys) + 1) / (np.ptp(xs) + 1))


def good_mug() -> tuple[GeneratedMesh, ProductInput]:
    return _local(_photo("ruby_mug.jpg"), "ruby_mug.jpg")


def good_hoodie_garment_with_size() -> tuple[GeneratedMesh, ProductInput]:
    """The hoodie as a garment with measured dimensions 5% off the photo's proportions."""
    data = _photo("solidus_hoodie_black_1.png")
    size = Dimensions(0.6, 0.6 * _aspect(data, "hoodie") * 1.05, 0.08)
    return _local(data, "solidus_hoodie_black_1.png", dimensions=size, shape="garment")


def good_tshirt_cut_out() -> tuple[GeneratedMesh, ProductInput]:
    """A t-shirt photo that comes cut out already (a transparent background)."""
    return _local(_photo("solidus_tshirt.png"), "solidus_tshirt.png")


def tote_worn_by_a_person() -> tuple[GeneratedMesh, ProductInput]:
    """The catalogue's own tote photo: worn by a person in black whose legs run off the frame, and
    every cut-out (the photo's alpha included) takes them for part of the tote (the field's "99")."""
    return _local(_photo("solidus_tote.png"), "solidus_tote.png")


def good_hoodie() -> tuple[GeneratedMesh, ProductInput]:
    return _local(_photo("solidus_hoodie_black_1.png"), "solidus_hoodie_black_1.png")


def good_cap() -> tuple[GeneratedMesh, ProductInput]:
    return _local(_photo("solidus_cap_black_1.png"), "solidus_cap_black_1.png")


def good_tshirt_front_and_back() -> tuple[GeneratedMesh, ProductInput]:
    front, back = _photo("solidus_tshirt.jpg"), _photo("solidus_tshirt_back.jpg")
    product = ProductInput(title="t-shirt", images=(SourceImage(front, "front.jpg"), SourceImage(back, "back.jpg")),
                           shape="garment")
    return _GENERATOR.generate(product), product


def good_hosted_hoodie() -> tuple[GeneratedMesh, ProductInput]:
    """A hosted model that matches its photo (here the photo's own inflation, as Tripo returns it)."""
    generated, product = good_hoodie()
    return _hosted(generated, "tripo"), product


def good_hosted_hoodie_loose() -> tuple[GeneratedMesh, ProductInput]:
    """A hosted model as Tripo's are: a softer outline (the cut-out grown and rounded) and its own
    blurrier, lighter texture rather than the photo's pixels."""
    from PIL import ImageEnhance, ImageFilter
    from scipy import ndimage

    data = _photo("solidus_hoodie_black_1.png")
    softer = ndimage.gaussian_filter(ndimage.binary_dilation(_mask_of(data, "hoodie"), iterations=10).astype(float), 8) > 0.5
    generated, product = _cut_wrongly(data, "solidus_hoodie_black_1.png", softer)
    mesh = generated.mesh.copy()
    texture = mesh.visual.material.baseColorTexture.filter(ImageFilter.GaussianBlur(6))
    mesh.visual.material.baseColorTexture = ImageEnhance.Brightness(texture).enhance(1.4)
    return _hosted(replace(generated, mesh=mesh), "tripo"), product


def fragmented_cream_tote() -> tuple[GeneratedMesh, ProductInput]:
    """A cream tote on white whose cut-out fell apart into scattered fragments (the field's "93")."""
    photo = cream_tote_on_white()
    mask = photo.truth.copy()
    for at in range(60, mask.shape[0], 42):  # gaps where the low-contrast cut-out lost the canvas
        mask[at: at + 9, :] = False
        mask[:, at: at + 9] = False
    return _cut_wrongly(photo.data, photo.name, mask)


def tote_fused_with_person() -> tuple[GeneratedMesh, ProductInput]:
    """A tote held by a person, cut out together with the person (everything that is not the white sweep)."""
    photo = tote_held_by_person()
    rgb = np.asarray(decode_image(photo.data, photo.name).convert("RGB"))
    return _cut_wrongly(photo.data, photo.name, rgb.min(axis=-1) < 200)


def hoodie_squashed_by_parcel_size() -> tuple[GeneratedMesh, ProductInput]:
    """A hoodie given its parcel's size: as wide as it is, an eighth as tall (the field's "97")."""
    data = _photo("solidus_hoodie_black_1.png")
    size = Dimensions(0.6, 0.6 * _aspect(data, "hoodie") / 8, 0.05)
    return _local(data, "solidus_hoodie_black_1.png", dimensions=size)


def hoodie_with_holes_and_slivers() -> tuple[GeneratedMesh, ProductInput]:
    """A hoodie whose cut-out is pierced by holes and sprouts thin slivers the photo does not show."""
    data = _photo("solidus_hoodie_black_1.png")
    mask = _mask_of(data, "hoodie").copy()
    ys, xs = np.nonzero(mask)
    rows, cols = np.mgrid[: mask.shape[0], : mask.shape[1]]
    rng = np.random.default_rng(16)
    # Holes large enough that the generator's cut-out cleaning (which fills specks) keeps them.
    for _ in range(5):
        i = rng.integers(len(xs))
        mask[(rows - ys[i]) ** 2 + (cols - xs[i]) ** 2 <= 40**2] = False
    for row in range(int(ys.min()) + 40, int(ys.max()) - 40, 36):  # thin spikes out of both sides
        inside = np.nonzero(mask[row])[0]
        if len(inside):
            left, right = int(inside.min()), int(inside.max())
            mask[row: row + 8, max(0, left - 90): left + 4] = True
            mask[row: row + 8, right - 4: right + 90] = True
    return _cut_wrongly(data, "solidus_hoodie_black_1.png", mask)


def round_mug_not_round() -> tuple[GeneratedMesh, ProductInput]:
    """A mug the merchant calls round, built as the inflated pillow (the keyless generator's
    fallback when it finds no round body): seen from above it is a lens, not a disc."""
    data = _photo("ruby_mug.jpg")
    generated = _GENERATOR.generate(_product(data, "ruby_mug.jpg", shape="free-form"))
    return generated, _product(data, "ruby_mug.jpg", shape="round")


def cap_without_texture() -> tuple[GeneratedMesh, ProductInput]:
    """The cap's model with its texture lost: plain grey filler where the photo's colours belong."""
    generated, product = good_cap()
    bare = generated.mesh.copy()
    bare.visual = trimesh.visual.ColorVisuals(bare, vertex_colors=np.full((len(bare.vertices), 4), [204, 204, 204, 255]))
    return replace(generated, mesh=bare), product


def cap_squashed_without_dimensions() -> tuple[GeneratedMesh, ProductInput]:
    """A cap built 0.66 as tall for its width as its photo, with no size given (as a cuffed beanie
    was built as a squat helmet): only the proportions show it."""
    generated, product = good_cap()
    squat = generated.mesh.copy()
    squat.apply_scale([1.0, 0.66, 1.0])
    return replace(generated, mesh=squat), product


def hoodie_with_a_close_up_on_its_back() -> tuple[GeneratedMesh, ProductInput]:
    """The hoodie with its gallery's second image, a close-up of someone wearing it (chin, neck,
    chest, logo), pasted on its back, as the second image used to be (the field's "99")."""
    from tests.pipeline.synthetic import hoodie_worn_close_up

    generated, product = good_hoodie()
    pasted = generated.mesh.copy()
    atlas = pasted.visual.material.baseColorTexture.convert("RGB")  # [front | back]
    half = (atlas.width // 2, atlas.height)
    close_up = decode_image(hoodie_worn_close_up().data, "close-up.jpg").convert("RGB").resize(half)
    atlas.paste(close_up, (atlas.width - half[0], 0))
    pasted.visual.material.baseColorTexture = atlas
    return replace(generated, mesh=pasted), product


def hosted_wrong_object() -> tuple[GeneratedMesh, ProductInput]:
    """Tripo returns a cap for a mug's photo."""
    cap, _ = good_cap()
    data = _photo("ruby_mug.jpg")
    return _hosted(cap, "tripo"), _product(data, "ruby_mug.jpg")


def hosted_stand_in_blob() -> tuple[GeneratedMesh, ProductInput]:
    """Shap-E's content-policy stand-in: a grey blob for a t-shirt's photo."""
    blob = trimesh.creation.icosphere(subdivisions=4)
    blob.apply_scale([1.0, 0.8, 0.9])
    blob.visual = trimesh.visual.ColorVisuals(blob, vertex_colors=np.full((len(blob.vertices), 4), [150, 150, 150, 255]))
    data = _photo("solidus_tshirt.jpg")
    return GeneratedMesh(mesh=blob, generator="huggingface"), _product(data, "solidus_tshirt.jpg")


def hosted_tiny_textured_box() -> tuple[GeneratedMesh, ProductInput]:
    """An almost empty answer: a 12-face box wearing the photo as its texture."""
    data = _photo("solidus_hoodie_black_1.png")
    box = trimesh.creation.box()
    texture = decode_image(data, "hoodie").convert("RGB")
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=texture, metallicFactor=0.0, roughnessFactor=0.7)
    box.visual = trimesh.visual.TextureVisuals(uv=box.vertices[:, :2] + 0.5, material=material)
    return GeneratedMesh(mesh=box, generator="tripo"), _product(data, "solidus_hoodie_black_1.png")


LABELLED: tuple[Example, ...] = (
    Example("mug (real photo)", True, good_mug),
    Example("hoodie, garment, measured size (real photo)", True, good_hoodie_garment_with_size),
    Example("t-shirt on a transparent background (real photo)", True, good_tshirt_cut_out),
    Example("hoodie (real photo)", True, good_hoodie),
    Example("cap (real photo)", True, good_cap),
    Example("t-shirt front and back, garment (real photos)", True, good_tshirt_front_and_back),
    Example("hosted hoodie that matches its photo", True, good_hosted_hoodie),
    Example("hosted hoodie, softer outline, its own lighter texture", True, good_hosted_hoodie_loose),
    Example("cream tote cut into fragments", False, fragmented_cream_tote, "fragmentation"),
    Example("tote fused with the person holding it", False, tote_fused_with_person, "wrong cut-out"),
    Example("tote worn by a person (real photo)", False, tote_worn_by_a_person, "cropped by the frame"),
    Example("hoodie squashed 8× by parcel size", False, hoodie_squashed_by_parcel_size, "stretch"),
    Example("hoodie with holes and spikes", False, hoodie_with_holes_and_slivers, "holes and slivers"),
    Example("mug called round, built as a pillow", False, round_mug_not_round, "shape class"),
    Example("cap with its texture lost", False, cap_without_texture, "texture coverage"),
    Example("cap squashed to 0.66 of its height, no size given", False, cap_squashed_without_dimensions, "proportions"),
    Example("hoodie with a close-up of someone wearing it on its back", False, hoodie_with_a_close_up_on_its_back,
            "back"),
    Example("Tripo: a cap for a mug's photo", False, hosted_wrong_object, "wrong object"),
    Example("Shap-E: grey stand-in blob", False, hosted_stand_in_blob, "wrong object"),
    Example("Tripo: 12-face box with a texture", False, hosted_tiny_textured_box, "empty mesh"),
)


@functools.cache
def made(name: str) -> tuple[GeneratedMesh, ProductInput]:
    """An example's generator output and product, made once per test session."""
    return next(example for example in LABELLED if example.name == name).make()
