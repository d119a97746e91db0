"""Variable products on the strict fake store: a model per look (never per SKU), written where WooCommerce accepts it."""

from __future__ import annotations

import json
from pathlib import Path

from prometheus_client import REGISTRY
from redis import Redis
from rq import Queue, SimpleWorker
from woocommerce import API

from pipeline.jobs import sweep
from pipeline.jobs.backfill import backfill
from pipeline.jobs.fingerprint import product_fingerprint
from pipeline.jobs.product_job import JobContext, configure, generate_product_model
from pipeline.jobs.snapshots import ProductSnapshots
from pipeline.jobs.sweep import SweepConfig
from pipeline.jobs.variations import display_name
from tests.conftest import PHOTOS, WOOCOMMERCE_FIXTURES
from tests.fake_store import FakeStore
from tests.pipeline.jobs.support import small_pipeline
from wp_bridge import META_KEY, Product, StoreClients, StoreConfig

TYPES = ("simple", "variable", "variation")
PHOTO_FILES = ("solidus_cap_black_1.png", "ruby_mug.jpg", "solidus_tote.png", "solidus_hoodie_black_1.png")


def photo(store: FakeStore, index: int) -> dict:
    name = PHOTO_FILES[index % len(PHOTO_FILES)]
    return store.add_image(f"{index}-{name}", (PHOTOS / name).read_bytes())


def cap(store: FakeStore, colours: dict[str, dict | None], sizes: tuple[str, ...] = ("S", "M")) -> tuple[int, dict[str, int]]:
    """A variable cap: one variation per colour and size; a colour's photo (None: the cap's own)."""
    featured = photo(store, 0)
    parent = store.add_product(name="Trucker Cap", type="variable", images=[featured], attributes=[
        {"id": 0, "name": "Color", "variation": True, "options": list(colours)},
        {"id": 0, "name": "Size", "variation": True, "options": list(sizes)},
    ])["id"]
    variations = {
        f"{colour}-{size}": store.add_variation(parent, attributes={"Color": colour, "Size": size}, image=image)["id"]
        for colour, image in colours.items() for size in sizes
    }
    return parent, variations


def merchant(store: FakeStore) -> API:
    """The merchant's own REST client (the `woocommerce` package), editing the store as a shop would."""
    return API(url=store.url, consumer_key=store.consumer_key, consumer_secret=store.consumer_secret,
               version="wc/v3", timeout=10)


def generations() -> float:
    """Models generated so far in this process (copies and stand-downs are not generations)."""
    return sum(
        sample.value for metric in REGISTRY.collect() if metric.name == "woo3d_asset_generation"
        for sample in metric.samples
        if sample.name.endswith("_total") and sample.labels["status"] in ("done", "held")
        and sample.labels["generator"] not in ("copied", "none")
    )


def model_of(store: FakeStore, product_id: int) -> dict | None:
    rows = store.meta_rows(product_id, META_KEY)
    return rows[0]["value"] if rows else None


def test_a_variation_gets_its_model_through_its_parents_variations_route(store: FakeStore, context: JobContext) -> None:
    parent, variations = cap(store, {"Red": photo(store, 1)}, sizes=("S",))
    red = variations["Red-S"]
    # What the delivery of the variation carries: the /products/<id> form ("Trucker Cap - Red, S").
    delivered = product_fingerprint(store.product(red))
    result = generate_product_model(red, delivered, parent_id=parent)
    assert result["state"] == "done", result
    model = model_of(store, red)
    assert model is not None and model["fingerprint"] == delivered and model["glb"] == result["model"]["glb"]
    assert store.requests_matching("PUT", f"/wp-json/wc/v3/products/{red}") == []
    assert len(store.requests_matching("PUT", f"/wp-json/wc/v3/products/{parent}/variations/{red}")) == 1
    assert {a["mime_type"] for a in store.attachments(post=red)} == {"model/gltf-binary", "model/vnd.usdz+zip",
                                                                     "image/png"}
    assert model_of(store, parent) is None  # the parent's own model is its own job's


