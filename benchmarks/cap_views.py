"""The fixture cap as a shopper sees it, before (the pillow) and after (crown and visor): a picture sheet.

    python -m benchmarks.cap_views

Generates tests/fixtures/photos/solidus_cap_black_1.png titled "Baseball cap" both ways (the
pillow forced as free-form, the shape decided), renders each from the front, at 45°, from the
side and from above, and writes the rows, photo first, to benchmarks/cap_views.png.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

PHOTO = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "photos" / "solidus_cap_black_1.png"
SHEET = Path(__file__).resolve().parent / "cap_views.png"
SIZE = 320


def views(shape: str) -> list[Image.Image]:
    """The photo's model (`shape`: "free-form" for the pillow, "auto") from four sides, lit."""
    from pipeline.generators.local_generator import LocalGenerator
    from pipeline.product import ProductInput, SourceImage
    from pipeline.stage2.mesh_repair import repair
    from pipeline.stage2.poster import render_turntable, render_view

    product = ProductInput(title="Baseball cap", images=(SourceImage(PHOTO.read_bytes(), PHOTO.name),), shape=shape)
    mesh, _ = repair(LocalGenerator(max_faces=50_000).generate(product).mesh)
    turned = list(render_turntable(mesh, SIZE).values())
    above = render_view(mesh, "top", longest_side=SIZE, lit=True)
    rgba = np.dstack([above.rgb, np.where(above.mask, 255, 0).astype(np.uint8)])
    return [*turned, Image.fromarray(rgba)]


def main() -> None:
    photo = Image.open(PHOTO).convert("RGB")
    photo.thumbnail((SIZE, SIZE))
    rows = [views("free-form"), views("auto")]
    sheet = Image.new("RGB", (SIZE * 5, SIZE * len(rows)), (40, 40, 40))
    for index, row in enumerate(rows):
        sheet.paste(photo, (0, index * SIZE))
        for column, image in enumerate(row, start=1):
            tile = image.convert("RGBA")
            tile.thumbnail((SIZE, SIZE))
            sheet.paste(tile, (column * SIZE, index * SIZE), tile)
    sheet.save(SHEET)
    print(SHEET)


if __name__ == "__main__":
    main()
