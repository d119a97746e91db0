"""Open round vessels (a mug, a tumbler, a vase) are hollow with a rim; closed ones stay capped; profiles are smooth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trimesh

from pipeline.generators.local_generator import LocalGenerator, _crop_box, _photographed_side
from pipeline.generators.shapes import is_open_vessel
from pipeline.generators.shapes.revolved import find_body, revolve, view_of
from pipeline.photos.images import decode_image
from pipeline.product import ProductInput
from pipeline.stage2.mesh_repair import geometry_only
from tests.pipeline.known_products import by_name

PHOTOS = Path(__file__).resolve().parents[2] / "fixtures" / "photos"


@pytest.mark.parametrize(
    ("title", "is_open"),
    [("Red ceramic mug", True), ("Frosted glass tumbler", True), ("Stoneware vase", True), ("Terracotta planter", True),
     ("Plant pot", True), ("Olive oil bottle", False), ("Glass bottle", False), ("Sparkling water soda can", False),
     ("Travel cup with lid", False), ("Scented candle in a glass jar", False), ("Teapot", False),
     ("Basketball ball", False), ("Desk lamp", False), ("Probe product", False)],
)
def test_open_or_closed_is_decided_from_the_products_words(title: str, is_open: bool) -> None:
    assert is_open_vessel(ProductInput(title=title)) is is_open


def test_the_category_decides_when_the_title_names_no_vessel() -> None:
    assert is_open_vessel(ProductInput(title="Sunrise", categories=("Mugs",)))
    assert not is_open_vessel(ProductInput(title="Sunrise", categories=("Bottles",)))


def _first_hit_below(mesh: trimesh.Trimesh, x: float, z: float) -> float:
    """The height at which a ray straight down from above the model first meets it."""
    top = float(mesh.bounds[1][1]) + 1.0
    hits, _, _ = mesh.ray.intersects_location([[x, top, z]], [[0.0, -1.0, 0.0]], multiple_hits=True)
    return float(hits[:, 1].max())


def _generated(name: str) -> trimesh.Trimesh:
    generated = LocalGenerator(max_faces=50_000).generate(by_name(name).product_input())
    return generated.mesh, generated.metadata


def test_an_open_mug_seen_from_above_shows_its_inside_and_floor_and_stays_closed_as_a_surface() -> None:
    mesh, metadata = _generated("mug")
    assert metadata["vessel"] == "open"
    surface = geometry_only(mesh)
    assert surface.is_watertight and surface.is_winding_consistent and surface.volume > 0
    lower, upper = surface.bounds
    height = upper[1] - lower[1]
    # The body's axis: the middle of its top ring (the handle sticks out on one side).
    rim = surface.vertices[surface.vertices[:, 1] > upper[1] - 0.01 * height]
    centre = (rim.min(axis=0) + rim.max(axis=0)) / 2
    floor = _first_hit_below(surface, centre[0], centre[2])
    assert upper[1] - floor > 0.8 * height  # the inner floor, near the base
    assert floor - lower[1] > 0.02 * height  # but above it: the base has a thickness
    # Halfway between the axis and the outside, the ray still falls to the floor: an opening, not a hole.
    radius = (rim.max(axis=0) - rim.min(axis=0))[2] / 2
    assert upper[1] - _first_hit_below(surface, centre[0], centre[2] + 0.6 * radius) > 0.8 * height
    # The wall is thin: just inside the outer edge of the rim, the ray meets the rim itself.
    assert upper[1] - _first_hit_below(surface, centre[0], centre[2] + 0.99 * radius) < 0.01 * height


def _colours_first_seen_from_above(mesh: trimesh.Trimesh, x: float, z: float) -> np.ndarray:
    """The texels at the corners of the triangle a ray straight down first meets."""
    origin = [[x, float(mesh.bounds[1][1]) + 1.0, z]]
    faces, _, hits = mesh.ray.intersects_id(origin, [[0.0, -1.0, 0.0]], multiple_hits=True, return_locations=True)
    corners = mesh.faces[faces[np.argmax(hits[:, 1])]]
    texture = np.asarray(mesh.visual.material.baseColorTexture.convert("RGB"), dtype=float)
    uv = mesh.visual.uv[corners]
    rows = ((1 - uv[:, 1]) * (texture.shape[0] - 1)).round().astype(int)
    columns = (uv[:, 0] * (texture.shape[1] - 1)).round().astype(int)
    return texture[rows, columns]


def test_the_inside_is_the_products_colour_a_little_darker_than_the_rim_not_the_photo() -> None:
    mesh, _ = _generated("mug")
    rim = mesh.vertices[mesh.vertices[:, 1] > mesh.bounds[1][1] - 1e-3]
    centre, radius = (rim.min(axis=0) + rim.max(axis=0)) / 2, (rim.max(axis=0) - rim.min(axis=0))[2] / 2
    floor = _colours_first_seen_from_above(mesh, centre[0], centre[2])
    rim_colours = _colours_first_seen_from_above(mesh, centre[0], centre[2] + 0.98 * radius)
    for colours in (floor, rim_colours):
        assert np.ptp(colours, axis=0).max() < 2  # one plain colour, no photo stretched
        red, green, blue = colours[0]
        assert red > 2 * green and red > 2 * blue  # the red mug's red
    assert 0.7 < floor[0, 0] / rim_colours[0, 0] < 0.9  # the inside, in the shade


@pytest.mark.parametrize("name", ["bottle", "can"])
def test_a_bottle_and_a_can_stay_closed(name: str) -> None:
    mesh, metadata = _generated(name)
    assert metadata["vessel"] == "closed"
    surface = geometry_only(mesh)
    assert surface.is_watertight
    lower, upper = surface.bounds
    centre = (lower + upper) / 2
    assert upper[1] - _first_hit_below(surface, centre[0], centre[2]) < 0.02 * (upper[1] - lower[1])


def test_a_smooth_mugs_profile_has_no_ripples() -> None:
    """The ruby mug's side is a smooth taper: between its rims its radius along the height follows
    a gentle curve within a third of a pixel, with no steps where the handle joins (shading bands
    in a render)."""
    photo = "ruby_mug.jpg"
    side = _photographed_side(decode_image((PHOTOS / photo).read_bytes(), photo), photo)
    x0, y0, x1, y1 = _crop_box(side.mask.mask)
    mask = side.mask.mask[y0:y1, x0:x1]
    body = find_body(mask)
    _, start, stop = view_of(mask, body, side.mask.mask.shape[0] / 2 - y0, 0.0)
    margin = round(0.05 * (stop - start))  # the rims' own rounding
    rows = np.arange(int(start) + margin, int(stop) - margin)
    half_widths = body.half_widths[rows]
    fitted = np.polyval(np.polyfit(rows, half_widths, 3), rows)
    assert np.abs(half_widths - fitted).max() < 0.35
    assert np.abs(np.diff(half_widths, 2)).max() < 0.3


def test_a_staircase_edge_is_smoothed_but_a_bottles_shoulder_keeps_its_corner() -> None:
    rows = np.arange(300)
    taper = np.round(110 + 40 * rows / 300)  # a cup's straight taper, drawn in whole pixels
    bottle = np.round(np.interp(rows, [0, 70, 100, 300], [22, 22, 60, 60]))  # neck, shoulder, body
    for outline in (taper, bottle):
        mask = np.zeros((320, 400), dtype=bool)
        mask[10:310] = np.abs(np.arange(400)[None, :] + 0.5 - 200) <= outline[:, None]
        half_widths = find_body(mask).half_widths[10:310]
        assert np.abs(half_widths - outline).max() <= 0.8
        if outline is taper:
            assert np.abs(np.diff(half_widths[20:-20], 2)).max() < 0.02
        else:
            assert half_widths[101:295].min() > 59 and half_widths[5:65].max() < 23


def test_a_shallow_bowl_too_low_for_its_floor_stays_one_closed_surface_with_the_floor_halfway() -> None:
    rows = np.arange(30)
    mask = np.zeros((40, 400), dtype=bool)
    mask[5:35] = np.abs(np.arange(400)[None, :] + 0.5 - 200) <= (150 + rows)[:, None]  # 30 px deep, 360 across
    body = find_body(mask)
    camera, start, stop = view_of(mask, body, 20.0, 0.0)
    surface = revolve(mask, body, camera, start, stop, max_faces=20_000, open_top=True)
    mesh = trimesh.Trimesh(surface.positions, surface.faces, process=False)
    mesh.merge_vertices()
    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0
    lower, upper = mesh.bounds
    centre = (lower + upper) / 2
    floor = _first_hit_below(mesh, centre[0], centre[2])
    assert 0.4 < (floor - lower[1]) / (upper[1] - lower[1]) < 0.6
