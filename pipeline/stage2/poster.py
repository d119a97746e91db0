"""Offline rendering with moderngl on headless EGL: the poster, turntable views for review, and front views for quality checks.

Every render runs in a forked child with a time limit (pipeline.stage2.bounded): a software GL
driver fed a pathological draw can spin forever in native code, and a job must never hang on it.
The parent process therefore never makes a GL context of its own.
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from pipeline.errors import ExportError
from pipeline.stage2.bounded import BoundedCall, run_with_time_limit
from pipeline.stage2.textures import base_color_texture

if TYPE_CHECKING:
    import moderngl
    import trimesh
    from PIL import Image

POSTER_SIZE = 1024
# model-viewer's defaults: camera-orbit "0deg 75deg 105%" and a 30° framed field of view, the
# 100% radius being the bounding sphere's radius / sin(fov / 2) around the bounding box centre.
CAMERA_THETA_DEG = 0.0
CAMERA_PHI_DEG = 75.0
CAMERA_RADIUS_FACTOR = 1.05
FIELD_OF_VIEW_DEG = 30.0
# A held model's views for the merchant: the poster's camera turned about the vertical axis.
TURNTABLE_ANGLES_DEG = {"front": 0.0, "45": 45.0, "side": 90.0}
TURNTABLE_SIZE = 512
_MSAA_SAMPLES = 4
# A render takes well under a second; a stuck one is stopped after this long (seconds).
RENDER_TIME_LIMIT_S = 60.0
_EGL_HELP = "poster rendering needs headless EGL: install Debian's libegl1, libegl-mesa0 and libgl1-mesa-dri"

_VERTEX_SHADER = """
#version 330
uniform mat4 mvp;
in vec3 in_position;
in vec3 in_normal;
in vec2 in_uv;
out vec3 v_normal;
out vec2 v_uv;
void main() {
    gl_Position = mvp * vec4(in_position, 1.0);
    v_normal = in_normal;
    v_uv = in_uv;
}
"""

_FRAGMENT_SHADER = """
#version 330
uniform sampler2D base_texture;
uniform bool textured;
uniform bool lit;
uniform vec4 base_factor;
uniform vec3 key_direction;
uniform vec3 fill_direction;
in vec3 v_normal;
in vec2 v_uv;
out vec4 colour;
void main() {
    vec4 base = base_factor;
    if (textured) {
        base *= texture(base_texture, v_uv);
    }
    if (!lit) {
        colour = vec4(base.rgb, 1.0);
        return;
    }
    vec3 albedo = pow(base.rgb, vec3(2.2));
    vec3 n = normalize(gl_FrontFacing ? v_normal : -v_normal);
    // A soft studio: sky/ground hemisphere, a key light above the camera, a dimmer fill.
    float hemisphere = mix(0.55, 0.9, 0.5 + 0.5 * n.y);
    float key = max(dot(n, key_direction), 0.0) * 0.75;
    float fill = max(dot(n, fill_direction), 0.0) * 0.25;
    vec3 linear = albedo * (hemisphere + key + fill);
    vec3 mapped = linear / (1.0 + 0.15 * linear);  // gentle roll-off instead of clipping
    colour = vec4(pow(mapped * 1.1, vec3(1.0 / 2.2)), 1.0);
}
"""


@dataclass(frozen=True)
class FrontView:
    """An unlit orthographic view along -Z framing the mesh's X/Y bounds exactly."""

    rgb: np.ndarray  # (h, w, 3) uint8
    mask: np.ndarray  # (h, w) bool, True where the mesh covers the pixel


def render_poster(
    mesh: trimesh.Trimesh, size: int = POSTER_SIZE, *, time_limit_s: float = RENDER_TIME_LIMIT_S
) -> Image.Image:
    """The model as model-viewer first shows it, on a transparent background (RGBA).

    Raises ExportError when no headless EGL context can be made or the mesh cannot be drawn,
    StageTimeoutError when the render does not finish within `time_limit_s`.
    """
    _require_finite(mesh)
    return run_with_time_limit(_render_poster, mesh, size, limit_s=time_limit_s, what="the poster render")


