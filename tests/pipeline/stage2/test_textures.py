"""pipeline.stage2.textures: textures come out web-sized, encoded to keep, on a non-metallic PBR material."""

from __future__ import annotations

import numpy as np
import trimesh
from PIL import Image

from pipeline.stage2.textures import base_color_texture, encode_for_web, optimize_textures, texture_size_for_budget
from tests.pipeline.meshes import textured_sphere


def test_the_face_budget_sets_the_texture_size_within_the_maximum() -> None:
    assert texture_size_for_budget(50_000, 2048) == 1024
    assert texture_size_for_budget(10_000, 2048) == 512
    assert texture_size_for_budget(200_000, 2048) == 2048
    assert texture_size_for_budget(200_000, 1024) == 1024
    assert texture_size_for_budget(100, 2048) == 64


def test_large_texture_is_downscaled_keeping_its_aspect() -> None:
    encoded = encode_for_web(Image.new("RGB", (4096, 2048), (200, 100, 50)), 2048)
    assert encoded.size == (2048, 1024)


def test_small_texture_is_not_upscaled() -> None:
    assert encode_for_web(Image.new("RGB", (300, 200)), 2048).size == (300, 200)


def test_opaque_texture_becomes_jpeg_that_writers_keep() -> None:
    encoded = encode_for_web(Image.new("RGBA", (64, 64), (10, 20, 30, 255)), 2048)
    assert encoded.format == "JPEG" and encoded.encoderinfo == {"quality": "keep"}


def test_texture_with_transparency_stays_png_with_alpha() -> None:
    image = Image.new("RGBA", (64, 64), (10, 20, 30, 255))
    image.putpixel((0, 0), (0, 0, 0, 0))
    encoded = encode_for_web(image, 2048)
    assert encoded.format == "PNG" and np.asarray(encoded.convert("RGBA"))[0, 0, 3] == 0


def test_optimize_textures_works_on_a_copy_and_fills_pbr_defaults() -> None:
    sphere = textured_sphere(2, texture_size=512)
    sphere.visual.material.metallicFactor = None
    sphere.visual.material.roughnessFactor = None
    result, info = optimize_textures(sphere, 128)
    assert info is not None and info.original_size == (512, 512) and info.size == (128, 128)
    assert result.visual.material.metallicFactor == 0.0 and result.visual.material.roughnessFactor == 0.7
    assert base_color_texture(sphere).size == (512, 512)


def test_simple_material_is_converted_to_pbr() -> None:
    box = trimesh.creation.box()
    material = trimesh.visual.material.SimpleMaterial(image=Image.new("RGB", (32, 32), (255, 0, 0)))
    box.visual = trimesh.visual.TextureVisuals(uv=np.zeros((len(box.vertices), 2)), material=material)
    result, info = optimize_textures(box, 2048)
    assert isinstance(result.visual.material, trimesh.visual.material.PBRMaterial)
    assert info is not None and info.encoding == "jpeg"


def test_mesh_without_material_has_no_texture_info() -> None:
    _, info = optimize_textures(trimesh.creation.box(), 2048)
    assert info is None
