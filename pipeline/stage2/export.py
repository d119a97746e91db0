"""Write a finished mesh as GLB, glTF, OBJ+MTL, STL, PLY, FBX (via assimp) and USDZ."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from pipeline.errors import ExportError

if TYPE_CHECKING:
    import trimesh

SUPPORTED_FORMATS = ("glb", "usdz", "gltf", "obj", "stl", "ply", "fbx")
BASENAME = "model"
_ASSIMP_TIMEOUT_S = 120
FBX_HELP = "FBX needs the assimp command line tool: install Debian's assimp-utils (apt-get install assimp-utils)"


def parse_formats(formats: str | Iterable[str] | None, default: Iterable[str] = ("glb", "usdz")) -> tuple[str, ...]:
    """Normalise a format list ("glb,usdz" or an iterable); GLB always comes first.

    Raises ExportError naming an unknown format, or FBX when assimp is missing.
    """
    if formats is None:
        formats = tuple(default)
    if isinstance(formats, str):
        formats = formats.split(",")
    wanted: list[str] = ["glb"]
    for raw in formats:
        name = raw.strip().lower().lstrip(".")
        if not name:
            continue
        if name not in SUPPORTED_FORMATS:
            raise ExportError(f"unknown format {raw.strip()!r}: choose from {', '.join(SUPPORTED_FORMATS)}")
        if name not in wanted:
            wanted.append(name)
    if "fbx" in wanted and shutil.which("assimp") is None:
        raise ExportError(FBX_HELP)
    return tuple(wanted)


def export_all(mesh: trimesh.Trimesh, out_dir: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    """Write every format in `formats` (from parse_formats: GLB first) into `out_dir`.

    Returns format → main file. Raises ExportError when a writer fails.
    """
    files: dict[str, Path] = {}
    for name in formats:
        files[name] = export_format(mesh, out_dir, name, files)
    return files


def export_format(mesh: trimesh.Trimesh, out_dir: Path, name: str, written: dict[str, Path]) -> Path:
    """Write one format as `out_dir/model.<name>`; FBX is converted from the GLB in `written`.

    Raises ExportError when the writer fails.
    """
    from pipeline.stage2.usdz import export_usdz

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{BASENAME}.{name}"
    try:
        if name == "glb":
            path.write_bytes(export_glb(mesh))
        elif name == "usdz":
            export_usdz(mesh, path)
        elif name == "gltf":
            _export_gltf(mesh, path)
        elif name == "obj":
            _export_obj(mesh, path)
        elif name in {"stl", "ply"}:
            # PLY export adds s/t attributes to the mesh it is given: use a copy.
            path.write_bytes(cast(bytes, mesh.copy().export(file_type=name)))
        elif name == "fbx":
            if "glb" not in written:
                raise ExportError("FBX is converted from the GLB: write GLB first")
            _export_fbx(written["glb"], path)
        else:
            raise ExportError(f"unknown format {name!r}: choose from {', '.join(SUPPORTED_FORMATS)}")
    except ExportError:
        raise
    except Exception as exc:  # a writer's own failure, whatever its type, is an export failure
        raise ExportError(f"writing {name.upper()} failed: {exc}") from exc
    return path


def export_glb(mesh: trimesh.Trimesh) -> bytes:
    """The mesh as GLB bytes."""
    return cast(bytes, mesh.export(file_type="glb"))


def _export_gltf(mesh: trimesh.Trimesh, path: Path) -> None:
    import trimesh

    # One .bin (images included) beside the .gltf, named after it.
    written = trimesh.exchange.gltf.export_gltf(trimesh.Scene(mesh), merge_buffers=True)
    bin_name = f"{path.stem}.bin"
    document = json.loads(written.pop("model.gltf"))
    renamed = {}
    for buffer in document.get("buffers", []):
        old = buffer.get("uri")
        if old in written:
            renamed[old] = bin_name if len(written) == 1 else f"{path.stem}_{old}"
            buffer["uri"] = renamed[old]
    for old, data in written.items():
        (path.parent / renamed.get(old, old)).write_bytes(data)
    path.write_text(json.dumps(document))


def _export_obj(mesh: trimesh.Trimesh, path: Path) -> None:
    import trimesh

    text, extra = trimesh.exchange.obj.export_obj(
        mesh, include_texture=True, return_texture=True, mtl_name=f"{path.stem}.mtl"
    )
    path.write_text(text)
    for name, data in extra.items():
        (path.parent / name).write_bytes(data)


def _export_fbx(glb: Path, path: Path) -> None:
    """Convert the GLB with assimp; its FBX writer embeds the texture."""
    assimp = shutil.which("assimp")
    if assimp is None:
        raise ExportError(FBX_HELP)
    path.unlink(missing_ok=True)
    try:
        done = subprocess.run(
            [assimp, "export", str(glb), str(path), "-ffbx"],
            capture_output=True,
            text=True,
            timeout=_ASSIMP_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ExportError(f"FBX export timed out after {_ASSIMP_TIMEOUT_S} s") from exc
    if done.returncode != 0 or not path.is_file() or path.stat().st_size == 0:
        path.unlink(missing_ok=True)
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ExportError(f"FBX export failed (assimp exit {done.returncode}): {detail[0][:300]}")