def render_turntable(
    mesh: trimesh.Trimesh, size: int = TURNTABLE_SIZE, *, time_limit_s: float = RENDER_TIME_LIMIT_S
) -> dict[str, Image.Image]:
    """The model from the front, at 45° and from the side, lit and framed as the poster, by angle
    name (`TURNTABLE_ANGLES_DEG`): what a merchant looks at before approving a held model.

    Raises ExportError when no headless EGL context can be made or the mesh cannot be drawn,
    StageTimeoutError when the three renders do not finish within `time_limit_s`.
    """
    _require_finite(mesh)
    return run_with_time_limit(_render_turntable, mesh, size, limit_s=time_limit_s, what="the turntable render")


def render_front_view(
    mesh: trimesh.Trimesh, longest_side: int = 256, *, time_limit_s: float = RENDER_TIME_LIMIT_S
) -> FrontView:
    """Unlit orthographic front view (looking along -Z), for silhouette and colour comparison.

    Raises ExportError when no headless EGL context can be made or the mesh cannot be drawn,
    StageTimeoutError when the render does not finish within `time_limit_s`.
    """
    _require_finite(mesh)
    return run_with_time_limit(_render_front_view, mesh, longest_side, limit_s=time_limit_s, what="the front view render")


def poster_call(mesh: trimesh.Trimesh, size: int = POSTER_SIZE) -> BoundedCall:
    """`render_poster` as a call for a render child shared with other renders (bounded.BoundedCalls).

    Raises ExportError for a mesh with non-finite coordinates.
    """
    _require_finite(mesh)
    return BoundedCall("the poster render", _render_poster, (mesh, size))


def front_view_call(
    mesh: trimesh.Trimesh, longest_side: int = 256, *, turned: np.ndarray | None = None, what: str = "the front view render"
) -> BoundedCall:
    """`render_front_view` as a call for a shared render child, of the mesh turned by the 3 × 3
    rotation `turned` first (in the child, so this process copies nothing).

    Raises ExportError for a mesh with non-finite coordinates.
    """
    _require_finite(mesh)
    if turned is None:
        return BoundedCall(what, _render_front_view, (mesh, longest_side))
    return BoundedCall(what, _render_turned_front_view, (mesh, turned, longest_side))


def _require_finite(mesh: trimesh.Trimesh) -> None:
    # A NaN or infinite coordinate escapes clipping and can make a software rasteriser spin.
    if not np.isfinite(mesh.vertices).all():
        raise ExportError("cannot render a mesh with non-finite coordinates")


def _render_turntable(mesh: trimesh.Trimesh, size: int) -> dict[str, Image.Image]:
    return {name: _render_poster(mesh, size, theta_deg) for name, theta_deg in TURNTABLE_ANGLES_DEG.items()}


def _render_poster(mesh: trimesh.Trimesh, size: int, theta_deg: float = CAMERA_THETA_DEG) -> Image.Image:
    from PIL import Image

    target, radius = _framing(mesh)
    distance = CAMERA_RADIUS_FACTOR * radius / math.sin(math.radians(FIELD_OF_VIEW_DEG / 2))
    theta, phi = math.radians(theta_deg), math.radians(CAMERA_PHI_DEG)
    eye = target + distance * np.array([math.sin(phi) * math.sin(theta), math.cos(phi), math.sin(phi) * math.cos(theta)])
    view = _look_at(eye, target, np.array([0.0, 1.0, 0.0]))
    projection = _perspective(FIELD_OF_VIEW_DEG, 1.0, max(distance - 2 * radius, distance * 0.01), distance + 2 * radius)
    # Lights move with the camera, as a photographer's would.
    to_camera = (eye - target) / np.linalg.norm(eye - target)
    right = np.cross([0.0, 1.0, 0.0], to_camera)
    right /= np.linalg.norm(right)
    key = _unit(to_camera + 0.9 * np.array([0.0, 1.0, 0.0]) - 0.6 * right)
    fill = _unit(to_camera + 0.7 * right - 0.2 * np.array([0.0, 1.0, 0.0]))
    pixels = _render(mesh, projection @ view, (size, size), lit=True, lights=(key, fill), texture_side=size)
    return Image.fromarray(pixels, "RGBA")


