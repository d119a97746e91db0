"""Products whose true 3D shape is known: truth meshes in metres, catalogue photos of them, and scores.

Each truth stands on the floor (Y = 0), centred on X/Z, its front towards +Z, as Stage 2 places
models; its WooCommerce size is length = width (X), width = depth (Z), height = height (Y).
The photo is the poster camera's view (perspective, 15° above) on a plain light background.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import numpy as np
import trimesh
from PIL import Image, ImageDraw, ImageFilter

from pipeline.backends import GeneratedMesh
from pipeline.generators.local_generator import LocalGenerator
from pipeline.product import ListedSize, ProductInput, ShapeClass, SourceImage
from pipeline.stage2.finish import place, real_size_for
from pipeline.stage2.mesh_repair import geometry_only, repair
from pipeline.stage2.poster import render_poster, render_view

BACKGROUND = (243, 242, 239)
VIEWS = ("front", "side", "top")


@dataclass(frozen=True)
class KnownProduct:
    name: str
    shape: ShapeClass
    title: str
    parts: tuple[trimesh.Trimesh, ...]  # closed parts whose union is the product, in metres
    colour: tuple[int, int, int]
    # Held-out and printed products: the store lists no depth (WooCommerce's width left blank),
    # a hand holds it in the photo, a print on its front (and another on its back, photographed).
    depth_listed: bool = True
    held: bool = False
    prints: tuple[str, str] | None = None  # (front text, back text; "" for a plain back)

    @property
    def truth(self) -> trimesh.Trimesh:
        return trimesh.util.concatenate(list(self.parts))

    @property
    def listed(self) -> ListedSize:
        width, height, depth = self.truth.extents
        return ListedSize(float(width), float(depth) if self.depth_listed else None, float(height))

    def product_input(self, *, back_photo: bool = False, side_photo: bool = False, **fields: object) -> ProductInput:
        """The product as a store lists it; `back_photo`, `side_photo`: with its back or its side
        photographed as the next image."""
        images = [SourceImage(catalogue_photo(self.name), f"{self.name}.png")]
        if back_photo:
            images.append(SourceImage(catalogue_photo(self.name, behind=True), f"{self.name}-2.png"))
        if side_photo:
            images.append(SourceImage(catalogue_photo(self.name, from_side=True), f"{self.name}-3.png"))
        return ProductInput(title=self.title, images=tuple(images), listed_size=self.listed, **fields)  # type: ignore[arg-type]


def _placed(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    lower, upper = mesh.bounds
    mesh.apply_translation([-(lower[0] + upper[0]) / 2, -lower[1], -(lower[2] + upper[2]) / 2])
    return mesh


def _revolved(profile: list[tuple[float, float]], sections: int = 96) -> trimesh.Trimesh:
    """(radius, height) points from the bottom centre round to the top centre, revolved about Y."""
    mesh = trimesh.creation.revolve(np.array(profile), sections=sections)
    mesh.apply_transform(trimesh.transformations.rotation_matrix(-np.pi / 2, [1, 0, 0]))
    return mesh


def _cylinder(radius: float, height: float) -> trimesh.Trimesh:
    return _revolved([(0, 0), (radius, 0), (radius, height), (0, height)])


def _vessel(profile: list[tuple[float, float]], wall: float, floor: float) -> trimesh.Trimesh:
    """An open vessel: the outside's (radius, height) points from the base's edge up to the rim,
    a flat rim `wall` wide, the inside inset by `wall` down to a floor `floor` above the base."""
    inside = [(max(radius - wall, 0.0), height) for radius, height in profile if height > floor]
    bottom_radius = float(np.interp(floor, [h for _, h in profile], [r for r, _ in profile])) - wall
    return _revolved([(0, 0), *profile, *inside[::-1], (bottom_radius, floor), (0, floor)])


def _disc(radius: float, thickness: float, *, facing: bool) -> trimesh.Trimesh:
    """A disc facing the camera (its axis along Z), or lying on the floor (along Y)."""
    disc = trimesh.creation.cylinder(radius=radius, height=thickness, sections=96)
    if not facing:
        disc.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0]))
    return disc


def _box(width: float, height: float, depth: float) -> trimesh.Trimesh:
    return trimesh.creation.box([width, height, depth])


def _slab(outline: list[tuple[float, float]], thickness: float) -> trimesh.Trimesh:
    from shapely.geometry import Polygon

    mesh = trimesh.creation.extrude_polygon(Polygon(outline), thickness)
    mesh.apply_translation([0, 0, -thickness / 2])
    return mesh


def _mug(handle_reach: float = 0.028, handle_thickness: float = 0.007) -> tuple[trimesh.Trimesh, ...]:
    body = _vessel([(0.045, 0.0), (0.045, 0.10)], wall=0.004, floor=0.008)
    # A half ring in the XY plane (the side the photo shows) whose ends stop inside the wall.
    turns = np.linspace(np.pi / 2, 3 * np.pi / 2, 48)
    arc = np.column_stack([-0.045 + handle_reach * np.cos(turns), 0.05 + handle_reach * np.sin(turns),
                           np.zeros(len(turns))])
    path = np.vstack([[-0.0425, 0.05 + handle_reach, 0.0], arc, [-0.0425, 0.05 - handle_reach, 0.0]])
    from shapely.geometry import Point

    handle = trimesh.creation.sweep_polygon(Point(0, 0).buffer(handle_thickness, quad_segs=8), path)
    return body, handle


def _tshirt() -> tuple[trimesh.Trimesh, ...]:
    outline = [(-0.10, 0.0), (0.10, 0.0), (0.10, 0.42), (0.16, 0.36), (0.24, 0.46), (0.13, 0.56), (0.05, 0.56),
               (0.0, 0.53), (-0.05, 0.56), (-0.13, 0.56), (-0.24, 0.46), (-0.16, 0.36), (-0.10, 0.42)]
    return (_slab(outline, 0.03),)


def _tote() -> tuple[trimesh.Trimesh, ...]:
    body = _box(0.38, 0.40, 0.06)
    handle = trimesh.creation.torus(0.09, 0.008, major_sections=48)
    handle.apply_translation([0, 0.20, 0])
    return body, handle


def _plush() -> tuple[trimesh.Trimesh, ...]:
    body = trimesh.creation.icosphere(3, 1.0)
    body.apply_scale([0.10, 0.12, 0.08])
    head = trimesh.creation.icosphere(3, 0.075)
    head.apply_translation([0.02, 0.16, 0.0])
    ear = trimesh.creation.icosphere(2, 0.03)
    ear.apply_translation([0.07, 0.23, 0.0])
    return body, head, ear


def _phone_case() -> tuple[trimesh.Trimesh, ...]:
    from shapely.geometry import box

    outline = box(-0.0315, 0.0, 0.0315, 0.145).buffer(0.006, quad_segs=8)
    return (_slab(list(outline.exterior.coords), 0.011),)


def _cap() -> tuple[trimesh.Trimesh, ...]:
    """A baseball cap: a half-ellipsoid crown 19 cm across, 20 cm deep and 11.5 cm tall, and a
    flat visor 6 mm thick at its base, 21 cm wide, reaching 11 cm in front of the crown."""
    quarter = np.linspace(0, np.pi / 2, 24)
    crown = _revolved([(0, 0), *zip(0.095 * np.cos(quarter), 0.115 * np.sin(quarter))][:-1] + [(0, 0.115)])
    crown.apply_scale([1.0, 1.0, 0.10 / 0.095])
    turns = np.linspace(-np.pi / 2, np.pi / 2, 48)
    visor = _slab(list(zip(0.105 * np.sin(turns), 0.21 * np.cos(turns))), 0.006)
    # Its outline drawn in X/Y, extruded along Z: laid flat, reaching forward (+Z), its top at the crown's base.
    visor.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0]))
    visor.apply_translation([0, -0.003, 0])
    return crown, visor


@functools.cache
def known_products() -> tuple[KnownProduct, ...]:
    """Eighteen products across every shape class."""
    made = [
        ("mug", "round", "Red ceramic mug", _mug(), (190, 40, 40)),
        ("tumbler", "round", "Frosted glass tumbler", (_vessel([(0.032, 0), (0.042, 0.13)], wall=0.003, floor=0.01),),
         (90, 150, 200)),
        ("bottle", "round", "Olive oil bottle", (_revolved([(0, 0), (0.035, 0), (0.035, 0.18), (0.03, 0.21),
                                                             (0.013, 0.24), (0.013, 0.28), (0, 0.28)]),), (60, 110, 60)),
        ("can", "round", "Sparkling water soda can", (_cylinder(0.033, 0.122),), (220, 200, 60)),
        ("vase", "round", "Stoneware vase",
         (_vessel([(0.05, 0), (0.09, 0.08), (0.08, 0.17), (0.045, 0.25), (0.055, 0.30)], wall=0.006, floor=0.012),),
         (70, 90, 160)),
        ("ball", "round", "Basketball ball", (_placed(trimesh.creation.icosphere(4, 0.11)),), (215, 110, 40)),
        ("book", "box", "Hardcover notebook", (_box(0.15, 0.21, 0.025),), (120, 40, 90)),
        ("shoebox", "box", "Storage box", (_box(0.33, 0.13, 0.21),), (200, 150, 90)),
        ("speaker", "box", "Bluetooth speaker", (_box(0.11, 0.19, 0.10),), (50, 50, 60)),
        ("poster", "flat", "Mountain art print poster", (_box(0.50, 0.70, 0.004),), (40, 120, 160)),
        ("card", "flat", "Greeting card", (_box(0.105, 0.148, 0.003),), (230, 120, 140)),
        ("phone_case", "flat", "Phone case", _phone_case(), (30, 160, 130)),
        ("tshirt", "garment", "Cotton t-shirt", _tshirt(), (40, 80, 190)),
        ("tote", "garment", "Canvas tote bag", _tote(), (180, 160, 120)),
        ("plush", "free-form", "Teddy plush", _plush(), (170, 110, 60)),
        ("cap", "round", "Baseball cap", _cap(), (40, 60, 120)),
        # Round by name, but shown face on: the slab of its outline, not a ball.
        ("lens_cap", "flat", "Camera lens cap 58 mm", (_disc(0.029, 0.011, facing=True),), (45, 45, 50)),
        ("plate", "round", "Ceramic dinner plate", (_disc(0.135, 0.025, facing=False),), (60, 120, 170)),
    ]
    return tuple(_standing(*made_one) for made_one in made)  # type: ignore[arg-type]


def _beanie() -> tuple[trimesh.Trimesh, ...]:
    """A cuffed knit beanie: a folded cuff 21 cm across and 7 cm tall, a domed crown 19 cm across rising 13 cm above it."""
    quarter = np.linspace(0, np.pi / 2, 24)[1:]
    dome = [(0.095 * np.cos(t), 0.07 + 0.13 * np.sin(t)) for t in quarter]
    return (_revolved([(0, 0), (0.105, 0), (0.105, 0.07), (0.095, 0.07), *dome[:-1], (0, 0.20)]),)


def _loop_bottle() -> tuple[trimesh.Trimesh, ...]:
    """A sports bottle with a carry loop standing up from its cap (a ring 5 cm across, 7 mm thick)."""
    body = _revolved([(0, 0), (0.037, 0), (0.037, 0.19), (0.025, 0.215), (0.025, 0.24), (0, 0.24)])
    loop = trimesh.creation.torus(0.022, 0.0035, major_sections=48)  # its ring in the XY plane: seen from the front
    loop.apply_translation([0, 0.24 + 0.022 - 0.003, 0])
    return body, loop


@functools.cache
def held_out_products() -> tuple[KnownProduct, ...]:
    """The shapes held-out photos got wrong: a cuffed knit hat, a notebook in a hand, a bottle with a carry loop."""
    return (
        _standing("beanie", "round", "Cuffed knit hat", _beanie(), (150, 40, 50), depth_listed=False),
        _standing("notebook_held", "box", "Spiral notebook", (_box(0.148, 0.21, 0.015),), (30, 60, 120),
                  depth_listed=False, held=True),
        _standing("loop_bottle", "round", "Sports water bottle", _loop_bottle(), (40, 130, 170)),
    )


@functools.cache
def printed_products() -> tuple[KnownProduct, ...]:
    """Products printed on the front (and, photographed from behind, on the back): the print must
    not reach a back no photo shows, and a back photo's print must."""
    return (
        _standing("tshirt_printed", "garment", "Cotton t-shirt", _tshirt(), (235, 235, 230), prints=("SOLIDUS", "")),
        _standing("tote_printed", "garment", "Canvas tote bag", (_box(0.38, 0.40, 0.02),), (210, 50, 45),
                  prints=("SOLIDUS", "")),
        _standing("polo_pair", "garment", "Polo shirt", _tshirt(), (40, 80, 160), prints=("POLO", "TEAM 10")),
        _standing("mug_printed", "round", "Printed mug", _mug(), (120, 185, 215), prints=("CAFE", "")),
    )


