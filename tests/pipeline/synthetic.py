"""Product-like test photos drawn with Pillow, each with its true product mask."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = 400


@dataclass(frozen=True)
class Photo:
    """Encoded photo bytes and the product's true mask (True = product)."""

    data: bytes
    truth: np.ndarray
    name: str


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _hoodie_shape(draw: ImageDraw.ImageDraw, fill: object) -> None:
    draw.polygon([(120, 110), (280, 110), (345, 300), (305, 312), (280, 220), (280, 350), (120, 350),
                  (120, 220), (95, 312), (55, 300)], fill=fill)
    draw.ellipse((150, 45, 250, 150), fill=fill)


def _hoodie(name: str, decorate: Callable[[ImageDraw.ImageDraw], None]) -> Photo:
    """The dark hoodie on white, as JPEG, with what `decorate` draws on it."""
    image = Image.new("RGB", (SIZE, SIZE), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    _hoodie_shape(draw, (38, 40, 44))
    decorate(draw)
    truth = Image.new("L", (SIZE, SIZE), 0)
    _hoodie_shape(ImageDraw.Draw(truth), 255)
    return Photo(_encode(image, "JPEG", quality=92), np.asarray(truth) > 127, name)


@functools.cache
def hoodie_on_white() -> Photo:
    """A dark hoodie-like shape with a white chest logo and soft shading, on white, as JPEG."""
    def front(draw: ImageDraw.ImageDraw) -> None:
        draw.rectangle((150, 240, 250, 300), fill=(55, 58, 62))  # a pocket
        draw.ellipse((215, 150, 245, 180), fill=(250, 250, 250))  # a logo as white as the background

    return _hoodie("hoodie.jpg", front)


@functools.cache
def hoodie_back_on_white() -> Photo:
    """The same hoodie from behind: its outline (symmetric, so mirrored alike), no logo, no pocket."""
    return _hoodie("hoodie-2.jpg", lambda draw: draw.line((200, 120, 200, 340), fill=(30, 31, 34), width=3))


@functools.cache
def hoodie_worn_close_up() -> Photo:
    """A close-up of someone wearing the hoodie: chin and neck above the chest and its logo, cut by the frame."""
    image = Image.new("RGB", (SIZE, SIZE), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((120, -160, 280, 60), fill=(224, 172, 140))  # a chin
    draw.rectangle((165, 40, 235, 120), fill=(214, 162, 130))  # the neck
    draw.rectangle((0, 110, SIZE, SIZE), fill=(38, 40, 44))  # the chest, running off three sides
    draw.ellipse((230, 200, 330, 300), fill=(250, 250, 250))  # the logo, close
    truth = Image.new("L", (SIZE, SIZE), 0)
    ImageDraw.Draw(truth).rectangle((0, 110, SIZE, SIZE), fill=255)
    return Photo(_encode(image, "JPEG", quality=92), np.asarray(truth) > 127, "hoodie-3.jpg")


def _mug(name: str, *, printed: bool) -> Photo:
    """A red mug with a handle whose hole shows the white background, as PNG; `printed`: with a white motif."""
    image = Image.new("RGB", (SIZE, SIZE), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    truth = Image.new("L", (SIZE, SIZE), 0)
    for target, fill in ((draw, (200, 20, 30)), (ImageDraw.Draw(truth), 255)):
        target.ellipse((60, 130, 190, 270), fill=fill)  # the handle's ring
        target.ellipse((95, 165, 160, 235), fill=(250, 250, 250) if fill != 255 else 0)  # its hole
        target.rounded_rectangle((150, 90, 330, 330), radius=18, fill=fill)  # the body
    if printed:
        draw.ellipse((200, 160, 280, 240), outline=(255, 255, 255), width=4)  # a printed motif
    return Photo(_encode(image, "PNG"), np.asarray(truth) > 127, name)


@functools.cache
def mug_on_white() -> Photo:
    """A red mug with a handle whose hole shows the white background and a printed motif, as PNG."""
    return _mug("mug.png", printed=True)


@functools.cache
def plain_mug_on_white() -> Photo:
    """The red mug without its printed motif: nothing on it is print."""
    return _mug("plain-mug.png", printed=False)


@functools.cache
def tshirt_transparent() -> Photo:
    """A blue t-shirt shape on a transparent background (RGBA PNG, garbage colour under alpha 0)."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 255, 0, 0))
    draw = ImageDraw.Draw(image)
    shape = [(110, 60), (170, 60), (200, 85), (230, 60), (290, 60), (360, 130), (315, 175), (290, 150),
             (290, 350), (110, 350), (110, 150), (85, 175), (40, 130)]
    draw.polygon(shape, fill=(40, 90, 200, 255))
    draw.text((170, 180), "woo3d", fill=(255, 255, 255, 255))
    truth = Image.new("L", (SIZE, SIZE), 0)
    ImageDraw.Draw(truth).polygon(shape, fill=255)
    return Photo(_encode(image, "PNG"), np.asarray(truth) > 127, "tshirt.png")


@functools.cache
def shadowed_box_on_white() -> Photo:
    """An orange box with a soft grey shadow on a white studio background, as JPEG."""
    image = Image.new("RGB", (SIZE, SIZE), (255, 255, 255))
    shadow = Image.new("L", (SIZE, SIZE), 0)
    ImageDraw.Draw(shadow).ellipse((90, 300, 330, 345), fill=40)
    shadow = shadow.filter(ImageFilter.GaussianBlur(12))
    image = Image.composite(Image.new("RGB", (SIZE, SIZE), (0, 0, 0)), image, shadow)
    ImageDraw.Draw(image).rectangle((120, 100, 300, 320), fill=(240, 130, 20))
    truth = Image.new("L", (SIZE, SIZE), 0)
    ImageDraw.Draw(truth).rectangle((120, 100, 300, 320), fill=255)
    return Photo(_encode(image, "JPEG", quality=92), np.asarray(truth) > 127, "box.jpg")


def blank(colour: tuple[int, int, int] = (255, 255, 255), size: int = 200, fmt: str = "PNG") -> bytes:
    """A photo of nothing: one plain colour."""
    return _encode(Image.new("RGB", (size, size), colour), fmt)


def noise(size: int = 200, seed: int = 1) -> bytes:
    """A busy photo with no plain background at all."""
    pixels = np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)
    return _encode(Image.fromarray(pixels), "PNG")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels (a decompression bomb's header) and holds none."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")