def _render_front_view(mesh: trimesh.Trimesh, longest_side: int) -> FrontView:
    lower, upper = mesh.bounds
    width, height = max(upper[0] - lower[0], 1e-9), max(upper[1] - lower[1], 1e-9)
    scale = longest_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    depth = float(upper[2] - lower[2]) + 1.0
    projection = _orthographic(lower[0], upper[0], lower[1], upper[1], -upper[2] - 1.0, -upper[2] + depth)
    pixels = _render(mesh, projection, size, lit=False, lights=None, texture_side=2 * longest_side)
    return FrontView(rgb=pixels[..., :3].copy(), mask=pixels[..., 3] >= 128)


def _render_turned_front_view(mesh: trimesh.Trimesh, rotation: np.ndarray, longest_side: int) -> FrontView:
    turned = mesh.copy()
    matrix = np.identity(4)
    matrix[:3, :3] = rotation
    turned.apply_transform(matrix)
    return _render_front_view(turned, longest_side)


# World → view rotations for orthographic views: the camera looks along the view's -Z.
View = Literal["front", "side", "top", "back"]
_VIEWS: dict[str, np.ndarray] = {
    "front": np.identity(3),  # from +Z: X right, Y up
    "side": np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]),  # from +X (the model's left): -Z right
    "top": np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]]),  # from above: X right, the back up
    "back": np.array([[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]]),  # from -Z: -X right, Y up
}


def render_view(
    mesh: trimesh.Trimesh,
    view: View,
    *,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
    pixels_per_unit: float | None = None,
    longest_side: int = 256,
    lit: bool = False,
    time_limit_s: float = RENDER_TIME_LIMIT_S,
) -> FrontView:
    """An orthographic view from the front, the side (+X), above or behind, framing `bounds` (default:
    the mesh's) at `pixels_per_unit` (default: `longest_side` pixels on the frame's longer side).

    Two meshes rendered with the same bounds and scale give pixel-aligned silhouettes, in the
    mesh's own units. Raises ExportError when no headless EGL context can be made or the mesh
    cannot be drawn, StageTimeoutError when the render does not finish within `time_limit_s`.
    """
    _require_finite(mesh)
    return run_with_time_limit(_render_view, mesh, view, bounds, pixels_per_unit, longest_side, lit,
                               limit_s=time_limit_s, what=f"the {view} view render")


def _render_view(
    mesh: trimesh.Trimesh,
    view: View,
    bounds: tuple[np.ndarray, np.ndarray] | None,
    pixels_per_unit: float | None,
    longest_side: int,
    lit: bool,
) -> FrontView:
    rotation = _VIEWS[view]
    lower, upper = bounds if bounds is not None else mesh.bounds
    corners = np.array([[x, y, z] for x in (lower[0], upper[0]) for y in (lower[1], upper[1]) for z in (lower[2], upper[2])])
    seen = corners @ rotation.T
    low, high = seen.min(axis=0), seen.max(axis=0)
    extent = np.maximum(high - low, 1e-9)
    scale = pixels_per_unit if pixels_per_unit is not None else longest_side / max(extent[0], extent[1])
    size = (max(1, round(extent[0] * scale)), max(1, round(extent[1] * scale)))
    model = np.identity(4)
    model[:3, :3] = rotation
    margin = float(extent[2]) + 1.0
    projection = _orthographic(low[0], low[0] + size[0] / scale, low[1], low[1] + size[1] / scale,
                               -high[2] - margin, -low[2] + margin)
    # Lights move with the camera: above-left key and a dimmer right fill, turned into world axes.
    lights = (rotation.T @ _unit(np.array([-0.4, 0.8, 1.0])), rotation.T @ _unit(np.array([0.7, 0.1, 0.6]))) if lit else None
    pixels = _render(mesh, projection @ model, size, lit=lit, lights=lights, texture_side=2 * max(size))
    return FrontView(rgb=pixels[..., :3].copy(), mask=pixels[..., 3] >= 128)


