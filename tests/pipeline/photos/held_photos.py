"""Hard catalogue photos for the cut-out, drawn with Pillow, each with its product's true mask.

A cream tote on white (low contrast, soft shadow), a bottle over a glossy floor (reflection), a
notebook held by a skin-coloured hand, and a bag held in front of a person cropped by the frame.
"""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tests.pipeline.synthetic import Photo, _encode

SIZE = 480
WHITE = (248, 248, 246)
CREAM = (236, 228, 210)
SKIN = (224, 172, 140)


def _canvas(colour: tuple[int, int, int] = WHITE) -> Image.Image:
    """A studio background with a faint top-to-bottom falloff, as real sweeps have."""
    ramp = np.linspace(0, -6, SIZE, dtype=np.float32)[:, None, None]
    pixels = np.clip(np.array(colour, dtype=np.float32)[None, None, :] + ramp, 0, 255)
    return Image.fromarray(np.broadcast_to(pixels, (SIZE, SIZE, 3)).astype(np.uint8))


def _soft_shadow(image: Image.Image, box: tuple[int, int, int, int], strength: int, blur: float) -> Image.Image:
    shadow = Image.new("L", image.size, 0)
    ImageDraw.Draw(shadow).ellipse(box, fill=strength)
    shadow = shadow.filter(ImageFilter.GaussianBlur(blur))
    return Image.composite(Image.new("RGB", image.size, (60, 60, 60)), image, shadow)


def _fabric(image: Image.Image, where: np.ndarray, seed: int, amount: float = 4.0) -> Image.Image:
    """Canvas weave: a little pixel noise and a vertical shading over the product only."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image, dtype=np.float32).copy()
    shade = np.linspace(4, -8, SIZE, dtype=np.float32)[None, :, None]
    grain = rng.normal(0, amount, (SIZE, SIZE, 1)).astype(np.float32)
    pixels[where] += (shade + grain)[where]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _tote(draw: ImageDraw.ImageDraw, fill: object, x0: int, y0: int, x1: int, y1: int) -> None:
    """A tote: a body and two strap loops above it (their insides are open)."""
    strap = max(8, (x1 - x0) // 16)
    width = x1 - x0
    for left in (x0 + width // 6, x0 + width // 2 + width // 12):
        draw.arc((left, y0 - (y1 - y0) // 2, left + width // 3, y0 + (y1 - y0) // 6), 180, 360, fill=fill, width=strap)
    draw.rectangle((x0, y0, x1, y1), fill=fill)


@functools.cache
def cream_tote_on_white() -> Photo:
    """A cream canvas tote on an off-white sweep with a soft shadow: barely darker than the background."""
    image = _soft_shadow(_canvas(), (150, 400, 350, 450), 70, 14)
    truth_image = Image.new("L", image.size, 0)
    _tote(ImageDraw.Draw(truth_image), 255, 150, 190, 340, 420)
    truth = np.asarray(truth_image) > 127
    draw = ImageDraw.Draw(image)
    _tote(draw, CREAM, 150, 190, 340, 420)
    draw.line((150, 205, 340, 205), fill=(224, 215, 196), width=3)  # a hem seam
    draw.ellipse((215, 270, 275, 330), outline=(70, 110, 80), width=5)  # a printed logo
    return Photo(_encode(_fabric(image, truth, seed=3), "JPEG", quality=90), truth, "cream_tote.jpg")


@functools.cache
def bottle_on_glossy_floor() -> Photo:
    """A pale green bottle on a glossy white floor that mirrors a faint, fading copy of it."""
    image = _canvas()
    truth_image = Image.new("L", image.size, 0)

    def bottle(draw: ImageDraw.ImageDraw, fill: object) -> None:
        draw.rounded_rectangle((195, 170, 285, 380), radius=22, fill=fill)
        draw.rectangle((225, 110, 255, 175), fill=fill)
        draw.rectangle((220, 92, 260, 112), fill=fill)

    bottle(ImageDraw.Draw(truth_image), 255)
    bottle(ImageDraw.Draw(image), (150, 190, 160))
    ImageDraw.Draw(image).rectangle((205, 250, 275, 320), fill=(240, 240, 232))  # its label
    # The floor mirrors the bottle about its base (row 380), fading with distance.
    truth = np.asarray(truth_image) > 127
    pixels = np.asarray(image, dtype=np.float32).copy()
    rows = np.arange(381, SIZE)
    mirrored = 2 * 380 - rows
    alpha = np.linspace(0.35, 0.0, len(rows), dtype=np.float32)[:, None] * truth[mirrored]
    pixels[rows] = pixels[rows] * (1 - alpha[..., None]) + pixels[mirrored] * alpha[..., None]
    image = Image.fromarray(pixels.astype(np.uint8))
    return Photo(_encode(image, "JPEG", quality=90), truth, "bottle_glossy.jpg")


def _hand(draw: ImageDraw.ImageDraw, fill: object) -> None:
    """A forearm entering from the right edge, its hand gripping the notebook's right side."""
    draw.polygon([(SIZE, 250), (SIZE, 330), (350, 320), (335, 262)], fill=fill)  # forearm
    draw.ellipse((300, 245, 370, 330), fill=fill)  # palm, behind the notebook's edge
    for top in (250, 272, 294):
        draw.rounded_rectangle((288, top, 340, top + 18), radius=9, fill=fill)  # fingers over the cover


