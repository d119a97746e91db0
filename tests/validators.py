"""The standards' own validators as test helpers: Khronos glTF-Validator, usd-core's UsdValidation."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SCRIPT = Path(__file__).resolve().parent / "validate_gltf.mjs"
_SEVERITY = {0: "error", 1: "warning", 2: "info", 3: "hint"}


def validate_glb(path: Path | str) -> list[str]:
    """Khronos glTF-Validator errors for a .glb or .gltf file (warnings and infos are not errors).

    Runs `node tests/validate_gltf.mjs` against the npm `gltf-validator` in node_modules.
    """
    return [m for m in gltf_issues(path) if m.startswith("error")]


def gltf_issues(path: Path | str) -> list[str]:
    """Every validator message for the file, each as '<severity> <code> <pointer>: <message>'."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed: run deploy/setup.sh")
    done = subprocess.run(
        [node, str(_SCRIPT), str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"gltf-validator failed: {done.stderr.strip()[-500:]}")
    issues = json.loads(done.stdout)[0]["issues"]
    return [
        f"{_SEVERITY[m['severity']]} {m['code']} {m.get('pointer', '')}: {m['message']}"
        for m in issues["messages"]
    ]


def validate_usdz(path: Path | str) -> list[str]:
    """usd-core's UsdValidation errors and warnings for a USDZ, plus the package layout AR Quick
    Look needs (stored uncompressed, every file 64-byte aligned, a USD layer first)."""
    from pxr import Usd, UsdValidation

    problems = _package_problems(Path(path))
    stage = Usd.Stage.Open(str(path))
    if stage is None:
        return [*problems, "usd-core cannot open the stage"]
    registry = UsdValidation.ValidationRegistry()
    context = UsdValidation.ValidationContext(registry.GetOrLoadAllValidators())
    for error in context.Validate(stage):
        if error.GetType() in (UsdValidation.ValidationErrorType.Error, UsdValidation.ValidationErrorType.Warn):
            problems.append(f"{error.GetIdentifier()}: {error.GetMessage()}")
    return problems


def _package_problems(path: Path) -> list[str]:
    problems = []
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as package:
        infos = package.infolist()
        if not infos or not infos[0].filename.endswith((".usdc", ".usda", ".usd")):
            problems.append("the first file in the package is not a USD layer")
        for info in infos:
            if info.compress_type != zipfile.ZIP_STORED:
                problems.append(f"{info.filename} is compressed (USDZ must be stored)")
            # The local header's own name and extra lengths (bytes 26..29) place the data.
            name_length, extra_length = struct.unpack_from("<HH", raw, info.header_offset + 26)
            data_offset = info.header_offset + 30 + name_length + extra_length
            if data_offset % 64:
                problems.append(f"{info.filename} is not 64-byte aligned")
            if not info.filename.lower().endswith((".usdc", ".usda", ".usd", ".png", ".jpg", ".jpeg")):
                problems.append(f"{info.filename} is not a USD layer or a png/jpg texture")
    return problems
