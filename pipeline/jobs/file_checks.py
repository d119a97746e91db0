"""What each file of a published model must be: the closed set of roles, the file name each role is
written under, and a check of its bytes (a GLB is a glTF 2.0 binary, a poster is a PNG, JPEG or WebP)."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Callable, Mapping

from pipeline.errors import ImageError
from pipeline.stage2.export import BASENAME, SUPPORTED_FORMATS
from wp_bridge.writeback import VIEW_ROLES

# The extra formats woo3d exports beside the GLB and USDZ (`ModelMeta.formats` is keyed by them).
EXTRA_FORMATS = tuple(name for name in SUPPORTED_FORMATS if name not in ("glb", "usdz"))
# Image roles → the stem of their file name (`view-45`; the extension is the one their bytes prove).
IMAGE_ROLES: Mapping[str, str] = {"poster": "poster", **{role: role.replace("_", "-") for role in VIEW_ROLES}}
MODEL_ROLES = ("glb", "usdz", *EXTRA_FORMATS)
ROLES = (*MODEL_ROLES, *IMAGE_ROLES)

_IMAGE_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}
_USD_LAYERS = (".usd", ".usda", ".usdc")
# What a USDZ may hold (the USDZ specification): USD layers, images and sound.
_USDZ_MEMBERS = (*_USD_LAYERS, ".png", ".jpg", ".jpeg", ".exr", ".avif", ".m4a", ".mp3", ".wav")
_OBJ_KEYWORDS = frozenset({"v", "vt", "vn", "vp", "f", "l", "p", "o", "g", "s", "mg", "mtllib", "usemtl"})
_STL_KEYWORDS = frozenset({"solid", "facet", "outer", "vertex", "endloop", "endfacet", "endsolid"})
_PLY_KEYWORDS = frozenset({"ply", "format", "comment", "obj_info", "element", "property", "end_header"})
_PLY_FORMATS = ("format ascii 1.0", "format binary_little_endian 1.0", "format binary_big_endian 1.0")
_PLY_HEADER_BYTES = 64 * 1024
_FBX_MAGIC = b"Kaydara FBX Binary  \x00\x1a\x00"


class NotWhatItClaims(ImageError):
    """A file whose bytes are not what its role says (a "GLB" that is a web page, a poster that is no image)."""


def file_name(role: str, data: bytes) -> str:
    """The name `role`'s file is written under (`model.glb`, `poster.png`, `view-45.webp`), decided by
    the role and, for an image, by the type its bytes prove; never by a URL. Raises NotWhatItClaims
    when the bytes are not what the role says, ValueError for a role outside ROLES."""
    if role in IMAGE_ROLES:
        return f"{IMAGE_ROLES[role]}.{image_type(data, role)}"
    if role not in MODEL_ROLES:
        raise ValueError(f"{role!r} is not a role of a woo3d model")
    _MODEL_CHECKS[role](data)
    return f"{BASENAME}.{role}"


def image_type(data: bytes, what: str = "image") -> str:
    """png, jpg or webp from the file's signature. Raises NotWhatItClaims for anything else."""
    for magic, kind in _IMAGE_SIGNATURES.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    raise NotWhatItClaims(f"the {what} is not a PNG, JPEG or WebP image")


def check_glb(data: bytes) -> None:
    """A glTF 2.0 binary: the 12-byte header (magic, version 2, the file's exact length), a JSON chunk
    holding a glTF 2.x `asset`, then at most one BIN chunk ending at the file's end. Raises NotWhatItClaims."""
    if len(data) < 20 or data[:4] != b"glTF":
        raise NotWhatItClaims("the GLB has no glTF header")
    version, length = struct.unpack_from("<II", data, 4)
    if version != 2 or length != len(data):
        raise NotWhatItClaims(f"the GLB's header says version {version}, {length} bytes; the file has {len(data)}")
    json_length, kind = struct.unpack_from("<I4s", data, 12)
    end = 20 + json_length
    if kind != b"JSON" or end > len(data):
        raise NotWhatItClaims("the GLB's first chunk is not its JSON")
    _check_gltf_document(data[20:end], "GLB")
    if end == len(data):
        return
    if len(data) - end < 8:
        raise NotWhatItClaims("the GLB has bytes after its JSON that are no chunk")
    bin_length, kind = struct.unpack_from("<I4s", data, end)
    if kind != b"BIN\x00" or end + 8 + bin_length != len(data):
        raise NotWhatItClaims("the GLB holds more than its JSON and one BIN chunk")


