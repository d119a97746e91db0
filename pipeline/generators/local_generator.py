"""The offline, keyless generator: a shape-true textured model from the product photo's silhouette."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from pipeline.backends import GeneratedMesh, Progress, no_progress
from pipeline.errors import NeedsImageError
from pipeline.generators.shapes import (
    ShapeDecision,
    Surface,
    decide_shape,
    headwear_kind,
    is_open_vessel,
    silhouette_features,
    slab_thickness,
)
from pipeline.generators.shapes.camera import Camera, seen_iou
from pipeline.generators.shapes.cuboid import cuboid
from pipeline.generators.shapes.headwear import (
    Brim,
    HeadwearSilhouette,
    brim_for,
    headwear,
    headwear_depth,
    read_headwear,
)
from pipeline.generators.shapes.inflated import MIN_RESOLUTION, inflate_within, resolution_for
from pipeline.generators.shapes.revolved import MIN_BODY_SHARE, Body, find_body, revolve, view_of
from pipeline.generators.shapes.stacked import find_stack, revolve_stack
from pipeline.photos.images import MAX_PIXELS, decode_image, fit_within
from pipeline.photos.plain_back import plain_back
from pipeline.photos.segmentation import ProductMask, product_mask
from pipeline.photos.views import read_gallery
from pipeline.stage2.sizing import MAX_CAMERA_ELEVATION_DEG, SizeMatch, match_size

if TYPE_CHECKING:
    import trimesh
    from PIL import Image

    from pipeline.config import PipelineConfig

    from pipeline.product import ProductInput, SourceImage

# Segmentation runs on a copy of this size; the texture keeps the photo's own resolution.
_MASK_SIDE_PX = 512
# Margin around the product's bounding box, in mask pixels, so the rim's texels are inside.
_CROP_MARGIN_PX = 3
# Without a known depth, each class's thickness as a share of the front's longer side.
_DEPTH_RATIOS = {"box": 0.5, "flat": 0.01, "garment": 0.12}


@dataclass(frozen=True)
class _Side:
    """One photographed side: the RGB texture cropped to the product and its mask."""

    texture: Image.Image
    mask: ProductMask


@dataclass(frozen=True)
class _Hat:
    """A cap or a hat: its silhouette read as a crown and a brim band, and the brim to build."""

    silhouette: HeadwearSilhouette
    brim: Brim


@dataclass(frozen=True)
class _Plan:
    """How deep to build, the camera's elevation the photo was taken from, and the matched size."""

    depth_px: float
    elevation_deg: float
    match: SizeMatch | None


@dataclass(frozen=True)
class _Stacked:
    """What a stack of round bodies was built as: the surface, the decision it makes (round, or
    free-form when the stack explains the photo less than the fallback), its plan, and the report."""

    surface: Surface
    decision: ShapeDecision
    plan: _Plan
    report: dict[str, object]
    elevation_deg: float  # the camera the built surface was read through