def test_a_trigger_by_variation_id_finds_the_parent_itself(store: FakeStore, context: JobContext) -> None:
    parent, variations = cap(store, {"Red": photo(store, 1)}, sizes=("S",))
    assert generate_product_model(variations["Red-S"], None)["state"] == "done"
    assert model_of(store, variations["Red-S"])["glb"]


def test_sizes_that_show_the_parents_photo_use_its_model_with_no_generation(store: FakeStore, context: JobContext) -> None:
    parent, variations = cap(store, {"Natural": None}, sizes=("S", "M", "L"))
    assert generate_product_model(parent, None)["state"] == "done"
    before, uploads = generations(), len(store.requests_matching("POST", "/wp-json/wp/v2/media"))
    for variation_id in variations.values():
        result = generate_product_model(variation_id, product_fingerprint(store.product(variation_id)), parent_id=parent)
        assert result["state"] == "parent" and result["model"]["glb"] == model_of(store, parent)["glb"], result
        assert model_of(store, variation_id) is None
    assert generations() == before
    assert len(store.requests_matching("POST", "/wp-json/wp/v2/media")) == uploads


def test_backfill_queues_each_look_once_and_the_worker_generates_one_model_per_photo(
    store: FakeStore, clients: StoreClients, context: JobContext, redis_conn: Redis
) -> None:
    parent, variations = cap(store, {"Red": photo(store, 1), "Black": photo(store, 2), "Natural": None})
    queue = Queue("woo3d", connection=redis_conn)
    report = backfill(clients.woocommerce, queue, enabled_types=TYPES, pipeline=context.pipeline)
    assert (report.walked, report.variations, report.shows_parent) == (7, 6, 2)
    assert sorted(report.enqueued) == sorted([parent, *(variations[f"{c}-{s}"] for c in ("Red", "Black") for s in "SM")])
    assert len(report.looks) == 3  # the cap, red, black

    before = generations()
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    assert generations() - before == 3
    red_s, red_m = model_of(store, variations["Red-S"]), model_of(store, variations["Red-M"])
    assert red_s["fingerprint"] == red_m["fingerprint"] != model_of(store, variations["Black-S"])["fingerprint"]
    # Each variation owns its files (replacing one never deletes another's), with the same bytes.
    assert red_s["glb"] != red_m["glb"] and store.file_bytes(red_s["glb"]) == store.file_bytes(red_m["glb"])
    assert model_of(store, variations["Natural-S"]) is None
    assert [r.path for r in store.requests if r.method == "PUT" and "/variations/" not in r.path] == [
        f"/wp-json/wc/v3/products/{parent}"
    ]
    assert backfill(clients.woocommerce, queue, enabled_types=TYPES, pipeline=context.pipeline).enqueued == []


def test_ten_colours_by_five_sizes_cost_at_most_ten_paid_generations(
    store: FakeStore, clients: StoreClients, redis_conn: Redis, tmp_path: Path
) -> None:
    """The featured photo is the first colour's: its sizes show the cap's model."""
    photos = [photo(store, 0)] + [photo(store, 100 + i) for i in range(9)]
    parent = store.add_product(name="Trucker Cap", type="variable", images=[photos[0]])["id"]
    for colour, image in enumerate(photos):
        for size in "XS S M L XL".split():
            store.add_variation(parent, attributes={"Color": f"colour {colour}", "Size": size}, image=image)
    paid = small_pipeline(tmp_path, enable_3d_generation=True, tripo_api_key="tsk_test")
    report = backfill(clients.woocommerce, Queue("woo3d", connection=redis_conn), enabled_types=TYPES,
                      pipeline=paid, dry_run=True)
    assert (report.variations, report.shows_parent, len(report.enqueued)) == (50, 5, 46)
    assert report.as_dict()["paid_generations_at_most"] == {"tripo": 10}


