"""The offline, keyless generator: a textured "pillow" inflated from the product photo's silhouette."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pipeline.backends import GeneratedMesh, Progress, no_progress
from pipeline.errors import ImageError, NeedsImageError
from pipeline.photos.images import decode_image, fit_within
from pipeline.photos.segmentation import ProductMask, product_mask

if TYPE_CHECKING:
    import trimesh
    from PIL import Image

    from pipeline.product import ProductInput

# Segmentation runs on a copy of this size; the texture keeps the photo's own resolution.
_MASK_SIDE_PX = 512
# Margin around the product's bounding box, in mask pixels, so the rim's texels are inside.
_CROP_MARGIN_PX = 3
# Marching cubes makes about this many faces per grid cell the product covers (front, back, rim).
_FACES_PER_CELL = 9.0
_MIN_RESOLUTION = 48


@dataclass(frozen=True)
class _Side:
    """One photographed side: the RGB texture cropped to the product and its mask."""

    texture: Image.Image
    mask: ProductMask


class LocalGenerator:
    """Inflate the main photo's silhouette into a closed, textured, UV-mapped mesh.

    The mask's distance transform gives every inside point a height that rises like a rounded
    pillow (an elliptical profile reaching `depth_ratio` of the longer side at its thickest; the
    product's real depth-to-size ratio when its dimensions are known). Marching cubes over
    |z| < height gives a watertight surface whose rim is exactly the silhouette. The front is
    textured with the photo; the back with the second photo when there is one (mirrored and
    fitted to the front's silhouette), else with the front seen from behind.
    """

    name = "local"

    def __init__(self, *, resolution: int = 160, depth_ratio: float = 0.25, max_faces: int | None = None):
        """`resolution`: grid cells along the product's longer side, at most; `max_faces`: lower
        the grid so the mesh needs no decimation for that budget (None: always `resolution`)."""
        if not _MIN_RESOLUTION <= resolution <= 1024:
            raise ValueError(f"resolution {resolution} is outside {_MIN_RESOLUTION}..1024")
        if not 0.01 <= depth_ratio <= 2:
            raise ValueError(f"depth_ratio {depth_ratio} is outside 0.01..2")
        self.resolution = resolution
        self.depth_ratio = depth_ratio
        self.max_faces = max_faces

    def generate(self, product: ProductInput, progress: Progress = no_progress) -> GeneratedMesh:
        """Build the mesh. Raises NeedsImageError without images, ImageError for a bad main photo."""
        if not product.images:
            raise NeedsImageError(
                "the product has no image: the local generator needs a product photo "
                "(text-only products need a hosted generator)"
            )
        progress("segmenting", 0.05)
        main = product.images[0]
        front = _photographed_side(decode_image(main.data, main.name))
        warnings = list(front.mask.warnings)
        back: _Side | None = None
        if len(product.images) > 1:
            second = product.images[1]
            try:
                back = _photographed_side(decode_image(second.data, second.name))
            except ImageError as exc:
                warnings.append(f"back photo ignored, the front is mirrored instead: {exc}")
        progress("inflating", 0.35)
        mesh = self._inflate(front, back, product)
        progress("inflating", 1.0)
        return GeneratedMesh(
            mesh=mesh,
            generator=self.name,
            source_mask=front.mask.mask,
            warnings=tuple(warnings),
            metadata={
                "segmentation": front.mask.method,
                "back": "second photo" if back else "mirrored front",
                "faces": len(mesh.faces),
            },
        )

    def _inflate(self, front: _Side, back: _Side | None, product: ProductInput) -> trimesh.Trimesh:
        import trimesh

        x0, y0, x1, y1 = _crop_box(front.mask.mask)
        mask = front.mask.mask[y0:y1, x0:x1]
        depth_ratio = self.depth_ratio
        if product.dimensions is not None:
            dims = product.dimensions
            depth_ratio = min(2.0, dims.depth_m / max(dims.width_m, dims.height_m))
        resolution = self.resolution
        if self.max_faces is not None:
            cells = self.max_faces / _FACES_PER_CELL / max(float(mask.mean()), 0.05)
            aspect = max(mask.shape) / min(mask.shape)
            resolution = int(np.clip(np.sqrt(cells * aspect), _MIN_RESOLUTION, self.resolution))
        grid_scale, positions, faces, rows, cols = _pillow(mask, resolution, depth_ratio)
        # The estimate is rough for thin shapes: refine the grid until the budget is met.
        while self.max_faces is not None and len(faces) > self.max_faces and resolution > _MIN_RESOLUTION:
            resolution = max(_MIN_RESOLUTION, int(resolution * 0.97 * np.sqrt(self.max_faces / len(faces))))
            grid_scale, positions, faces, rows, cols = _pillow(mask, resolution, depth_ratio)
        # UVs: grid cell centres map back to the cropped mask, which is the texture's frame.
        u = (cols + 0.5) / grid_scale / mask.shape[1]
        v = 1.0 - (rows + 0.5) / grid_scale / mask.shape[0]
        uv = np.column_stack([u, v]).clip(0, 1)
        texture = front.texture
        if back is not None:
            positions, faces, uv = _split_front_back(positions, faces, uv)
            texture = _atlas(front.texture, back.texture)
        mesh = trimesh.Trimesh(positions, faces, process=False)
        if mesh.volume < 0:
            mesh.invert()
        mesh.visual = trimesh.visual.TextureVisuals(uv=uv, material=_material(texture))
        return mesh


def _pillow(
    mask: np.ndarray, resolution: int, depth_ratio: float
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Marching cubes over |z| < height(x, y) on a grid `resolution` cells along the longer side.

    Returns the grid scale (cells per mask pixel), vertex positions (longer side 1, Y up, Z
    towards the viewer), faces, and each vertex's grid row and column.
    """
    from PIL import Image
    from scipy import ndimage
    from skimage.measure import marching_cubes

    grid_scale = resolution / max(mask.shape)
    # Area-averaged coverage keeps sub-pixel rim positions; 0.5 is the silhouette.
    coverage = np.asarray(
        Image.fromarray(mask.astype(np.float32)).resize(
            (max(2, round(mask.shape[1] * grid_scale)), max(2, round(mask.shape[0] * grid_scale))),
            Image.Resampling.BOX,
        )
    )
    coverage = np.pad(coverage, 2)
    inside = coverage >= 0.5
    signed = ndimage.distance_transform_edt(inside) - ndimage.distance_transform_edt(~inside)
    signed = ndimage.gaussian_filter(signed + (coverage - 0.5), 0.8)
    rim = max(float(signed.max()), 1.0)
    side = max(mask.shape) * grid_scale
    half_depth = max(1.0, min(rim, depth_ratio * side / 2))
    t = np.clip(signed / rim, 0, 1)
    height = np.where(signed > 0, half_depth * np.sqrt(t * (2 - t)), signed)
    z_step = max(1.0, 2 * half_depth / 48)
    z = np.arange(-half_depth - 2 * z_step, half_depth + 2 * z_step + 1e-9, z_step)
    volume = height[:, :, None] - np.abs(z)[None, None, :]
    verts, faces, _, _ = marching_cubes(
        volume.astype(np.float32), 0.0, spacing=(1.0, 1.0, z_step), allow_degenerate=False
    )
    rows, cols = verts[:, 0] - 2, verts[:, 1] - 2
    positions = np.column_stack([cols, -rows, verts[:, 2] + z[0]]) / side
    return grid_scale, positions, faces, rows, cols


def _photographed_side(image: Image.Image) -> _Side:
    """Segment a photo and crop it (full resolution, colour bled past the rim) to the product."""
    from PIL import Image
    from scipy import ndimage

    small = fit_within(image, _MASK_SIDE_PX)
    found = product_mask(small)
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