def stacked_mugs() -> KnownProduct:
    """Not in the benchmark's eighteen: a mug set photographed stacked, the lower mug's handle on
    the right, the upper mug's on the left, the upper one set 1 cm to the left and tipped 5° (its
    top to the left) about the middle of its base, which rests at the lower one's rim."""
    # Handles with a wide opening (the cut-out fills a small one in a photo this size).
    lower, upper = list(_mug(0.034, 0.005)), list(_mug(0.034, 0.005))
    for part in lower:
        part.apply_transform(trimesh.transformations.rotation_matrix(np.pi, [0, 1, 0]))
    tip = trimesh.transformations.rotation_matrix(np.radians(5.0), [0, 0, 1])
    for part in upper:
        part.apply_transform(tip)
        part.apply_translation([-0.01, 0.10, 0.0])
    return _standing("stacked_mugs", "round", "Mug set", (*lower, *upper), (190, 40, 40))


def _standing(name: str, shape: ShapeClass, title: str, parts: tuple[trimesh.Trimesh, ...],
              colour: tuple[int, int, int], **extra: object) -> KnownProduct:
    """The product standing on the floor, centred on X and Z."""
    whole = trimesh.util.concatenate(list(parts))
    lower, upper = whole.bounds
    shift = [-(lower[0] + upper[0]) / 2, -lower[1], -(lower[2] + upper[2]) / 2]
    placed = []
    for part in parts:
        part = part.copy()
        part.apply_translation(shift)
        placed.append(part)
    return KnownProduct(name, shape, title, tuple(placed), colour, **extra)  # type: ignore[arg-type]


