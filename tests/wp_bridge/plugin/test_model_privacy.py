"""A product's model is shown only where its product page would show the product (issue 13, G).

The shortcode and the block may sit on any public page, so they must not hand anonymous visitors
the model (the `<model-viewer>` and its GLB URL) of a password-protected, private or draft product.
"""

from __future__ import annotations


import pytest
import requests

from tests.wp_bridge.plugin.test_wordpress import model_for, viewer_tags
from tests.wp_bridge.plugin.conftest import set_model
from tests.wp_bridge.plugin.wordpress import WordPressSite, php_value

pytestmark = pytest.mark.slow

PASSWORD = "sesame-42"


def new_product(site: WordPressSite, title: str, **fields: str) -> int:
    post = {"post_type": "product", "post_title": title, "post_status": "publish", **fields}
    return int(site.php(f"return wp_insert_post( {php_value(post)} );"))


def page_with(site: WordPressSite, content: str) -> int:
    """A published page (not password-protected itself) with the given content."""
    post = {"post_type": "page", "post_status": "publish", "post_title": "Showcase", "post_content": content}
    return int(site.php(f"return wp_insert_post( wp_slash( {php_value(post)} ) );"))


def embeds(site: WordPressSite, product: int) -> dict[str, str]:
    """The URLs of a page with the shortcode, a page with the block, and the product page."""
    shortcode = page_with(site, f'[woo3d_model id="{product}"]')
    block = page_with(site, f'<!-- wp:woo3d/model {{"productId":{product}}} /-->')
    return {"shortcode": f"{site.url}/?page_id={shortcode}", "block": f"{site.url}/?page_id={block}",
            "product page": f"{site.url}/?p={product}"}


def leaks(page_html: str, glb: str) -> bool:
    return bool(viewer_tags(page_html)) or glb in page_html or "model-viewer.min.js" in page_html


def test_password_protected_products_model_stays_hidden_from_anonymous_visitors(wordpress: WordPressSite) -> None:
    product = new_product(wordpress, "Prototype lamp", post_password=PASSWORD)
    model = model_for(wordpress, product)
    set_model(wordpress, product, model)
    urls = embeds(wordpress, product)
    leaked = [name for name, url in urls.items() if leaks(requests.get(url, timeout=30).text, model["glb"])]
    assert leaked == []


def test_a_visitor_who_entered_the_products_password_sees_its_model(wordpress: WordPressSite) -> None:
    """Like the product page: the password form's cookie unlocks the product, and its model with it."""
    product = new_product(wordpress, "Prototype chair", post_password=PASSWORD)
    model = model_for(wordpress, product)
    set_model(wordpress, product, model)
    urls = embeds(wordpress, product)
    visitor = requests.Session()
    entered = visitor.post(f"{wordpress.url}/wp-login.php?action=postpass", data={"post_password": PASSWORD},
                           headers={"Referer": urls["product page"]}, timeout=30)
    assert entered.ok
    for name in ("shortcode", "block"):
        (tag,) = viewer_tags(visitor.get(urls[name], timeout=30).text)
        assert f'src="{model["glb"]}"' in tag, name


@pytest.mark.parametrize("status", ["private", "draft", "pending", "future"])
def test_unpublished_products_models_stay_hidden_from_anonymous_visitors(wordpress: WordPressSite, status: str) -> None:
    fields = {"post_status": status}
    if status == "future":
        fields["post_date"] = "2099-01-01 10:00:00"
    product = new_product(wordpress, f"Upcoming {status} vase", **fields)
    model = model_for(wordpress, product)
    set_model(wordpress, product, model)
    urls = embeds(wordpress, product)
    leaked = [name for name in ("shortcode", "block") if leaks(requests.get(urls[name], timeout=30).text, model["glb"])]
    assert leaked == []


def test_staff_who_may_read_a_private_product_see_its_model(wordpress: WordPressSite) -> None:
    product = new_product(wordpress, "Private stool", post_status="private")
    set_model(wordpress, product, model_for(wordpress, product))
    rendered = wordpress.php(f"wp_set_current_user( 1 ); return do_shortcode( '[woo3d_model id=\"{product}\"]' );")
    assert "<model-viewer" in rendered