class LocalGenerator:
    """Build a closed, textured, UV-mapped mesh of the product's shape class from its main photo.

    The class (round, box, flat, garment, free-form) comes from `decide_shape`. Round products
    are revolved from the silhouette's profile (a handle is a part of its own), caps and hats
    from their crown's, with a visor or a brim at its base; boxes are
    cuboids with rounded edges; flat products are slabs as thin as they are; garments a shell
    thin at its edges; anything else the inflated "pillow" (`depth_ratio` of the longer side at
    its thickest). The store's length/width/height are matched to the photo (`match_size`), so
    the depth is known and the photo is never squashed. Every class takes its texture by
    projecting the photo onto it from the camera's side; the back shows the second photo when
    there is one (mirrored and fitted to the front's silhouette), else the front's material and
    colours without its print (`plain_back`): most printed products are printed on the front only.
    """

    name = "local"

    def __init__(self, *, resolution: int = 160, depth_ratio: float = 0.25, max_faces: int | None = None,
                 max_pixels: int = MAX_PIXELS):
        """`resolution`: grid cells along the product's longer side, at most; `max_faces`: lower
        the grid so the mesh needs no decimation for that budget (None: always `resolution`);
        `max_pixels`: photos larger than this are refused before decoding."""
        if not MIN_RESOLUTION <= resolution <= 1024:
            raise ValueError(f"resolution {resolution} is outside {MIN_RESOLUTION}..1024")
        if not 0.01 <= depth_ratio <= 2:
            raise ValueError(f"depth_ratio {depth_ratio} is outside 0.01..2")
        self.resolution = resolution
        self.depth_ratio = depth_ratio
        self.max_faces = max_faces
        self.max_pixels = max_pixels

    @classmethod
    def for_config(cls, config: PipelineConfig) -> LocalGenerator:
        """The generator as the pipeline's settings want it: sized to the face budget, and refusing
        photos over the pixel limit before they are decoded."""
        return cls(max_faces=config.face_budget, max_pixels=config.max_image_pixels)

    def generate(self, product: ProductInput, progress: Progress = no_progress) -> GeneratedMesh:
        """Build the mesh. Raises NeedsImageError without images, ImageError for a bad main photo,
        ValueError for a forced shape that is not one of SHAPE_CHOICES."""
        if not product.images:
            raise NeedsImageError(
                "the product has no image: the local generator needs a product photo "
                "(text-only products need a hosted generator)"
            )
        from PIL import ImageOps

        progress("segmenting", 0.05)
        main = product.images[0]
        main_image = decode_image(main.data, main.name, max_pixels=self.max_pixels)
        front = _photographed_side(main_image, main.name)
        warnings = list(front.mask.warnings)
        # Every gallery image's view is decided; only a real back photo textures the back.
        gallery = read_gallery(product.images, max_pixels=self.max_pixels, main=main_image, title=product.title)
        warnings.extend(f"gallery image {d.index} ({d.name}) unreadable, not used: {d.reasons[0]}"
                        for d in gallery.decisions if d.view == "unreadable")
        x0, y0, x1, y1 = _crop_box(front.mask.mask)
        mask = front.mask.mask[y0:y1, x0:x1]
        decision = decide_shape(product, silhouette_features(mask))
        progress(f"building a {decision.shape} shape", 0.35)
        decision, hat, knit = _headwear(product, decision, mask)
        body = find_body(mask) if decision.shape == "round" and hat is None else None
        if body is not None and not decision.forced and body.share_of(mask) < MIN_BODY_SHARE:
            decision = decision.fall_back(f"but no upright body of revolution explains the silhouette "
                                          f"({body.share_of(mask):.0%} of it)")
            body = None
        side_depth = None
        side_index = gallery.first_side()
        if side_index is not None and body is None and hat is None and decision.shape != "round":
            # A side photo shows how deep a box, a slab, a garment or a pillow is.
            sy, sx = np.nonzero(self._photographed(product.images[side_index]).mask.mask)
            side_depth = (np.ptp(sx) + 1) / (np.ptp(sy) + 1)
            gallery = gallery.using(side_index, "depth", f"its width over its height ({side_depth:.2f}) is the "
                                                         f"{decision.shape} product's depth over its height")
        plan = self._plan(product, decision, mask, body, hat, side_depth)
        # The photo's centre, where its camera looked, in the crop's rows.
        centre_row = front.mask.mask.shape[0] / 2 - y0
        open_top = body is not None and is_open_vessel(product)
        centre = (centre_row, front.mask.mask.shape[1] / 2 - x0)
        stacked = self._stacked(product, decision, mask, plan, centre, open_top) if body is not None else None
        if stacked is not None:
            surface, decision, plan = stacked.surface, stacked.decision, stacked.plan
            elevation = stacked.elevation_deg
            if decision.shape != "round":
                body, open_top = None, False
        else:
            surface, elevation = self._build(decision, mask, body, hat, plan, centre_row, open_top)
        if plan.match is not None and plan.match.warning:
            warnings.append(plan.match.warning)
        back: _Side | None = None
        back_index = gallery.used("back")
        if back_index is not None and decision.shape in ("round", "box") \
                and not gallery.decisions[back_index].named:
            # A round body's or a box's side has the outline of its back: only its name tells them apart.
            gallery = gallery.using(back_index, None, f"but a {decision.shape} product's side shows the same outline "
                                                      "as its back, and nothing names it the back: not used")
            back_index = None
        if back_index is not None:
            back = self._photographed(product.images[back_index])
        plain = None
        if back is None:
            # No photo of the back: the front's material without its print, not the front mirrored.
            plain = plain_back(front.texture, front.mask.mask[y0:y1, x0:x1])
            back = _Side(ImageOps.mirror(plain.texture), front.mask)
        mesh = _textured(surface, front, back)
        progress("building", 1.0)
        return GeneratedMesh(
            mesh=mesh,
            generator=self.name,
            source_mask=front.mask.mask,
            warnings=tuple(warnings),
            metadata={
                "segmentation": front.mask.method,
                "back": f"the back photo (image {back_index})" if plain is None else plain.describe(),
                "gallery": gallery.as_list(),
                "faces": len(mesh.faces),
                "shape": decision.as_dict(),
                **({"vessel": "open" if open_top else "closed"} if body is not None else {}),
                **({"stack": stacked.report} if stacked is not None else {}),
                **({"headwear": hat.brim} if hat is not None else {"headwear": "none"} if knit else {}),
                **({"size_match": plan.match.as_dict()} if plan.match else {}),
                # How far above the product the photo was taken, as the model was read: its front seen
                # from there is what the photo's outline shows (Stage 2's proportions term).
                "camera_elevation_deg": round(float(elevation), 2),
            },
            real_size=plan.match.dimensions if plan.match else None,
        )

    def _photographed(self, image: SourceImage) -> _Side:
        """A gallery image decoded within the pixel limit, cut out and cropped (ImageError if unreadable)."""
        return _photographed_side(decode_image(image.data, image.name, max_pixels=self.max_pixels), image.name)

    def _plan(self, product: ProductInput, decision: ShapeDecision, mask: np.ndarray, body: Body | None,
              hat: _Hat | None, side_depth: float | None = None) -> _Plan:
        """The depth to build (mask pixels) and the camera elevation, from the size when known;
        `side_depth`: depth over height as a side photo shows it (the size's numbers still win)."""
        ys, xs = np.nonzero(mask)
        width, height = float(xs.max() + 1 - xs.min()), float(ys.max() + 1 - ys.min())
        ratio = _DEPTH_RATIOS.get(decision.shape, self.depth_ratio)
        slab = slab_thickness(product) if decision.shape in ("box", "flat") else None
        if slab is not None:  # a notebook, a tablet, a laptop: a slab, not a brick half as deep as it is tall
            ratio = slab[0]
        if side_depth is not None:
            ratio = side_depth * height / max(width, height)
        own_depth = body.diameter if body is not None else ratio * max(width, height)
        if hat is not None:
            own_depth = headwear_depth(hat.silhouette, hat.brim)
        shaped = body is not None or hat is not None  # the shape knows its own depth
        if product.dimensions is not None:
            dims = product.dimensions
            if shaped:
                return _Plan(own_depth, 0.0, None)
            return _Plan(min(2.0 * max(width, height), dims.depth_m / dims.width_m * width), 0.0, None)
        if product.listed_size is None:
            return _Plan(own_depth, 0.0, None)
        match = match_size(
            product.listed_size, width, height,
            depth=own_depth if shaped else None,
            default_depth_ratio=own_depth / max(width, height),
            # Only a revolved body and a box model the top a shot from above shows; an inflated
            # shape's height is all front, so its proportions must match as photographed.
            max_elevation_deg=MAX_CAMERA_ELEVATION_DEG if decision.shape in ("round", "box") else 0.0,
        )
        if match.uniform:
            return _Plan(own_depth, 0.0, match)
        dims = match.dimensions
        depth = own_depth if shaped else dims.depth_m / dims.width_m * width
        return _Plan(min(2.0 * max(width, height), depth), match.elevation_deg, match)

    def _stacked(self, product: ProductInput, decision: ShapeDecision, mask: np.ndarray, plan: _Plan,
                 centre: tuple[float, float], open_top: bool) -> _Stacked | None:
        """A round silhouette that is a stack of two bodies (`find_stack`) built as two, each about
        its own axis; None for one body. When the two, seen through their camera, cover the photo's
        outline less than the inflated fallback's front does (drawn the same way), the fallback is
        built instead (unless the merchant chose round), and the reasons say which happened."""
        stack = find_stack(mask)
        if stack is None:
            return None
        surface, camera = revolve_stack(mask, stack, centre, plan.elevation_deg, max_faces=self.max_faces,
                                        open_top=open_top)
        seen = seen_iou(surface, camera, centre[1], mask)
        free_form = replace(decision, shape="free-form")  # only its class matters to _plan and _build
        fallback_plan = self._plan(product, free_form, mask, None, None)
        fallback, _ = self._build(free_form, mask, None, None, fallback_plan, centre[0], False)
        fallback_front = seen_iou(fallback, Camera.orthographic(0.0, 0.0), 0.0, mask)
        leans = ", ".join(f"the {place} {body.describe()}" for place, body in zip(("upper", "lower"), stack))
        found = f"a stack of {len(stack)} round bodies ({leans})"
        covered = f"seen through the camera they cover the photo's outline at {seen:.3f}"
        report: dict[str, object] = {"bodies": len(stack), "leans_deg": [round(body.lean_deg, 1) for body in stack],
                                     "through_camera_iou": round(seen, 3), "free_form_front_iou": round(fallback_front, 3)}
        if seen < fallback_front and not decision.forced:
            fallen = decision.fall_back(f"{found}, but {covered}, below the inflated fallback's front "
                                        f"({fallback_front:.3f})")
            return _Stacked(fallback, fallen, fallback_plan, {**report, "built": "free-form"}, 0.0)
        reasons = (*decision.reasons, f"{found}, each revolved about its own axis: {covered} (the inflated "
                   f"fallback's front: {fallback_front:.3f})")
        return _Stacked(surface, ShapeDecision(decision.shape, decision.confidence, reasons, decision.forced), plan,
                        {**report, "built": "stack"}, camera.elevation_deg)

    def _build(self, decision: ShapeDecision, mask: np.ndarray, body: Body | None, hat: _Hat | None, plan: _Plan,
               centre_row: float, open_top: bool) -> tuple[Surface, float]:
        """The surface, and the camera elevation it was read through (0 for a shape grown from the outline)."""
        if hat is not None:
            camera = Camera.orthographic(plan.elevation_deg, centre_row)
            return headwear(mask, hat.silhouette, hat.brim, camera, max_faces=self.max_faces), plan.elevation_deg
        if body is not None:
            camera, start, stop = view_of(mask, body, centre_row, plan.elevation_deg)
            return revolve(mask, body, camera, start, stop, max_faces=self.max_faces,
                           open_top=open_top), camera.elevation_deg
        if decision.shape == "box":
            return cuboid(mask, plan.depth_px, plan.elevation_deg), plan.elevation_deg
        profile = {"flat": "slab", "garment": "shell"}.get(decision.shape, "pillow")
        resolution = resolution_for(mask, self.max_faces, self.resolution)
        return inflate_within(mask, resolution, self.max_faces, plan.depth_px / 2, profile), 0.0  # type: ignore[arg-type]