def by_name(name: str) -> KnownProduct:
    return next(p for p in (*known_products(), *held_out_products(), *printed_products(), stacked_mugs())
                if p.name == name)


@dataclass(frozen=True)
class Scored:
    """A known product as the local generator made it, and how its placed model matches the truth."""

    generated: GeneratedMesh
    size_source: str  # where Stage 2 took the real size from ("store": the listed length/width/height)
    views: dict[str, float]  # silhouette IoU against the truth: front, side, top


def generate_and_score(known: KnownProduct, **fields: object) -> Scored:
    """Generate `known` from its catalogue photo, repaired and placed as Stage 2 does (in metres, not
    refitted), and score its silhouettes from the front, the side and above against the truth."""
    inputs = known.product_input(**fields)
    generated = LocalGenerator(max_faces=50_000).generate(inputs)
    mesh, _ = repair(generated.mesh)
    size, source, _ = real_size_for(mesh, generated, inputs)
    placed, _, _ = place(mesh, size)
    return Scored(generated, source, view_ious(placed, known.truth))


def _textured(product: KnownProduct) -> trimesh.Trimesh:
    """The truth with a printed look: its colour, a pale band with a label, fine stripes."""
    mesh = product.truth.copy()
    lower, upper = mesh.bounds
    centre = (lower + upper) / 2
    vertices = mesh.vertices - centre
    u = np.arctan2(vertices[:, 0], vertices[:, 2]) / (2 * np.pi) + 0.5
    v = (mesh.vertices[:, 1] - lower[1]) / max(upper[1] - lower[1], 1e-9)
    side = 256
    image = Image.new("RGB", (side, side), product.colour)
    draw = ImageDraw.Draw(image)
    pale = tuple(min(255, c + 60) for c in product.colour)
    draw.rectangle((0, side * 0.4, side, side * 0.6), fill=pale)
    for x in range(0, side, 16):
        draw.line((x, 0, x, side * 0.4), fill=tuple(max(0, c - 25) for c in product.colour), width=3)
    draw.ellipse((side * 0.42, side * 0.43, side * 0.58, side * 0.57), fill=tuple(max(0, c - 70) for c in product.colour))
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=image, metallicFactor=0.0, roughnessFactor=0.6)
    mesh.visual = trimesh.visual.TextureVisuals(uv=np.column_stack([u, v]), material=material)
    return mesh