def _render(
    mesh: trimesh.Trimesh,
    mvp: np.ndarray,
    size: tuple[int, int],
    *,
    lit: bool,
    lights: tuple[np.ndarray, np.ndarray] | None,
    texture_side: int,
) -> np.ndarray:
    """Draw the mesh and return straight-alpha RGBA uint8 pixels, top row first.

    Shading uses the mesh's vertex normals (Stage 2 sets them seamless across UV seams). The
    texture is uploaded at most `texture_side` a side: more texels than pixels only cost time.
    """
    import moderngl
    from PIL import Image

    if not np.isfinite(mvp).all():
        raise ExportError("cannot render with a camera of non-finite coordinates")
    ctx, lock = _context()
    width, height = size
    samples = min(_MSAA_SAMPLES, ctx.max_samples)
    normals = np.asarray(mesh.vertex_normals)
    uv = getattr(mesh.visual, "uv", None)
    image = base_color_texture(mesh)
    textured = image is not None and uv is not None
    vertex_data = np.hstack(
        [mesh.vertices, normals, np.asarray(uv) if textured else np.zeros((len(mesh.vertices), 2))]
    ).astype("f4")
    with lock:
        resources: list[
            moderngl.Buffer | moderngl.Texture | moderngl.Framebuffer | moderngl.Renderbuffer | moderngl.VertexArray
        ] = []
        try:
            program = _program(ctx)
            vbo = ctx.buffer(vertex_data.tobytes())
            ibo = ctx.buffer(np.asarray(mesh.faces, dtype="u4").tobytes())
            vao = ctx.vertex_array(program, [(vbo, "3f 3f 2f", "in_position", "in_normal", "in_uv")], ibo)
            colour = ctx.renderbuffer((width, height), 4, samples=samples)
            depth = ctx.depth_renderbuffer((width, height), samples=samples)
            fbo = ctx.framebuffer(color_attachments=[colour], depth_attachment=depth)
            resolved_colour = ctx.renderbuffer((width, height), 4)
            resolved = ctx.framebuffer(color_attachments=[resolved_colour])
            resources += [vbo, ibo, vao, colour, depth, fbo, resolved_colour, resolved]
            if image is not None and textured:
                texture = _texture(ctx, image, texture_side)
                resources.append(texture)
                texture.use(0)
            _uniform(program, "textured").value = textured
            _uniform(program, "lit").value = lit
            _uniform(program, "base_factor").value = _base_factor(mesh, textured)
            _uniform(program, "mvp").write(np.ascontiguousarray(mvp.T, dtype="f4").tobytes())
            if lights is not None:
                _uniform(program, "key_direction").value = tuple(map(float, lights[0]))
                _uniform(program, "fill_direction").value = tuple(map(float, lights[1]))
            fbo.use()
            ctx.viewport = (0, 0, width, height)
            ctx.clear(0.0, 0.0, 0.0, 0.0)
            ctx.enable(moderngl.DEPTH_TEST)
            ctx.disable(moderngl.CULL_FACE)
            vao.render(moderngl.TRIANGLES)
            ctx.copy_framebuffer(resolved, fbo)  # resolves the multisampling
            raw = resolved.read(components=4, alignment=1)
        finally:
            for resource in reversed(resources):
                resource.release()
    # The background is (0, 0, 0, 0), so resolved edge pixels are premultiplied ("RGBa"):
    # converting to straight alpha leaves no dark fringe where the poster meets the page.
    image = Image.frombuffer("RGBa", (width, height), raw, "raw", "RGBa", 0, -1)
    return np.asarray(image.convert("RGBA"))


