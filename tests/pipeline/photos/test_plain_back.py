"""pipeline.photos.plain_back: the back one photo implies keeps the material, drops the front's print."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from pipeline.photos.plain_back import plain_back

WHITE, BLUE, BLACK = (235, 235, 232), (30, 60, 170), (20, 20, 20)


def _bottle() -> tuple[Image.Image, np.ndarray]:
    """A white bottle with a blue cap (the cap is part of the outline) and black text on its label."""
    image = Image.new("RGB", (200, 400), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 100, 160, 390), fill=WHITE)
    draw.rectangle((75, 20, 125, 100), fill=BLUE)
    for row in range(200, 300, 25):  # lines of "text"
        draw.rectangle((60, row, 140, row + 10), fill=BLACK)
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).rectangle((40, 100, 160, 390), fill=255)
    ImageDraw.Draw(mask).rectangle((75, 20, 125, 100), fill=255)
    return image, np.asarray(mask) > 0


def test_the_print_inside_the_outline_is_filled_with_the_material() -> None:
    image, mask = _bottle()
    back = np.asarray(plain_back(image, mask).texture).astype(int)
    label = back[200:300, 60:140]
    assert np.abs(label - WHITE).max(axis=-1).mean() < 12


def test_what_reaches_the_outline_is_kept() -> None:
    """The blue cap goes on round the bottle: its back is blue too."""
    image, mask = _bottle()
    result = plain_back(image, mask)
    cap = np.asarray(result.texture).astype(int)[30:90, 85:115]
    assert np.abs(cap - BLUE).max(axis=-1).mean() < 12
    assert 0.05 < result.print_share < 0.3


def test_a_plain_product_is_left_as_it_is() -> None:
    image = Image.new("RGB", (120, 120), (250, 250, 250))
    ImageDraw.Draw(image).ellipse((10, 10, 110, 110), fill=(200, 30, 40))
    mask = np.zeros((120, 120), dtype=bool)
    mask[20:100, 20:100] = True
    result = plain_back(image, mask)
    assert result.print_share == 0.0
    assert np.array_equal(np.asarray(result.texture), np.asarray(image))


def test_a_colour_of_the_outline_is_print_where_it_stays_clear_of_it() -> None:
    """Dark stripes run down from the collar (kept); a dark oval of the same colour sits on the chest (print)."""
    image = Image.new("RGB", (300, 300), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, 270, 290), fill=BLUE)
    dark = (10, 25, 90)
    for x in range(40, 270, 30):
        draw.rectangle((x, 30, x + 12, 120), fill=dark)
    draw.ellipse((120, 170, 180, 230), fill=dark)
    mask = np.zeros((300, 300), dtype=bool)
    mask[30:291, 30:271] = True
    back = np.asarray(plain_back(image, mask).texture).astype(int)
    assert np.abs(back[190:210, 140:160] - BLUE).max(axis=-1).mean() < 12
    assert np.abs(back[40:110, 42:50] - dark).max(axis=-1).mean() < 12


def test_a_large_logo_is_filled_with_the_colour_around_it() -> None:
    image = Image.new("RGB", (400, 400), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 380, 380), fill=(210, 50, 45))
    draw.ellipse((80, 80, 320, 320), fill=(250, 250, 250))
    mask = np.zeros((400, 400), dtype=bool)
    mask[20:381, 20:381] = True
    back = np.asarray(plain_back(image, mask).texture).astype(int)
    assert np.abs(back[150:250, 150:250] - (210, 50, 45)).max(axis=-1).max() < 12


def test_the_body_colour_inside_a_print_is_print_too() -> None:
    """A logo's red centre inside its white ring is the print's, not the bag's: the back shows no ring's ghost."""
    image = Image.new("RGB", (400, 400), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    red = (210, 50, 45)
    draw.rectangle((20, 20, 380, 380), fill=red)
    draw.ellipse((100, 100, 300, 300), fill=(250, 250, 250))
    draw.rectangle((170, 170, 230, 230), fill=red)
    mask = np.zeros((400, 400), dtype=bool)
    mask[20:381, 20:381] = True
    result = plain_back(image, mask)
    back = np.asarray(result.texture).astype(int)
    assert np.abs(back[110:290, 110:290] - red).max(axis=-1).max() < 12
    assert result.print_share > 0.235  # the ring and its centre (0.24 of the bag); the ring alone is 0.21