def textured_truth(product: KnownProduct) -> trimesh.Trimesh:
    """The truth as its photos show it: its prints, or its catalogue texture."""
    return _printed(product) if product.prints is not None else _textured(product)


def _printed(product: KnownProduct) -> trimesh.Trimesh:
    """The truth in its colour with its prints: the front's text on what faces the camera, the
    back's on what faces away (projected straight through, each read the right way round)."""
    assert product.prints is not None
    mesh = product.truth.copy()
    mesh.unmerge_vertices()
    lower, upper = mesh.bounds
    side = 512
    atlas = Image.new("RGB", (2 * side, side), product.colour)
    ink = (20, 20, 24) if sum(product.colour) > 450 else (245, 245, 240)
    for half, text in enumerate(product.prints):
        if text:
            _draw_text(ImageDraw.Draw(atlas), text, half * side, side, ink)
    normals = mesh.face_normals
    facing_back = np.repeat(normals[:, 2] < 0, 3)
    x = (mesh.vertices[:, 0] - lower[0]) / max(upper[0] - lower[0], 1e-9)
    v = (mesh.vertices[:, 1] - lower[1]) / max(upper[1] - lower[1], 1e-9)
    # Seen from behind, the back's left is the front's right.
    u = np.where(facing_back, 0.5 + (1 - x) / 2, x / 2)
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=atlas, metallicFactor=0.0, roughnessFactor=0.6)
    mesh.visual = trimesh.visual.TextureVisuals(uv=np.column_stack([u, v]), material=material)
    return mesh


