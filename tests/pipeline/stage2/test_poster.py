"""pipeline.stage2.poster: an offline render framed like model-viewer's default view, bright and upright."""

from __future__ import annotations

import numpy as np
import trimesh
from PIL import Image

from pipeline.stage2.poster import POSTER_SIZE, render_front_view, render_poster, render_turntable
from tests.pipeline.meshes import textured_sphere


def _grey_l_shape() -> trimesh.Trimesh:
    """An L: a tall bar on the left with a foot to the right, resting on the floor."""
    bar = trimesh.creation.box(extents=(0.2, 1.0, 0.2), transform=trimesh.transformations.translation_matrix((0, 0.5, 0)))
    foot = trimesh.creation.box(extents=(0.6, 0.2, 0.2), transform=trimesh.transformations.translation_matrix((0.3, 0.1, 0)))
    mesh = trimesh.util.concatenate([bar, foot])
    mesh.visual.face_colors = [200, 200, 200, 255]
    return mesh


def test_poster_is_a_square_rgba_png_sized_image() -> None:
    poster = render_poster(textured_sphere(2))
    assert poster.mode == "RGBA" and poster.size == (POSTER_SIZE, POSTER_SIZE)


def test_poster_background_is_transparent_and_the_model_centred() -> None:
    alpha = np.asarray(render_poster(textured_sphere(2), size=256))[..., 3]
    assert alpha[0, 0] == 0 and alpha[128, 128] == 255
    ys, xs = np.nonzero(alpha > 128)
    assert abs(xs.mean() - 128) < 6 and abs(ys.mean() - 128) < 12
    # model-viewer fits the bounding sphere at 105 %: a sphere nearly fills the frame, unclipped.
    assert 0.88 < (xs.max() - xs.min()) / 256 < 0.98
    assert not alpha[:, 0].any() and not alpha[:, -1].any()


def test_poster_is_not_dark() -> None:
    pixels = np.asarray(render_poster(_grey_l_shape(), size=256))
    lit = pixels[pixels[..., 3] == 255][:, :3]
    assert lit.mean() > 150  # a light grey object reads as light grey


def test_poster_is_upright_and_seen_from_the_front() -> None:
    alpha = np.asarray(render_poster(_grey_l_shape(), size=256))[..., 3] > 128
    ys, xs = np.nonzero(alpha)
    top = ys < ys.min() + (ys.max() - ys.min()) * 0.3
    # The bar is on the left and goes up; the foot reaches right at the bottom.
    assert xs[top].mean() < xs.mean()


def test_front_view_frames_the_bounds_and_keeps_texture_colours() -> None:
    view = render_front_view(textured_sphere(3), longest_side=128)
    assert view.mask.shape == (128, 128)
    assert view.mask[64, 64] and not view.mask[0, 0]
    # The gradient texture: red grows to the right, green upwards (texture v up).
    row = view.rgb[64, 20:108, 0].astype(int)
    assert row[-1] - row[0] > 150
    column = view.rgb[20:108, 64, 1].astype(int)
    assert column[0] - column[-1] > 150


def test_render_works_for_an_untextured_mesh() -> None:
    view = render_front_view(_grey_l_shape(), longest_side=64)
    assert view.mask.any()
    assert Image.fromarray(view.rgb).getextrema()[0][1] >= 190


def test_turntable_turns_the_camera_from_front_to_side() -> None:
    """A board wide in X and thin in Z fills the front view and shrinks to a sliver from the side."""
    board = trimesh.creation.box(extents=(1.0, 0.6, 0.1))
    board.visual.face_colors = [200, 200, 200, 255]
    views = render_turntable(board, 128)
    assert list(views) == ["front", "45", "side"]
    widths = {}
    for angle, image in views.items():
        assert image.mode == "RGBA" and image.size == (128, 128)
        xs = np.nonzero(np.asarray(image)[..., 3] > 128)[1]
        widths[angle] = xs.max() - xs.min()
    assert widths["front"] > widths["45"] > widths["side"]
    assert widths["side"] < 0.35 * widths["front"]


def test_every_render_runs_in_a_child_and_this_process_never_makes_a_gl_context() -> None:
    """A process holding a GL driver that forks can hand its children a hung driver: renders stay in children."""
    from pipeline.stage2 import poster

    mesh = textured_sphere(2)
    poster.render_poster(mesh, size=64)
    poster.render_front_view(mesh, longest_side=32)
    poster.render_view(mesh, "side", longest_side=32)
    poster.render_turntable(mesh, size=32)
    assert poster._context.cache_info().currsize == 0