def _headwear(product: ProductInput, decision: ShapeDecision,
              mask: np.ndarray) -> tuple[ShapeDecision, _Hat | None, bool]:
    """A round product the words call a cap or a hat, read as a crown and a brim; one whose
    crown is no dome falls back to the inflated shape (unless the merchant chose round: then it
    is revolved as any round product). A knit hat or a beanie (no brim; a cuff is part of its
    crown) is one body of revolution, its camera read from the photo as any round product's: the
    third value says so."""
    kind = headwear_kind(product) if decision.shape == "round" else None
    if kind is None:
        return decision, None, False
    silhouette = read_headwear(mask, cuffed=kind in ("none", "hat"))
    if silhouette.dome:
        brim = brim_for(kind, silhouette)
        if brim == "none":
            return ShapeDecision("round", decision.confidence, (
                *decision.reasons, f"headwear: {silhouette.why}: a knit hat or beanie, its crown"
                f"{' and cuff' if silhouette.cuff else ''} revolved as one body, no brim"), decision.forced), None, True
        built = {"visor": "a visor forward from its base", "ring": "a brim all round its base"}[brim]
        return ShapeDecision("round", decision.confidence, (
            *decision.reasons, f"headwear: {silhouette.why}: its crown revolved, {built}"), decision.forced), \
            _Hat(silhouette, brim), False
    if decision.forced:
        return decision, None, False
    return decision.fall_back(f"but the silhouette is no hat's crown ({silhouette.why})"), None, False


