"""Backfill benchmark: `woo3d backfill` over 10,000 products of a local store speaking WooCommerce's REST API.

    python -m benchmarks.backfill [--products 10000] [--repeats 3]

Each repeat runs the real command twice against a fresh Redis database: the first run queues a
job per product (time to enqueue), the second finds them all queued and queues nothing. Tripo is
configured (a local server speaking its API) so that paid calls would be seen: there must be
none. Writes benchmarks/out/backfill.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from redis import Redis

from tests.fake_store import FakeStore
from tests.pipeline.servers.tripo import API_KEY, FakeTripo
from tests.redis_server import RedisServer

OUT = Path(__file__).resolve().parent / "out"
PHOTO = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "photos" / "ruby_mug.jpg"


def _backfill(env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "woo3d", "backfill", "--json"], env=env, capture_output=True,
                          text=True, timeout=600, check=True)
    return time.perf_counter() - started, json.loads(done.stdout)


def run(products: int = 10_000, repeats: int = 3) -> dict[str, Any]:
    """Time first and second runs `repeats` times; returns (and writes) the medians."""
    redis = RedisServer().start()
    try:
        with FakeStore() as store, FakeTripo() as tripo:
            photo = store.add_image("mug.jpg", PHOTO.read_bytes())
            store.seed_products(products, images=[photo])
            env = {**os.environ, "WOO3D_REDIS_URL": f"{redis.url}/0", "WC_STORE_URL": store.url,
                   "WC_CONSUMER_KEY": store.consumer_key, "WC_CONSUMER_SECRET": store.consumer_secret,
                   "WP_USERNAME": store.username, "WP_APPLICATION_PASSWORD": store.application_password,
                   "TRIPO_API_KEY": API_KEY, "TRIPO_API_BASE": tripo.base_url, "WOO3D_LOG_FORMAT": "json"}
            first: list[float] = []
            second: list[float] = []
            for _ in range(repeats):
                Redis.from_url(env["WOO3D_REDIS_URL"]).flushdb()
                seconds, report = _backfill(env)
                assert report["enqueued"] == products, report
                first.append(seconds)
                seconds, again = _backfill(env)
                assert again["enqueued"] == 0 and again["already_queued"] == products, again
                second.append(seconds)
            listing_pages = len(store.requests_matching("GET", "/wp-json/wc/v3/products")) // (2 * repeats)
            paid = len(tripo.creates)
    finally:
        redis.cleanup()
    result = {
        "benchmark": "backfill",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "products": products, "repeats": repeats, "listing_pages_per_run": listing_pages,
        "first_run_s": round(statistics.median(first), 2),
        "first_run_products_per_s": round(products / statistics.median(first)),
        "second_run_s": round(statistics.median(second), 2),
        "second_run_enqueued": 0,
        "ratio_second_to_first": round(statistics.median(second) / statistics.median(first), 2),
        "paid_calls": paid,
        "runs_s": {"first": [round(s, 2) for s in first], "second": [round(s, 2) for s in second]},
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "backfill.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"backfill of {products:,} products (median of {repeats}): first run {result['first_run_s']} s "
          f"({result['first_run_products_per_s']}/s enqueued), second run {result['second_run_s']} s, 0 enqueued, "
          f"{paid} paid calls")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    run(args.products, args.repeats)


if __name__ == "__main__":
    main()
