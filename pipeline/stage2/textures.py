"""Texture handling: find a mesh's base colour image, downscale it, re-encode it for the web."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import trimesh
    from PIL import Image

JPEG_QUALITY = 90
# glTF's default metallic factor is 1, which renders a plain product dark and chrome-like.
DEFAULT_METALLIC = 0.0
DEFAULT_ROUGHNESS = 0.7
# Texels the base colour texture gets per face of the budget: a 50,000-face model gets 1024².
TEXELS_PER_FACE = 20
_SMALLEST_TEXTURE = 64


@dataclass(frozen=True)
class TextureInfo:
    """The texture Stage 2 kept: size before and after, and how it is encoded."""

    original_size: tuple[int, int]
    size: tuple[int, int]
    encoding: str

    def as_dict(self) -> dict[str, object]:
        return {"original_size": list(self.original_size), "size": list(self.size), "encoding": self.encoding}


def texture_size_for_budget(face_budget: int, max_texture_size: int) -> int:
    """The longest texture side worth serving on a model of `face_budget` faces.

    The power of two giving about TEXELS_PER_FACE texels a face, at most `max_texture_size`:
    finer detail than the mesh can carry is bytes a shopper downloads but does not see.
    """
    side = 2 ** math.ceil(math.log2(math.sqrt(TEXELS_PER_FACE * max(face_budget, 1))))
    return min(max(side, _SMALLEST_TEXTURE), max_texture_size)


def base_color_texture(mesh: trimesh.Trimesh) -> Image.Image | None:
    """The mesh's base colour image, if it has one (PBR or simple material)."""
    material = getattr(mesh.visual, "material", None)
    if material is None:
        return None
    image = getattr(material, "baseColorTexture", None)
    if image is None:
        image = getattr(material, "image", None)
    return image


def encode_for_web(image: Image.Image, max_size: int) -> Image.Image:
    """Downscale to at most `max_size` a side and re-encode: JPEG when opaque, PNG with alpha.

    The result is re-read from the encoded bytes so that its `format` tells the glTF and USDZ
    writers to embed those bytes (trimesh embeds JPEG only when `format == 'JPEG'`).
    """
    from PIL import Image

    scale = max_size / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    buffer = io.BytesIO()
    if _has_alpha(image):
        image.convert("RGBA").save(buffer, format="PNG", optimize=True)
    else:
        image.convert("RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    buffer.seek(0)
    encoded = Image.open(buffer)
    encoded.load()
    if encoded.format == "JPEG":
        # Writers that save it again (trimesh's GLB) then keep these quantisation tables
        # instead of re-compressing at Pillow's default quality 75.
        encoded.encoderinfo = {"quality": "keep"}
    return encoded


def optimize_textures(mesh: trimesh.Trimesh, max_size: int) -> tuple[trimesh.Trimesh, TextureInfo | None]:
    """A copy whose material is PBR (non-metallic unless set) with a web-ready base colour texture."""
    import trimesh

    result = mesh.copy()
    material = getattr(result.visual, "material", None)
    if material is None:
        return result, None
    pbr = material if isinstance(material, trimesh.visual.material.PBRMaterial) else material.to_pbr()
    if pbr.metallicFactor is None:
        pbr.metallicFactor = DEFAULT_METALLIC
    if pbr.roughnessFactor is None:
        pbr.roughnessFactor = DEFAULT_ROUGHNESS
    info = None
    image = pbr.baseColorTexture
    if image is not None:
        encoded = encode_for_web(image, max_size)
        pbr.baseColorTexture = encoded
        info = TextureInfo(image.size, encoded.size, str(encoded.format).lower())
    result.visual = trimesh.visual.TextureVisuals(uv=getattr(result.visual, "uv", None), material=pbr)
    return result, info


def _has_alpha(image: Image.Image) -> bool:
    if image.mode not in {"RGBA", "LA", "PA"} and not (image.mode == "P" and "transparency" in image.info):
        return False
    return bool(np.asarray(image.convert("RGBA"))[..., 3].min() < 255)
