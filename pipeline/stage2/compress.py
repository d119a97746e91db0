"""Compress the GLB the storefront serves: meshopt or Draco geometry, WebP textures (glTF Transform, run by node)."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import GLB_COMPRESSIONS, GLBCompression
from pipeline.errors import ExportError

# The uncompressed GLB stays beside the served one, for downloads and for converting to other formats.
UNCOMPRESSED_NAME = "model-uncompressed.glb"
_SCRIPT = Path(__file__).resolve().with_name("compress_glb.mjs")
_TIMEOUT_S = 180
_HELP = "GLB compression needs node and the npm packages in package.json: run deploy/setup.sh (or npm install)"


@dataclass(frozen=True)
class CompressedGLB:
    """What compression did to the served GLB: how, how big before and after, what a viewer needs."""

    method: GLBCompression
    uncompressed: Path
    bytes_before: int
    bytes_after: int
    extensions_required: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "uncompressed_file": self.uncompressed.name,
            "bytes_before": self.bytes_before,
            "bytes_after": self.bytes_after,
            "extensions_required": list(self.extensions_required),
        }


def check_compression(method: str) -> GLBCompression:
    """`method` as a GLBCompression, once node can load every package compression needs.

    Raises ExportError naming an unknown method, or saying how to install the tools.
    """
    if method not in GLB_COMPRESSIONS:
        raise ExportError(f"unknown GLB compression {method!r}: choose from {', '.join(GLB_COMPRESSIONS)}")
    if method != "none":
        _run_node("--check")
    return method  # type: ignore[return-value]  # checked against GLB_COMPRESSIONS above


def compress_glb(glb: Path, method: GLBCompression) -> CompressedGLB | None:
    """Compress `glb` in place, keeping the original beside it as UNCOMPRESSED_NAME.

    Returns None for method "none" (the GLB is left as it is). Raises ExportError when the
    compressor fails; the uncompressed GLB is then back under its own name.
    """
    if method == "none":
        return None
    uncompressed = glb.with_name(UNCOMPRESSED_NAME)
    glb.replace(uncompressed)
    try:
        _run_node(method, str(uncompressed), str(glb))
    except ExportError:
        glb.unlink(missing_ok=True)
        uncompressed.replace(glb)
        raise
    return CompressedGLB(
        method=method,
        uncompressed=uncompressed,
        bytes_before=uncompressed.stat().st_size,
        bytes_after=glb.stat().st_size,
        extensions_required=tuple(glb_json(glb.read_bytes()).get("extensionsRequired", ())),
    )


def glb_json(data: bytes) -> dict[str, object]:
    """The JSON chunk of GLB bytes. Raises ExportError when they are not a GLB."""
    if len(data) < 20 or data[:4] != b"glTF":
        raise ExportError("not a GLB file")
    (length,) = struct.unpack_from("<I", data, 12)
    document = json.loads(data[20 : 20 + length])
    if not isinstance(document, dict):
        raise ExportError("the GLB's JSON chunk is not an object")
    return document


def _run_node(*args: str) -> None:
    node = shutil.which("node")
    if node is None:
        raise ExportError(_HELP)
    try:
        done = subprocess.run(
            [node, str(_SCRIPT), *args], capture_output=True, text=True, timeout=_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ExportError(f"GLB compression timed out after {_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        detail = done.stderr.strip()
        if "ERR_MODULE_NOT_FOUND" in detail or "Cannot find package" in detail:
            raise ExportError(_HELP)
        lines = detail.splitlines()
        raise ExportError(f"GLB compression failed (node exit {done.returncode}): {(lines[-1] if lines else 'no output')[:300]}")
