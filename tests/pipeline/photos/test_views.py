"""pipeline.photos.views: each gallery image is taken for the view it shows, and used only for that."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from pipeline.photos.views import MAX_GALLERY_IMAGES, read_gallery
from pipeline.product import SourceImage
from tests.pipeline import synthetic

PHOTOS = Path(__file__).resolve().parents[2] / "fixtures" / "photos"


def _image(name: str, as_name: str | None = None, alt: str = "") -> SourceImage:
    return SourceImage((PHOTOS / name).read_bytes(), as_name or name, alt)


def _png(image: Image.Image, name: str) -> SourceImage:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SourceImage(buffer.getvalue(), name)


def _tshirt() -> Image.Image:
    return Image.open(PHOTOS / "solidus_tshirt.jpg").convert("RGB")


@pytest.mark.parametrize("back_name", ["solidus_tshirt_back.jpg", "image-2.jpg"])
def test_a_back_photo_is_used_for_the_back(back_name: str) -> None:
    """Named a back, or just the second image: its outline is the front's mirrored and the front's print is not on it."""
    gallery = read_gallery([_image("solidus_tshirt.jpg", "image-1.jpg"), _image("solidus_tshirt_back.jpg", back_name)])
    assert gallery.used("back") == 1
    assert gallery.decisions[0].view == "front"
    assert gallery.decisions[1].reasons


def test_a_back_named_so_later_in_the_gallery_is_used() -> None:
    gallery = read_gallery([_image("solidus_tshirt.jpg"), _image("ruby_mug.jpg"),
                            _image("solidus_tshirt_back.jpg", "shirt.jpg", alt="Back view")])
    assert gallery.used("back") == 2
    assert gallery.decisions[1].view == "other"


def test_the_front_again_is_not_the_back() -> None:
    gallery = read_gallery([_image("solidus_tshirt.jpg"), _image("solidus_tshirt.jpg", "copy.jpg")])
    assert gallery.used("back") is None
    assert gallery.decisions[1].view == "front"


def test_a_narrower_view_is_a_side_and_not_the_back() -> None:
    front = _tshirt()
    side = Image.new("RGB", front.size, (255, 255, 255))
    narrow = front.resize((front.width * 35 // 100, front.height))
    side.paste(narrow, ((front.width - narrow.width) // 2, 0))
    gallery = read_gallery([_image("solidus_tshirt.jpg"), _png(side, "image-2.png")])
    assert gallery.decisions[1].view == "side"
    assert gallery.used("back") is None


def test_a_close_up_of_someone_wearing_it_is_a_lifestyle_or_detail_shot() -> None:
    hoodie, worn = synthetic.hoodie_on_white(), synthetic.hoodie_worn_close_up()
    gallery = read_gallery([SourceImage(hoodie.data, hoodie.name), SourceImage(worn.data, worn.name)])
    assert gallery.decisions[1].view in ("lifestyle", "detail")
    assert gallery.used("back") is None


def test_a_crop_of_the_product_filling_the_frame_is_a_detail() -> None:
    front = Image.open(PHOTOS / "solidus_hoodie_black_1.png").convert("RGBA").convert("RGB")
    width, height = front.size
    close = front.crop((width * 3 // 10, height // 5, width * 3 // 4, height * 3 // 5)).resize(front.size)
    gallery = read_gallery([_image("solidus_hoodie_black_1.png"), _png(close, "image-2.png")])
    assert gallery.decisions[1].view == "detail"
    assert gallery.used("back") is None


def test_a_back_named_so_whose_outline_disagrees_is_not_used() -> None:
    gallery = read_gallery([_image("solidus_tshirt.jpg"), _image("solidus_tote.png", "tshirt-back.png")])
    assert gallery.used("back") is None


def test_an_unreadable_image_is_reported_and_not_used() -> None:
    gallery = read_gallery([_image("solidus_tshirt.jpg"), SourceImage(b"junk", "back.jpg")])
    assert gallery.decisions[1].view == "unreadable" and gallery.used("back") is None


def test_the_gallery_is_read_up_to_its_limit() -> None:
    images = [_image("solidus_tshirt.jpg")] + [_image("ruby_mug.jpg", f"m{i}.jpg") for i in range(MAX_GALLERY_IMAGES + 2)]
    assert len(read_gallery(images).decisions) == MAX_GALLERY_IMAGES


def test_the_titles_words_in_an_alt_text_name_no_view() -> None:
    """A store's alt text is often the title: "Tank top" says nothing of a view from above, so its back photo is still its back."""
    gallery = read_gallery([_image("solidus_tshirt.jpg", alt="Tank top"),
                            _image("solidus_tshirt_back.jpg", "image-2.jpg", alt="Tank top")], title="Tank top")
    assert gallery.used("back") == 1