@functools.cache
def _context() -> tuple[moderngl.Context, threading.Lock]:
    """One headless context per render child (made on first use), shared under a lock. Only forked
    children may call it: a process that made one and forks again hands its children a driver whose
    threads did not survive the fork, and their renders can hang."""
    import moderngl

    try:
        # glcontext takes backend="egl" through create_context's keywords; the stub disagrees.
        ctx = moderngl.create_context(standalone=True, backend="egl")  # type: ignore[arg-type]
    except Exception as exc:  # glcontext raises plain Exception subclasses of several kinds
        raise ExportError(f"{_EGL_HELP} ({exc})") from exc
    return ctx, threading.Lock()


def _uniform(program: moderngl.Program, name: str) -> moderngl.Uniform:
    import moderngl

    member = program[name]
    assert isinstance(member, moderngl.Uniform), name
    return member


@functools.cache
def _program(ctx: moderngl.Context) -> moderngl.Program:
    return ctx.program(vertex_shader=_VERTEX_SHADER, fragment_shader=_FRAGMENT_SHADER)


def _texture(ctx: moderngl.Context, image: Image.Image, max_side: int) -> moderngl.Texture:
    import moderngl
    from PIL import ImageOps

    if max(image.size) > max_side:
        image = image.copy()
        image.thumbnail((max_side, max_side), reducing_gap=2.0)
    rgba = ImageOps.flip(image.convert("RGBA"))  # GL's first row is the image's bottom (v = 0)
    texture = ctx.texture(rgba.size, 4, rgba.tobytes())
    texture.build_mipmaps()
    texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
    texture.anisotropy = 8.0
    return texture


def _base_factor(mesh: trimesh.Trimesh, textured: bool) -> tuple[float, float, float, float]:
    factor = getattr(getattr(mesh.visual, "material", None), "baseColorFactor", None)
    if factor is not None:
        return tuple(float(c) / 255.0 for c in factor[:4])  # type: ignore[return-value]
    if not textured and getattr(mesh.visual, "kind", None) in {"vertex", "face"}:
        mean = np.asarray(getattr(mesh.visual, "vertex_colors"), dtype=float)[:, :4].mean(axis=0) / 255.0
        return tuple(float(c) for c in mean)  # type: ignore[return-value]
    return (1.0, 1.0, 1.0, 1.0) if textured else (0.8, 0.8, 0.8, 1.0)


def _framing(mesh: trimesh.Trimesh) -> tuple[np.ndarray, float]:
    """model-viewer's target (bounding box centre) and bounding sphere radius about it."""
    target = mesh.bounds.mean(axis=0)
    radius = float(np.linalg.norm(mesh.vertices - target, axis=1).max())
    return target, max(radius, 1e-9)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


def _look_at(eye: np.ndarray, target: np.ndarray, up: np.ndarray) -> np.ndarray:
    forward = _unit(target - eye)
    side = _unit(np.cross(forward, up))
    true_up = np.cross(side, forward)
    view = np.identity(4)
    view[0, :3], view[1, :3], view[2, :3] = side, true_up, -forward
    view[:3, 3] = -view[:3, :3] @ eye
    return view


def _perspective(fov_deg: float, aspect: float, near: float, far: float) -> np.ndarray:
    f = 1.0 / math.tan(math.radians(fov_deg) / 2)
    return np.array(
        [
            [f / aspect, 0, 0, 0],
            [0, f, 0, 0],
            [0, 0, (far + near) / (near - far), 2 * far * near / (near - far)],
            [0, 0, -1, 0],
        ]
    )


def _orthographic(left: float, right: float, bottom: float, top: float, near: float, far: float) -> np.ndarray:
    return np.array(
        [
            [2 / (right - left), 0, 0, -(right + left) / (right - left)],
            [0, 2 / (top - bottom), 0, -(top + bottom) / (top - bottom)],
            [0, 0, -2 / (far - near), -(far + near) / (far - near)],
            [0, 0, 0, 1],
        ]
    )
