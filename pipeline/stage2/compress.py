"""Compress the GLB the storefront serves: meshopt or Draco geometry, WebP textures (glTF Transform, run by node)."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.config import GLB_COMPRESSIONS, GLBCompression
from pipeline.errors import ExportError

if TYPE_CHECKING:
    from pipeline.stage2.warm_node import WarmNode

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
    _compressor_for(method)
    return method  # type: ignore[return-value]  # checked against GLB_COMPRESSIONS by _compressor_for


def replace_stuck_compressor(method: str, stuck_after_s: float) -> bool:
    """Make sure the kept node answers, before a job: True when it did not answer a ping within
    `stuck_after_s` (still compressing a GLB a stopped job left) and was replaced, so the next
    job does not wait out its time limit behind it. Raises ExportError as check_compression does."""
    kept = _compressor_for(method)
    if kept is None or kept.answers_within(stuck_after_s):
        return False
    kept.kill()
    _warm_node(kept.node)
    return True


def _compressor_for(method: str) -> WarmNode | None:
    """The kept node that compresses with `method` (None for "none"). Raises ExportError as check_compression does."""
    if method not in GLB_COMPRESSIONS:
        raise ExportError(f"unknown GLB compression {method!r}: choose from {', '.join(GLB_COMPRESSIONS)}")
    return None if method == "none" else _warm_node(_node())


def compress_glb(glb: Path, method: GLBCompression) -> CompressedGLB | None:
    """Compress `glb` in place, keeping the original beside it as UNCOMPRESSED_NAME.

    Returns None for method "none" (the GLB is left as it is). Raises ExportError when the
    compressor fails; the uncompressed GLB is then back under its own name.
    """
    pending = start_compression(glb, method)
    return pending.result() if pending is not None else None


def start_compression(glb: Path, method: GLBCompression) -> PendingCompression | None:
    """Start compressing `glb` as `compress_glb` does, in node beside this process; None for "none".

    Raises ExportError when node cannot be started (the GLB is then back under its own name).
    """
    if method == "none":
        return None
    return PendingCompression(glb, method)


class PendingCompression:
    """A compression running in node (the kept one, else one of its own): `result()` waits for it
    (at most _TIMEOUT_S from its start); `cancel()` stops it and puts the uncompressed GLB back
    under its own name."""

    def __init__(self, glb: Path, method: GLBCompression):
        self._glb, self._method = glb, method
        self._uncompressed = glb.with_name(UNCOMPRESSED_NAME)
        self._started = time.monotonic()
        self._node = _node()
        warm = _warm_node(self._node)
        glb.replace(self._uncompressed)
        self._request = warm.request(method, self._uncompressed, glb)
        self._process: subprocess.Popen[str] | None = None
        if self._request is None:  # the kept node is gone (a work-horse's parent lost it)
            self._process = self._own_node()
        self._done: CompressedGLB | None = None

    def result(self) -> CompressedGLB:
        """What compression did. Raises ExportError when it failed or overran (the GLB is then back under its own name)."""
        if self._done is not None:
            return self._done
        deadline = self._started + _TIMEOUT_S
        if self._request is not None:
            try:
                error = self._request.reply(deadline)
            except TimeoutError as exc:
                raise self._overran() from exc
            except ConnectionError:  # it died meanwhile: this GLB is compressed by a node of its own
                self._request, error = None, None
                self._process = self._own_node()
            if error is not None:
                self._restore()
                raise ExportError(f"GLB compression failed: {error[:300]}")
        if self._process is not None:
            try:
                _, stderr = self._process.communicate(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired as exc:
                raise self._overran() from exc
            if self._process.returncode != 0:
                self._restore()
                raise _node_error(self._process.returncode, stderr)
        self._done = CompressedGLB(
            method=self._method,
            uncompressed=self._uncompressed,
            bytes_before=self._uncompressed.stat().st_size,
            bytes_after=self._glb.stat().st_size,
            extensions_required=tuple(glb_json(self._glb.read_bytes()).get("extensionsRequired", ())),
        )
        return self._done

    def cancel(self) -> None:
        """Stop node if it still runs and put the uncompressed GLB back (a no-op once `result()` answered)."""
        if self._done is not None:
            return
        if self._request is not None:
            self._request.kill()  # the kept node too: it must not write the GLB after it is put back
        elif self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.communicate()
        self._restore()

    def _overran(self) -> ExportError:
        """Stop node and put the GLB back: the error to raise for a compression past _TIMEOUT_S."""
        self.cancel()
        return ExportError(f"GLB compression timed out after {_TIMEOUT_S} s")

    def _own_node(self) -> subprocess.Popen[str]:
        """node started for this GLB alone. Raises ExportError (the GLB put back) when it cannot start."""
        try:
            return subprocess.Popen(
                [self._node, str(_SCRIPT), self._method, str(self._uncompressed), str(self._glb)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
        except OSError as exc:
            self._restore()
            raise ExportError(f"GLB compression could not start node ({exc})") from exc

    def _restore(self) -> None:
        self._glb.unlink(missing_ok=True)
        if self._uncompressed.exists():
            self._uncompressed.replace(self._glb)


def glb_json(data: bytes) -> dict[str, object]:
    """The JSON chunk of GLB bytes. Raises ExportError when they are not a GLB."""
    if len(data) < 20 or data[:4] != b"glTF":
        raise ExportError("not a GLB file")
    (length,) = struct.unpack_from("<I", data, 12)
    document = json.loads(data[20 : 20 + length])
    if not isinstance(document, dict):
        raise ExportError("the GLB's JSON chunk is not an object")
    return document


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise ExportError(_HELP)
    return node


def _warm_node(node: str) -> WarmNode:
    """node kept running with every package the script needs loaded (pipeline.stage2.warm_node).

    Raises ExportError when node cannot load them, saying how to install them.
    """
    from pipeline.stage2.warm_node import NodeExited, warm_node

    try:
        return warm_node(node, _SCRIPT)
    except NodeExited as exc:
        raise _node_error(exc.returncode, exc.stderr) from exc


def _node_error(returncode: int, stderr: str) -> ExportError:
    detail = stderr.strip()
    if "ERR_MODULE_NOT_FOUND" in detail or "Cannot find package" in detail:
        return ExportError(_HELP)
    lines = detail.splitlines()
    return ExportError(f"GLB compression failed (node exit {returncode}): {(lines[-1] if lines else 'no output')[:300]}")