def _textured(surface: Surface, front: _Side, back: _Side | None) -> trimesh.Trimesh:
    """The surface as a mesh in units of the crop's longer side, textured from the photo(s)."""
    import trimesh

    positions, faces, uv = surface.positions, surface.faces, surface.uv
    texture, back_texture = front.texture, back.texture if back is not None else None
    if surface.plain_shade is not None:
        # The back photo gets the same bands, so the inside is one colour all round.
        colour = _photo_colour(front.texture, surface.plain_colour_uv)
        if back_texture is not None:
            back_texture, _ = _with_plain_colours(back_texture.resize(texture.size), uv, surface.plain_shade, colour)
        texture, uv = _with_plain_colours(texture, uv, surface.plain_shade, colour)
    if back_texture is not None:
        positions, faces, uv = _split_front_back(positions, faces, uv)
        texture = _atlas(texture, back_texture)
    mesh = trimesh.Trimesh(positions / float(np.ptp(positions, axis=0).max()), faces, process=False)
    if mesh.volume < 0:
        mesh.invert()
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, material=_material(texture))
    return mesh


def _photo_colour(texture: Image.Image, colour_uv: np.ndarray | None) -> np.ndarray:
    """The median RGB of the photo at the points `colour_uv` (the whole photo without any)."""
    pixels = np.asarray(texture, dtype=float)
    height, width = pixels.shape[:2]
    if colour_uv is None or not len(colour_uv):
        return np.median(pixels.reshape(-1, 3), axis=0)
    columns = np.clip((colour_uv[:, 0] * width).astype(int), 0, width - 1)
    rows = np.clip(((1.0 - colour_uv[:, 1]) * height).astype(int), 0, height - 1)
    return np.median(pixels[rows, columns], axis=0)