def test_a_variation_of_a_draft_product_is_skipped(store: FakeStore, clients: StoreClients, redis_conn: Redis,
                                                    tmp_path: Path) -> None:
    parent = store.add_product(name="Hidden Cap", type="variable", status="draft", images=[photo(store, 0)])["id"]
    store.add_variation(parent, attributes={"Color": "Red"}, image=photo(store, 1))
    report = backfill(clients.woocommerce, Queue("woo3d", connection=redis_conn), enabled_types=TYPES,
                      pipeline=small_pipeline(tmp_path), dry_run=True)
    assert report.enqueued == [] and report.skipped == {
        "not published (status: draft)": 1, f"its product {parent} is not published (status: draft)": 1}


def test_the_sweep_queues_variations_changed_since_the_last_sweep(
    store: FakeStore, clients: StoreClients, context: JobContext, redis_conn: Redis
) -> None:
    parent, variations = cap(store, {"Red": photo(store, 1), "Natural": None}, sizes=("S",))
    config = SweepConfig(minutes=10, queue_name="woo3d", enabled_product_types=TYPES)
    first = sweep.sweep(redis_conn, clients, config)
    assert set(first.enqueued) == {parent, variations["Red-S"]} and first.shows_parent == 1
    SimpleWorker([Queue("woo3d", connection=redis_conn)], connection=redis_conn).work(burst=True)

    # The merchant gives the natural cap a photo of its own, through the variations route.
    answer = merchant(store).put(f"products/{parent}/variations/{variations['Natural-S']}",
                          {"image": {"id": photo(store, 2)["id"]}})
    assert answer.status_code == 200
    second = sweep.sweep(redis_conn, clients, config)
    assert second.enqueued == (variations["Natural-S"],) and second.current == 2, second
    [job_id] = second.job_ids
    job = Queue("woo3d", connection=redis_conn).fetch_job(job_id)
    assert job.kwargs["parent_id"] == parent


def test_a_variation_that_loses_its_photo_drops_its_own_model_for_the_parents(
    store: FakeStore, clients: StoreClients, context: JobContext, redis_conn: Redis
) -> None:
    parent, variations = cap(store, {"Red": photo(store, 1)}, sizes=("S",))
    red = variations["Red-S"]
    assert generate_product_model(red, None)["state"] == "done"
    own_files = {a["id"] for a in store.attachments(post=red)}
    assert len(own_files) == 3

    assert merchant(store).put(f"products/{parent}/variations/{red}", {"image": {"id": 0}}).status_code == 200
    report = backfill(clients.woocommerce, Queue("woo3d", connection=redis_conn), enabled_types=TYPES,
                      pipeline=context.pipeline, dry_run=True)
    assert red in report.enqueued  # its stale model must go
    result = generate_product_model(red, None)
    assert result["state"] == "parent" and "its own earlier model was removed" in result["reason"]
    assert model_of(store, red) is None
    assert all(store.attachment(i) is None for i in own_files)


def test_a_twin_whose_files_cannot_be_fetched_is_generated_instead(
    store: FakeStore, clients: StoreClients, context: JobContext
) -> None:
    red_photo = photo(store, 1)
    parent, variations = cap(store, {"Red": red_photo}, sizes=("S", "M"))
    red_s, red_m = variations["Red-S"], variations["Red-M"]
    look = product_fingerprint(store.product(red_s))
    # A sibling whose files live on a host woo3d may not fetch from (an offloaded media library).
    clients.woocommerce.update_product_meta(red_s, {META_KEY: {"schema": 2, "fingerprint": look,
                                                               "glb": "https://media.example/red.glb"}},
                                            parent_id=parent)
    before = generations()
    result = generate_product_model(red_m, look, parent_id=parent)
    assert result["state"] == "done" and "copied" not in (result["reason"] or "")
    assert generations() == before + 1
    assert store.file_bytes(model_of(store, red_m)["glb"])