@functools.cache
def notebook_in_hand() -> Photo:
    """A navy notebook held at its right edge by a skin-coloured hand and forearm reaching in from the frame."""
    image = _soft_shadow(_canvas(), (110, 390, 330, 420), 50, 10)
    draw = ImageDraw.Draw(image)
    draw.rectangle((110, 130, 310, 400), fill=(34, 48, 92))
    draw.rectangle((140, 170, 280, 215), fill=(230, 226, 214))  # its label
    _hand(draw, SKIN)
    truth_image = Image.new("L", image.size, 0)
    truth_draw = ImageDraw.Draw(truth_image)
    truth_draw.rectangle((110, 130, 310, 400), fill=255)
    _hand(truth_draw, 0)
    return Photo(_encode(image, "JPEG", quality=90), np.asarray(truth_image) > 127, "notebook_held.jpg")


def _person(draw: ImageDraw.ImageDraw, head: bool) -> None:
    """A person seen from the front, cropped by the frame at the thighs (and at the chin unless `head`)."""
    top = 120 if head else -10
    if head:
        draw.ellipse((200, 20, 280, 115), fill=SKIN)
        draw.rectangle((228, 100, 252, 130), fill=SKIN)
    draw.rounded_rectangle((140, top, 340, 330), radius=30, fill=(88, 96, 124))  # shirt
    draw.rectangle((150, 320, 235, SIZE), fill=(42, 52, 84))  # jeans, off the bottom edge
    draw.rectangle((245, 320, 330, SIZE), fill=(42, 52, 84))
    draw.rectangle((108, top + 20, 146, 280), fill=(88, 96, 124))  # sleeves
    draw.rectangle((334, top + 20, 372, 280), fill=(88, 96, 124))
    draw.rectangle((112, 275, 142, 330), fill=SKIN)  # forearms and hands
    draw.rectangle((338, 275, 368, 330), fill=SKIN)


@functools.cache
def tote_held_by_person(head: bool = False) -> Photo:
    """A red tote held in front of a person in a blue shirt and jeans, on white."""
    image = _canvas()
    draw = ImageDraw.Draw(image)
    _person(draw, head)
    _tote(draw, (186, 52, 48), 165, 250, 315, 430)
    draw.rectangle((160, 240, 175, 262), fill=SKIN)  # the hand on the strap
    truth_image = Image.new("L", image.size, 0)
    truth_draw = ImageDraw.Draw(truth_image)
    _tote(truth_draw, 255, 165, 250, 315, 430)
    truth_draw.rectangle((160, 240, 175, 262), fill=0)
    return Photo(_encode(image, "JPEG", quality=90), np.asarray(truth_image) > 127, "tote_person.jpg")