def _with_plain_colours(texture: Image.Image, uv: np.ndarray, shades: np.ndarray,
                        colour: np.ndarray) -> tuple[Image.Image, np.ndarray]:
    """The photo with one plain band per shade added below it (`colour` times the shade), and
    the UVs moved to match: photo points keep their texel, each plainly shaded vertex sits in
    the middle of its band."""
    from PIL import Image

    pixels = np.asarray(texture, dtype=float)
    height, width = pixels.shape[:2]
    levels = np.unique(shades[shades > 0])
    # Bands tall enough that texture filtering and mipmaps never reach the photo.
    band = max(16, height // 16)
    bands = np.repeat(np.clip(colour[None, :] * levels[:, None], 0, 255), band, axis=0)
    extended = np.vstack([pixels, np.repeat(bands[:, None, :], width, axis=1)]).astype(np.uint8)
    total = height + band * len(levels)
    moved = np.column_stack([uv[:, 0], (uv[:, 1] * height + band * len(levels)) / total])
    for index, level in enumerate(levels):
        chosen = shades == level
        moved[chosen] = [0.5, (band * (len(levels) - index) - band / 2) / total]
    return Image.fromarray(extended), moved


def _photographed_side(image: Image.Image, name: str) -> _Side:
    """Segment a photo and crop it (full resolution, colour bled past the rim) to the product."""
    from PIL import Image
    from scipy import ndimage

    small = fit_within(image, _MASK_SIDE_PX)
    found = product_mask(small, name)
    x0, y0, x1, y1 = _crop_box(found.mask)
    scale = image.width / small.width
    rgb = image.crop((round(x0 * scale), round(y0 * scale), round(x1 * scale), round(y1 * scale))).convert("RGB")
    # Colour past the rim is the background (white fringe, garbage under alpha); the sloping
    # rim samples it, so replace it with the nearest product colour. The mask is eroded by one
    # of its (coarser) pixels first, so no background pixel is taken for product at full size.
    sub = ndimage.binary_erosion(found.mask, iterations=1)[y0:y1, x0:x1]
    if not sub.any():
        sub = found.mask[y0:y1, x0:x1]
    inside = np.asarray(Image.fromarray(sub).resize(rgb.size, Image.Resampling.NEAREST))
    _, (iy, ix) = ndimage.distance_transform_edt(~inside, return_indices=True)
    bled = np.asarray(rgb)[iy, ix]
    return _Side(Image.fromarray(bled), found)


def _crop_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """The mask's bounding box plus a margin, clipped to the image: (x0, y0, x1, y1)."""
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    return (
        max(0, int(xs.min()) - _CROP_MARGIN_PX),
        max(0, int(ys.min()) - _CROP_MARGIN_PX),
        min(w, int(xs.max()) + 1 + _CROP_MARGIN_PX),
        min(h, int(ys.max()) + 1 + _CROP_MARGIN_PX),
    )


def _split_front_back(
    positions: np.ndarray, faces: np.ndarray, uv: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Give the back faces their own vertices, with UVs in the right half of a [front | back] atlas.

    The back photo is mirrored into the atlas, so the back's u stays that of the front.
    """
    back = positions[faces].mean(axis=1)[:, 2] < 0
    keys = faces * 2 + back[:, None]
    unique, inverse = np.unique(keys.ravel(), return_inverse=True)
    source = unique // 2
    on_back = (unique % 2).astype(bool)
    new_uv = np.column_stack([uv[source, 0] / 2 + on_back * 0.5, uv[source, 1]])
    return positions[source], inverse.reshape(faces.shape), new_uv


def _atlas(front: Image.Image, back: Image.Image) -> Image.Image:
    """Front and back side by side; the back mirrored (seen from behind) and fitted to the front."""
    from PIL import Image, ImageOps

    atlas = Image.new("RGB", (front.width * 2, front.height))
    atlas.paste(front, (0, 0))
    atlas.paste(ImageOps.mirror(back).resize(front.size, Image.Resampling.LANCZOS), (front.width, 0))
    return atlas


def _material(texture: Image.Image) -> trimesh.visual.material.PBRMaterial:
    import trimesh

    # trimesh's default material renders dark and metallic in PBR viewers.
    return trimesh.visual.material.PBRMaterial(
        name="product", baseColorTexture=texture, metallicFactor=0.0, roughnessFactor=0.7
    )
