"""pipeline.photos.images: decoding refuses every kind of unusable photo with a message naming it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from pipeline.errors import ImageError
from pipeline.photos.images import MIN_SIDE_PX, decode_image, fit_within
from tests.pipeline import synthetic


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_decodes_a_jpeg_into_rgba() -> None:
    image = decode_image(synthetic.hoodie_on_white().data)
    assert image.mode == "RGBA" and image.size == (synthetic.SIZE, synthetic.SIZE)


def test_palette_transparency_becomes_alpha() -> None:
    palette = Image.new("P", (64, 64), 0)
    palette.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    palette.paste(1, (16, 16, 48, 48))
    palette.info["transparency"] = 0
    alpha = np.asarray(decode_image(_png(palette)))[..., 3]
    assert alpha[0, 0] == 0 and alpha[32, 32] == 255


def test_exif_rotation_is_applied() -> None:
    image = Image.new("RGB", (80, 40), (10, 10, 10))
    exif = image.getexif()
    exif[0x0112] = 6  # rotated 90° clockwise
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    assert decode_image(buffer.getvalue()).size == (40, 80)


def test_empty_bytes_are_refused() -> None:
    with pytest.raises(ImageError, match="empty"):
        decode_image(b"", "front.jpg")


def test_not_an_image_is_refused_by_name() -> None:
    with pytest.raises(ImageError, match="front.jpg: not an image"):
        decode_image(b"<html>404 not found</html>", "front.jpg")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_file_is_refused(fmt: str) -> None:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (128, 128, 3), dtype=np.uint8)).save(buffer, format=fmt)
    data = buffer.getvalue()
    with pytest.raises(ImageError, match="truncated or corrupt"):
        decode_image(data[: len(data) // 2])


def test_decompression_bomb_is_refused() -> None:
    pixels = Image.MAX_IMAGE_PIXELS or 0
    side = int((pixels * 1.2) ** 0.5)  # above Pillow's limit, below twice it: Pillow only warns
    with pytest.raises(ImageError, match="decompression bomb"):
        decode_image(synthetic.png_header_only(side, side))


def test_huge_bomb_is_refused() -> None:
    with pytest.raises(ImageError, match="decompression bomb|too large"):
        decode_image(synthetic.png_header_only(19_000, 19_000))


def test_absurd_side_is_refused() -> None:
    with pytest.raises(ImageError, match="too large"):
        decode_image(synthetic.png_header_only(100_000, 10))


def test_one_pixel_image_is_refused() -> None:
    with pytest.raises(ImageError, match=r"1×1 px is too small"):
        decode_image(_png(Image.new("RGB", (1, 1))))


def test_smallest_accepted_side() -> None:
    assert decode_image(_png(Image.new("RGB", (MIN_SIDE_PX, MIN_SIDE_PX)))).size == (MIN_SIDE_PX, MIN_SIDE_PX)


def test_fit_within_scales_down_only() -> None:
    image = Image.new("RGBA", (400, 200))
    assert fit_within(image, 100).size == (100, 50)
    assert fit_within(image, 1000).size == (400, 200)


def test_a_photo_over_the_pixel_limit_is_refused_from_its_header() -> None:
    with pytest.raises(ImageError, match=r"20000×4473 px is 89.5 megapixels, over the limit of 40 MP"):
        decode_image(synthetic.png_header_only(20_000, 4_473))
    with pytest.raises(ImageError, match="over the limit of 2 MP"):
        decode_image(_png(Image.new("RGB", (2_000, 1_500))), max_pixels=2_000_000)