def check_usdz(data: bytes) -> None:
    """A zip, beginning at byte 0 with a USD layer, every entry stored (neither compressed nor
    encrypted) and of a type a USDZ may hold. Raises NotWhatItClaims."""
    if not data.startswith(b"PK\x03\x04"):
        raise NotWhatItClaims("the USDZ is not a zip")
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, NotImplementedError) as error:  # the last: "zip file version 24.2"
        raise NotWhatItClaims(f"the USDZ is not a readable zip ({error})") from error
    if not entries or entries[0].header_offset != 0 or not entries[0].filename.lower().endswith(_USD_LAYERS):
        raise NotWhatItClaims("the USDZ does not begin with a USD layer")
    for entry in entries:
        if entry.compress_type != zipfile.ZIP_STORED or entry.flag_bits & 0x1:
            raise NotWhatItClaims(f"the USDZ's {entry.filename!r} is compressed or encrypted")
        if not entry.filename.lower().endswith(_USDZ_MEMBERS):
            raise NotWhatItClaims(f"the USDZ holds {entry.filename!r}, which a USDZ may not")


def check_gltf(data: bytes) -> None:
    """A glTF 2.x JSON document. Raises NotWhatItClaims."""
    _check_gltf_document(data, "glTF")


def check_obj(data: bytes) -> None:
    """Wavefront OBJ text: every line a comment or an OBJ statement (`v`, `f`, `usemtl`, …). Raises NotWhatItClaims."""
    _check_statements(data, _OBJ_KEYWORDS, "OBJ")


def check_stl(data: bytes) -> None:
    """A binary STL (80-byte header, a triangle count, 50 bytes a triangle, nothing after) or an
    ASCII one (`solid` … `endsolid`). Raises NotWhatItClaims."""
    if len(data) >= 84 and 84 + 50 * struct.unpack_from("<I", data, 80)[0] == len(data):
        return
    if not data.startswith(b"solid"):
        raise NotWhatItClaims("the STL is neither a binary STL of its length nor an ASCII one")
    _check_statements(data, _STL_KEYWORDS, "STL")


def check_ply(data: bytes) -> None:
    """A PLY header (`ply`, a format line, elements and properties, `end_header`) before its data.
    Raises NotWhatItClaims."""
    header, found, _ = data[:_PLY_HEADER_BYTES].partition(b"end_header")
    if not data.startswith((b"ply\n", b"ply\r\n")) or not found:
        raise NotWhatItClaims("the PLY has no PLY header")
    _check_statements(header, _PLY_KEYWORDS, "PLY")
    if not any(line.strip() in _PLY_FORMATS for line in header.decode("utf-8").splitlines()):
        raise NotWhatItClaims("the PLY's header names no PLY format")


def check_fbx(data: bytes) -> None:
    """A binary FBX (what assimp writes): its magic and a version. Raises NotWhatItClaims."""
    if len(data) < len(_FBX_MAGIC) + 4 or not data.startswith(_FBX_MAGIC):
        raise NotWhatItClaims("the FBX is not a binary FBX")


def _check_gltf_document(raw: bytes, what: str) -> None:
    try:
        document = json.loads(raw)
    except ValueError as error:  # UnicodeDecodeError included
        raise NotWhatItClaims(f"the {what}'s JSON does not parse ({error})") from error
    asset = document.get("asset") if isinstance(document, dict) else None
    version = asset.get("version") if isinstance(asset, dict) else None
    if not isinstance(version, str) or not version.startswith("2."):
        raise NotWhatItClaims(f"the {what} is not a glTF 2.x document")


def _check_statements(data: bytes, keywords: frozenset[str], what: str) -> None:
    """Every line of UTF-8 text blank, a `#` comment or a statement opening with one of `keywords`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotWhatItClaims(f"the {what} is not text") from error
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split(maxsplit=1)
        if words and not words[0].startswith("#") and words[0] not in keywords:
            raise NotWhatItClaims(f"the {what}'s line {number} is no {what} statement")


_MODEL_CHECKS: Mapping[str, Callable[[bytes], None]] = {
    "glb": check_glb, "usdz": check_usdz, "gltf": check_gltf, "obj": check_obj, "stl": check_stl,
    "ply": check_ply, "fbx": check_fbx,
}
