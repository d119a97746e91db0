"""Write an ARKit-compliant USDZ with usd-core: one mesh, a UsdPreviewSurface, the texture inside."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.errors import ExportError
from pipeline.stage2.mesh_repair import seamless_vertex_normals
from pipeline.stage2.textures import DEFAULT_METALLIC, DEFAULT_ROUGHNESS, base_color_texture

if TYPE_CHECKING:
    import trimesh
    from PIL import Image


def load_usd_core() -> None:
    """Load usd-core's libraries before the caller starts a thread that computes with NumPy.

    usd-core's static initializers take the GIL back while the dynamic loader's lock is held, and
    NumPy's first elided temporary takes that lock (glibc's backtrace loads libgcc_s) while holding
    the GIL: a first USDZ export beside a thread's arithmetic could hang both for ever.
    """
    from pxr import Gf, Sdf, Usd, UsdGeom, UsdShade, UsdUtils, Vt  # noqa: F401


def export_usdz(mesh: trimesh.Trimesh, path: Path) -> None:
    """Write `mesh` (metres, Y up) to `path` as a USDZ AR Quick Look accepts.

    The stage has upAxis Y, metersPerUnit 1 and a defaultPrim; the material is a
    UsdPreviewSurface fed by a UsdUVTexture reading the `st` primvar, bound with
    MaterialBindingAPI; UsdUtils packages it uncompressed and 64-byte aligned.
    Raises ExportError if usd-core fails.
    """
    from pxr import Sdf, Usd, UsdGeom, UsdShade, UsdUtils

    with tempfile.TemporaryDirectory(prefix="woo3d-usd-") as tmp:
        layer_path = Path(tmp) / "model.usdc"
        stage = Usd.Stage.CreateNew(str(layer_path))
        UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y)
        UsdGeom.SetStageMetersPerUnit(stage, 1.0)
        root = UsdGeom.Xform.Define(stage, "/Root")
        stage.SetDefaultPrim(root.GetPrim())
        geometry = _define_mesh(stage, mesh)
        UsdGeom.Scope.Define(stage, "/Root/Materials")
        material = UsdShade.Material.Define(stage, "/Root/Materials/Product")
        surface = UsdShade.Shader.Define(stage, "/Root/Materials/Product/PreviewSurface")
        surface.CreateIdAttr("UsdPreviewSurface")
        pbr = getattr(mesh.visual, "material", None)
        metallic = getattr(pbr, "metallicFactor", None)
        roughness = getattr(pbr, "roughnessFactor", None)
        surface.CreateInput("metallic", Sdf.ValueTypeNames.Float).Set(
            float(DEFAULT_METALLIC if metallic is None else metallic)
        )
        surface.CreateInput("roughness", Sdf.ValueTypeNames.Float).Set(
            float(DEFAULT_ROUGHNESS if roughness is None else roughness)
        )
        diffuse = surface.CreateInput("diffuseColor", Sdf.ValueTypeNames.Color3f)
        image = base_color_texture(mesh)
        if image is not None and getattr(mesh.visual, "uv", None) is not None:
            texture_name = _write_texture(image, Path(tmp))
            reader = UsdShade.Shader.Define(stage, "/Root/Materials/Product/STReader")
            reader.CreateIdAttr("UsdPrimvarReader_float2")
            reader.CreateInput("varname", Sdf.ValueTypeNames.String).Set("st")
            texture = UsdShade.Shader.Define(stage, "/Root/Materials/Product/BaseColor")
            texture.CreateIdAttr("UsdUVTexture")
            texture.CreateInput("file", Sdf.ValueTypeNames.Asset).Set(texture_name)
            texture.CreateInput("sourceColorSpace", Sdf.ValueTypeNames.Token).Set("sRGB")
            texture.CreateInput("st", Sdf.ValueTypeNames.Float2).ConnectToSource(
                reader.CreateOutput("result", Sdf.ValueTypeNames.Float2)
            )
            diffuse.ConnectToSource(texture.CreateOutput("rgb", Sdf.ValueTypeNames.Float3))
            if texture_name.endswith(".png") and image.mode == "RGBA":
                surface.CreateInput("opacity", Sdf.ValueTypeNames.Float).ConnectToSource(
                    texture.CreateOutput("a", Sdf.ValueTypeNames.Float)
                )
        else:
            diffuse.Set(_flat_colour(mesh))
        material.CreateSurfaceOutput().ConnectToSource(surface.CreateOutput("surface", Sdf.ValueTypeNames.Token))
        UsdShade.MaterialBindingAPI.Apply(geometry.GetPrim()).Bind(material)
        stage.GetRootLayer().Save()
        path.unlink(missing_ok=True)
        if not UsdUtils.CreateNewARKitUsdzPackage(Sdf.AssetPath(str(layer_path)), str(path)):
            raise ExportError("USDZ packaging failed (UsdUtils.CreateNewARKitUsdzPackage returned false)")


def _define_mesh(stage: Any, mesh: trimesh.Trimesh) -> Any:
    from pxr import Gf, Sdf, UsdGeom, Vt

    geometry = UsdGeom.Mesh.Define(stage, "/Root/Product")
    vertices = np.asarray(mesh.vertices, dtype=np.float32)
    geometry.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(vertices))
    geometry.CreateFaceVertexCountsAttr(Vt.IntArray.FromNumpy(np.full(len(mesh.faces), 3, dtype=np.int32)))
    geometry.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(mesh.faces.astype(np.int32).ravel()))
    geometry.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
    geometry.CreateDoubleSidedAttr(False)
    geometry.CreateExtentAttr(Vt.Vec3fArray([Gf.Vec3f(*map(float, b)) for b in mesh.bounds]))
    geometry.CreateNormalsAttr(Vt.Vec3fArray.FromNumpy(seamless_vertex_normals(mesh).astype(np.float32)))
    geometry.SetNormalsInterpolation(UsdGeom.Tokens.vertex)
    uv = getattr(mesh.visual, "uv", None)
    if uv is not None:
        st = UsdGeom.PrimvarsAPI(geometry).CreatePrimvar(
            "st", Sdf.ValueTypeNames.TexCoord2fArray, UsdGeom.Tokens.vertex
        )
        st.Set(Vt.Vec2fArray.FromNumpy(np.asarray(uv, dtype=np.float32)))
    return geometry


def _write_texture(image: Image.Image, folder: Path) -> str:
    """Save the texture beside the layer (JPEG kept as JPEG without re-quantising, else PNG)."""
    if image.format == "JPEG" and image.mode in {"RGB", "L"}:
        name = "texture.jpg"
        image.save(folder / name, format="JPEG", quality="keep")
    else:
        name = "texture.png"
        image.save(folder / name, format="PNG")
    return name


def _flat_colour(mesh: trimesh.Trimesh) -> object:
    """The mesh's mean colour (PBR factor or vertex/face colours) as a linear Gf.Vec3f, else light grey."""
    from pxr import Gf

    colour = None
    factor = getattr(getattr(mesh.visual, "material", None), "baseColorFactor", None)
    if factor is not None:
        colour = np.asarray(factor[:3], dtype=float) / 255.0
    elif getattr(mesh.visual, "kind", None) in {"vertex", "face"}:
        colour = np.asarray(getattr(mesh.visual, "vertex_colors"))[:, :3].mean(axis=0) / 255.0
    if colour is None:
        colour = np.array([0.8, 0.8, 0.8])
    return Gf.Vec3f(*(float(c) ** 2.2 for c in colour))
