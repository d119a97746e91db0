"""pipeline.stage2.usdz: the USDZ passes usd-core's validators and has what AR Quick Look needs."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import trimesh
from pxr import Usd, UsdGeom, UsdShade

from pipeline.stage2.textures import optimize_textures
from pipeline.stage2.usdz import export_usdz
from tests.pipeline.meshes import textured_sphere
from tests.validators import validate_usdz


@pytest.fixture(scope="module")
def textured(tmp_path_factory: pytest.TempPathFactory) -> tuple[trimesh.Trimesh, Path]:
    mesh = optimize_textures(textured_sphere(3), 256)[0]
    path = tmp_path_factory.mktemp("usdz") / "model.usdz"
    export_usdz(mesh, path)
    return mesh, path


def test_textured_usdz_passes_the_validators(textured: tuple[trimesh.Trimesh, Path]) -> None:
    assert validate_usdz(textured[1]) == []


def test_stage_is_y_up_in_metres_with_a_default_prim(textured: tuple[trimesh.Trimesh, Path]) -> None:
    stage = Usd.Stage.Open(str(textured[1]))
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.y
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert stage.GetDefaultPrim().GetPath() == "/Root"


def test_no_prim_is_anchored_so_quick_look_lets_the_shopper_choose_a_floor_or_a_wall(
    textured: tuple[trimesh.Trimesh, Path]
) -> None:
    """An anchor's `vertical` alignment makes Quick Look turn the model 90°; without one a print
    can go on a wall as modelled (its back at -Z) and a chair on the floor."""
    stage = Usd.Stage.Open(str(textured[1]))
    assert not [prim for prim in stage.Traverse() if any(name.startswith("preliminary:anchoring")
                                                          for name in prim.GetPropertyNames())]


def test_mesh_keeps_its_faces_and_uvs(textured: tuple[trimesh.Trimesh, Path]) -> None:
    mesh, path = textured
    stage = Usd.Stage.Open(str(path))  # the stage must outlive its prims
    geometry = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Product"))
    assert len(geometry.GetFaceVertexCountsAttr().Get()) == len(mesh.faces)
    assert len(UsdGeom.PrimvarsAPI(geometry).GetPrimvar("st").Get()) == len(mesh.vertices)


def test_material_is_a_textured_preview_surface(textured: tuple[trimesh.Trimesh, Path]) -> None:
    stage = Usd.Stage.Open(str(textured[1]))
    material, _ = UsdShade.MaterialBindingAPI(stage.GetPrimAtPath("/Root/Product")).ComputeBoundMaterial()
    surface = material.ComputeSurfaceSource()[0]
    assert surface.GetIdAttr().Get() == "UsdPreviewSurface"
    assert surface.GetInput("metallic").Get() == 0.0
    texture = UsdShade.Shader(surface.GetInput("diffuseColor").GetConnectedSources()[0][0].source.GetPrim())
    assert texture.GetIdAttr().Get() == "UsdUVTexture"


def test_package_holds_the_layer_first_and_the_jpeg_texture(textured: tuple[trimesh.Trimesh, Path]) -> None:
    with zipfile.ZipFile(textured[1]) as package:
        names = package.namelist()
    assert names[0].endswith(".usdc") and any(name.endswith("/texture.jpg") for name in names)


def test_untextured_mesh_gets_a_flat_colour_and_passes(tmp_path: Path) -> None:
    box = trimesh.creation.box()
    box.visual.face_colors = [200, 30, 30, 255]
    path = tmp_path / "box.usdz"
    export_usdz(box, path)
    assert validate_usdz(path) == []
    stage = Usd.Stage.Open(str(path))
    surface = UsdShade.Shader(stage.GetPrimAtPath("/Root/Materials/Product/PreviewSurface"))
    red, green, _ = surface.GetInput("diffuseColor").Get()
    assert red > 0.5 > green


def test_validator_catches_a_stage_without_up_axis(tmp_path: Path) -> None:
    from pxr import Sdf, UsdUtils

    layer = tmp_path / "bare.usda"
    stage = Usd.Stage.CreateNew(str(layer))
    UsdGeom.Mesh.Define(stage, "/Bare")
    stage.GetRootLayer().Save()
    path = tmp_path / "bare.usdz"
    UsdUtils.CreateNewARKitUsdzPackage(Sdf.AssetPath(str(layer)), str(path))
    problems = " ".join(validate_usdz(path))
    assert "upAxis" in problems or "UpAxis" in problems
