"""Decode and validate product photo bytes with Pillow, refusing anything unusable."""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING

from pipeline.errors import ImageError

if TYPE_CHECKING:
    from PIL import Image

MIN_SIDE_PX = 32
MAX_SIDE_PX = 20_000
# A 40 MP photo already decodes to 160 MB of RGBA; product photos are far smaller (WOO3D_MAX_IMAGE_PIXELS).
MAX_PIXELS = 40_000_000


def decode_image(data: bytes, name: str = "image", *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode `data` into an upright RGBA image (EXIF rotation applied, first frame only).

    Raises ImageError as `open_image` does.
    """
    from PIL import ImageOps

    return ImageOps.exif_transpose(open_image(data, name, max_pixels=max_pixels)).convert("RGBA")


def open_image(data: bytes, name: str = "image", *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode `data` as it is, after checking its size from the header, before a pixel is decoded.

    Raises ImageError naming the problem: empty, not an image, truncated, more than `max_pixels`
    pixels or MAX_SIDE_PX a side (a bomb, or just too large), or smaller than MIN_SIDE_PX.
    """
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ImageError(f"{name}: the file is empty")
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; both are bombs to us.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if max(width, height) > MAX_SIDE_PX:
                raise ImageError(f"{name}: {width}×{height} px is too large (at most {MAX_SIDE_PX} px a side)")
            if width * height > max_pixels:
                raise ImageError(
                    f"{name}: {width}×{height} px is {width * height / 1e6:.1f} megapixels, "
                    f"over the limit of {max_pixels / 1e6:g} MP"
                )
            if min(width, height) < MIN_SIDE_PX:
                raise ImageError(f"{name}: {width}×{height} px is too small (at least {MIN_SIDE_PX}×{MIN_SIDE_PX} px)")
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageError(
                f"{name}: decompression bomb refused: more than {Image.MAX_IMAGE_PIXELS:,} pixels ({exc})"
            ) from exc
        except UnidentifiedImageError as exc:
            raise ImageError(f"{name}: not an image (Pillow cannot identify the format)") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageError(f"{name}: truncated or corrupt image ({exc})") from exc
    return image


def fit_within(image: Image.Image, max_side: int) -> Image.Image:
    """A copy scaled down (never up) so that its longer side is at most `max_side`."""
    from PIL import Image

    scale = max_side / max(image.size)
    if scale >= 1:
        return image.copy()
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)
