"""`woo3d backfill` and `woo3d sweep` against the fake store and a real Redis."""

from __future__ import annotations

import json

from redis import Redis
from rq import Queue

from pipeline.jobs.fingerprint import product_fingerprint
from tests.cli.store_env import invoke
from tests.fake_store import FakeStore
from tests.pipeline.servers.tripo import API_KEY, FakeTripo
from wp_bridge import META_KEY


def summary(env: dict[str, str], *args: str) -> dict[str, object]:
    result = invoke(env, "backfill", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_backfill_of_250_products_then_a_second_run_queues_nothing(
    store: FakeStore, env: dict[str, str], redis_conn: Redis
) -> None:
    ids = store.seed_products(250)
    store.add_product(name="Draft", status="draft")
    current = store.seed_products(1)[0]
    model = {"schema": 2, "fingerprint": product_fingerprint(store.product(current))}
    store._products[current]["meta"].append({"id": 1, "key": META_KEY, "value": model})

    first = summary(env)
    assert (first["total"], first["walked"], first["enqueued"], first["current"]) == (252, 252, 250, 1)
    assert first["skipped"] == {"not published (status: draft)": 1}
    assert len(Queue("woo3d", connection=redis_conn)) == 250
    listings = store.requests_matching("GET", "/wp-json/wc/v3/products")
    assert [r.query["page"] for r in listings] == ["1", "2", "3"] and {r.query["per_page"] for r in listings} == {"100"}

    second = summary(env)
    assert (second["enqueued"], second["already_queued"]) == (0, 250)
    assert len(Queue("woo3d", connection=redis_conn)) == 250
    assert set(ids) <= {int(job_id.split("-")[1]) for job_id in Queue("woo3d", connection=redis_conn).job_ids}


def test_dry_run_counts_and_paid_estimate_and_the_tripo_balance_and_queues_nothing(
    store: FakeStore, env: dict[str, str], redis_conn: Redis
) -> None:
    store.seed_products(12)
    with FakeTripo(balance=40, frozen=5) as tripo:
        paid = {**env, "TRIPO_API_KEY": API_KEY, "TRIPO_API_BASE": tripo.base_url}
        result = invoke(paid, "backfill", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would queue: 12" in result.stdout and "paid generations (tripo): at most 12" in result.stdout
    assert "Tripo balance: 40 credits (5 held by running tasks)" in result.stdout
    assert len(Queue("woo3d", connection=redis_conn)) == 0
    offline = invoke(env, "backfill", "--dry-run")
    assert "paid generations: 0 (no paid generator configured" in offline.stdout


def test_a_backfill_with_tripo_refuses_to_start_on_an_empty_balance(
    store: FakeStore, env: dict[str, str], redis_conn: Redis
) -> None:
    store.seed_products(3)
    with FakeTripo(balance=0) as tripo:
        result = invoke({**env, "TRIPO_API_KEY": API_KEY, "TRIPO_API_BASE": tripo.base_url}, "backfill")
    assert result.exit_code == 1 and "Tripo balance is 0 credits" in result.output
    assert len(Queue("woo3d", connection=redis_conn)) == 0
    assert store.requests_matching("GET", "/wp-json/wc/v3/products") == []


def test_limit_and_category(store: FakeStore, env: dict[str, str], redis_conn: Redis) -> None:
    store._categories[20] = {"id": 20, "name": "Vases", "slug": "vases"}
    vases = store.seed_products(3, categories=[store._categories[20]])
    store.seed_products(5)
    assert summary(env, "--category", "vases")["enqueued"] == 3
    assert set(vases) == {int(j.split("-")[1]) for j in Queue("woo3d", connection=redis_conn).job_ids}
    limited = summary(env, "--limit", "2")
    assert (limited["enqueued"], limited["limit_reached"]) == (2, True)
    missing = invoke(env, "backfill", "--category", "nope")
    assert missing.exit_code == 1 and "no product category with the slug 'nope'" in missing.output


def test_backfill_needs_a_store_and_reports_refused_keys(store: FakeStore, env: dict[str, str]) -> None:
    offline = invoke({**env, "WC_STORE_URL": ""}, "backfill")
    assert offline.exit_code == 1 and "needs a store" in offline.output
    refused = invoke({**env, "WC_CONSUMER_SECRET": "cs_wrong"}, "backfill")
    assert refused.exit_code == 1 and "the store refused" in refused.output


def test_sweep_command_runs_one_sweep(store: FakeStore, env: dict[str, str], redis_conn: Redis) -> None:
    product = store.seed_products(1)[0]
    result = invoke(env, "sweep")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["enqueued"] == [product] and report["disabled_webhooks"] == []
    assert json.loads(invoke(env, "sweep").stdout)["enqueued"] == []