def _draw_text(draw: ImageDraw.ImageDraw, text: str, left: int, side: int, ink: tuple[int, int, int]) -> None:
    """Block capitals across the middle of one half of the atlas, in strokes (no font file needed)."""
    from PIL import ImageFont

    font = ImageFont.load_default(size=side // 11)
    box = draw.textbbox((0, 0), text, font=font, stroke_width=2)
    width, height = box[2] - box[0], box[3] - box[1]
    draw.text((left + (side - width) / 2, side * 0.42 - height / 2), text, fill=ink, font=font, stroke_width=2,
              stroke_fill=ink)


def _with_hand(photo: Image.Image) -> Image.Image:
    """A skin-coloured hand holding the product from the frame's right edge: fingers over its lower right."""
    alpha = np.asarray(photo)[..., 3] if photo.mode == "RGBA" else None
    size = photo.size[0]
    ys, xs = np.nonzero(alpha > 0) if alpha is not None else (np.array([size // 2]), np.array([size // 2]))
    right, bottom = int(xs.max()), int(ys.max())
    top = int(ys.min())
    draw = ImageDraw.Draw(photo)
    skin = (224, 172, 140, 255)
    palm_top = bottom - (bottom - top) // 3
    draw.rounded_rectangle((right - size // 40, palm_top, size + 20, bottom + size // 30), radius=size // 25, fill=skin)
    for finger in range(4):
        row = palm_top + finger * (bottom - palm_top) // 4 + 6
        draw.rounded_rectangle((right - size // 9, row, right + 10, row + size // 45), radius=size // 90, fill=skin)
    return photo


@functools.cache
def catalogue_photo(name: str, size: int = 768, behind: bool = False, from_side: bool = False) -> bytes:
    """The product as a catalogue shows it: perspective from slightly above, lit, on a plain
    light background with a soft shadow under it; PNG bytes. `behind`: photographed from behind;
    `from_side`: from its right."""
    product = by_name(name)
    mesh = textured_truth(product)
    if behind or from_side:
        mesh.apply_transform(trimesh.transformations.rotation_matrix(np.pi if behind else -np.pi / 2, [0, 1, 0]))
    render = render_poster(mesh, size=size)
    if product.held:
        render = _with_hand(render)
    alpha = np.asarray(render)[..., 3]
    ys, xs = np.nonzero(alpha > 0)
    shadow = Image.new("L", (size, size), 0)
    ImageDraw.Draw(shadow).ellipse((xs.min(), ys.max() - size * 0.02, xs.max(), ys.max() + size * 0.02), fill=60)
    photo = Image.composite(Image.new("RGB", (size, size), (150, 150, 150)), Image.new("RGB", (size, size), BACKGROUND),
                            shadow.filter(ImageFilter.GaussianBlur(size / 60)))
    photo.paste(render, (0, 0), render)
    buffer = io.BytesIO()
    photo.save(buffer, format="PNG")
    return buffer.getvalue()


def view_ious(model: trimesh.Trimesh, truth: trimesh.Trimesh, pixels: int = 256) -> dict[str, float]:
    """Silhouette IoU from the front, the side and above, both meshes in metres, not refitted."""
    lower = np.minimum(model.bounds[0], truth.bounds[0])
    upper = np.maximum(model.bounds[1], truth.bounds[1])
    scale = pixels / float((upper - lower).max())
    scores = {}
    for view in VIEWS:
        a = render_view(model, view, bounds=(lower, upper), pixels_per_unit=scale).mask  # type: ignore[arg-type]
        b = render_view(truth, view, bounds=(lower, upper), pixels_per_unit=scale).mask  # type: ignore[arg-type]
        scores[view] = float((a & b).sum() / max((a | b).sum(), 1))
    return scores


def voxel_iou(model: trimesh.Trimesh, truth: trimesh.Trimesh, cells: int = 64, *, filled: bool = False) -> float:
    """Volume IoU on a common grid of `cells` along each axis of both meshes' bounds (a slab 4 mm
    thick gets as many cells across its thickness as along its height). `filled`: each part's
    hollows seen along Z filled in (a vessel's material and its inside), so thin walls compare as
    the volume they enclose rather than their millimetres of material."""
    lower = np.minimum(model.bounds[0], truth.bounds[0])
    upper = np.maximum(model.bounds[1], truth.bounds[1])
    axes = [lower[i] + (np.arange(cells) + 0.5) * (upper[i] - lower[i]) / cells for i in range(3)]
    a, b = (_solid(mesh, axes, filled) for mesh in (model, truth))
    return float((a & b).sum() / max((a | b).sum(), 1))


def _solid(mesh: trimesh.Trimesh, axes: list[np.ndarray], filled: bool = False) -> np.ndarray:
    """Which grid points each closed part encloses (a ray along Z per column, inside between
    entering and leaving hits, or between the first and the last when `filled`), united over the parts."""
    xs, ys, zs = axes
    columns = np.stack(np.meshgrid(xs, ys, indexing="ij"), -1).reshape(-1, 2)
    solid = np.zeros((len(xs) * len(ys), len(zs)), dtype=bool)
    for part in geometry_only(mesh).split(only_watertight=False):
        origins = np.column_stack([columns, np.full(len(columns), part.bounds[0][2] - 1.0)])
        hits, rays, _ = part.ray.intersects_location(origins, np.tile([0.0, 0.0, 1.0], (len(columns), 1)),
                                                     multiple_hits=True)
        for ray in np.unique(rays):
            depths = np.sort(hits[rays == ray, 2])
            if filled:
                depths = depths[[0, -1]]
            for enter, leave in zip(depths[0::2], depths[1::2]):
                solid[ray] |= (zs >= enter) & (zs <= leave)
    return solid.reshape(len(xs), len(ys), len(zs))