def test_a_twin_meta_a_shop_manager_rewrote_plants_nothing_on_the_worker_nor_in_the_media_library(
    store: FakeStore, clients: StoreClients, context: JobContext, tmp_path: Path
) -> None:
    """Issue 25's attack: the sibling's meta points at an uploaded text file through `x.html?attachment_id=N`
    (WordPress redirects it to the file) and names formats by paths outside the job's folder. The
    variation with that photo copies none of it: it generates its own model, writes nothing outside
    its folder and uploads only a real GLB, USDZ and PNG."""
    marker = b"<script>document.title='woo3d-issue-25'</script>"
    parent, variations = cap(store, {"Red": photo(store, 1)}, sizes=("S", "M"))
    red_s, red_m = variations["Red-S"], variations["Red-M"]
    look = product_fingerprint(store.product(red_s))
    planted = store.add_image("notes.txt", marker, mime_type="text/plain")
    lure = f"{store.url}/x.html?attachment_id={planted['id']}"
    outside = tmp_path / "outside"
    outside.mkdir()
    formats = {str(outside / "absolute"): lure, "../" * 40 + str(outside / "relative").lstrip("/"): lure, "obj": lure}
    rewritten = {"schema": 1, "fingerprint": look, "glb": lure, "usdz": lure, "poster": lure, "formats": formats}
    answer = merchant(store).put(f"products/{parent}/variations/{red_s}",
                                 {"meta_data": [{"key": META_KEY, "value": rewritten}]})
    assert answer.status_code == 200
    store.clear_requests()

    before = generations()
    result = generate_product_model(red_m, look, parent_id=parent)
    assert result["state"] == "done" and "copied" not in (result["reason"] or ""), result
    assert generations() == before + 1
    assert list(outside.iterdir()) == []
    assert [p for p in tmp_path.rglob("*") if p.is_file() and marker in p.read_bytes()] == []
    uploads = store.requests_matching("POST", "/wp-json/wp/v2/media")
    sent = {r.headers["Content-Disposition"].rsplit(".", 1)[-1].strip('"'): r.body for r in uploads}
    assert sorted(sent) == ["glb", "png", "usdz"] and len(uploads) == 3
    assert sent["glb"][:4] == b"glTF" and sent["usdz"][:4] == b"PK\x03\x04" and sent["png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert {a["mime_type"] for a in store.attachments(post=red_m)} == {"model/gltf-binary", "model/vnd.usdz+zip",
                                                                       "image/png"}


def test_variation_names_read_as_the_shop_shows_them() -> None:
    cap_product = Product.from_api({"id": 1, "name": "Trucker Cap", "type": "variable"})
    from_variations_route = Product.from_api({"id": 2, "name": "Red", "type": "variation", "parent_id": 1})
    from_delivery = Product.from_api({"id": 2, "name": "Trucker Cap - Red", "type": "variation", "parent_id": 1})
    assert display_name(from_variations_route, cap_product) == display_name(from_delivery, cap_product) == "Trucker Cap - Red"


def test_without_a_store_a_variation_uses_its_parents_delivery(redis_conn: Redis, tmp_path: Path) -> None:
    """The recorded deliveries: the bowl (photo 12) and its Red variation (its own photo 13)."""
    configure(JobContext(redis_conn, small_pipeline(tmp_path), StoreConfig()))
    bowl = json.loads(recorded("product_created__variable_parent"))
    red = json.loads(recorded("product_created__variation"))
    snapshots = ProductSnapshots(redis_conn)
    snapshots.save(21, json.dumps(bowl).encode())
    snapshots.save(22, json.dumps({**red, "images": bowl["images"]}).encode())  # as if it showed the bowl's photo
    result = generate_product_model(22, None, parent_id=21)
    assert result["state"] == "parent" and "product 21" in result["reason"]


def recorded(name: str) -> str:
    return str(json.loads((WOOCOMMERCE_FIXTURES / "webhooks" / f"{name}.json").read_text())["request"]["body_text"])
