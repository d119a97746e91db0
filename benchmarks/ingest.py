"""Ingest benchmark: signed 20 KB deliveries against gunicorn on loopback, versus a no-op route.

    python -m benchmarks.ingest [--seconds 10] [--clients 32]

Starts its own redis-server and gunicorn, runs the no-op endpoint (`/healthz`) and the webhook
endpoint back to back on the same server with the same clients, prints deliveries/s, p50/p99 and
their ratio, and writes benchmarks/out/ingest.json.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests.recorded import RIG_SECRET, recorded_payload, signed_delivery
from tests.redis_server import RedisServer, free_port

OUT = Path(__file__).resolve().parent / "out"


@functools.cache
def _template() -> dict[str, Any]:
    return recorded_payload("product_created__publish_with_media_ids")


def _payload(product_id: int) -> dict[str, Any]:
    payload = {**_template(), "id": product_id}
    payload["description"] = "<p>" + ("A glossy red ceramic mug. " * 800)[: 20_000 - len(json.dumps(payload))] + "</p>"
    return payload


PREPARED = 2000  # requests prepared per client thread, so signing is not timed


def _requests(path: str, worker: int, thread: int) -> list[tuple[str, bytes | None, dict[str, str]]]:
    """Distinct signed deliveries (distinct products: none is a duplicate), or plain GETs."""
    if path == "/healthz":
        return [("GET", None, {})] * (10 * PREPARED)
    prepared = []
    for n in range(PREPARED):
        product_id = 1_000_000 * (worker + 1) + 10_000 * thread + n
        raw_headers, body = signed_delivery(
            _payload(product_id), topic="product.created", delivery_id=f"{product_id:032x}", secret=RIG_SECRET
        )
        prepared.append(("POST", body, {k: v for k, v in raw_headers if k.lower() not in {"host", "connection"}}))
    return prepared


def _client(port: int, path: str, worker: int, threads: int, seconds: float, queue: Any) -> None:
    """One process of `threads` keep-alive clients; puts its latencies (s) on the queue."""
    latencies: list[float] = []
    lock = threading.Lock()
    prepared = [_requests(path, worker, thread) for thread in range(threads)]
    deadline = time.monotonic() + seconds

    def run(thread: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        requests = prepared[thread]
        for method, body, headers in requests:
            if time.monotonic() >= deadline:
                break
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status >= 300:
                raise RuntimeError(f"{path} answered {response.status}")
        with lock:
            latencies.extend(mine)
        if len(mine) == len(requests):
            raise RuntimeError("ran out of prepared requests: raise PREPARED")

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    queue.put(latencies)


def measure(port: int, path: str, clients: int, seconds: float) -> dict[str, float]:
    processes = 2
    queue: Any = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_client, args=(port, path, p, clients // processes, seconds, queue))
        for p in range(processes)
    ]
    for p in procs:
        p.start()
    latencies = [x for _ in procs for x in queue.get()]
    for p in procs:
        p.join()
    latencies.sort()
    return {
        "requests": len(latencies),
        "per_s": len(latencies) / seconds,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


def run(seconds: float = 10.0, clients: int = 32) -> dict[str, Any]:
    """Measure the no-op and the webhook endpoints; returns (and writes) the results."""
    redis = RedisServer().start()
    port = free_port()
    env = {**os.environ, "WOO3D_REDIS_URL": f"{redis.url}/0", "WC_WEBHOOK_SECRET": RIG_SECRET,
           "WOO3D_LOG_FORMAT": "json", "WOO3D_LOG_LEVEL": "warning"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "woo3d.wsgi:app"],
        env=env, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(port)
        baseline = measure(port, "/healthz", clients, seconds)
        ingest = measure(port, "/webhooks/woocommerce", clients, seconds)
    finally:
        server.terminate()
        server.wait(10)
        redis.cleanup()

    result = {
        "benchmark": "ingest",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "clients": clients,
        "seconds": seconds,
        "payload_bytes": len(json.dumps(_payload(1))),
        "baseline_noop": baseline,
        "webhook": ingest,
        "ratio_to_noop": ingest["per_s"] / baseline["per_s"],
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "ingest.json").write_text(json.dumps(result, indent=2))
    print(f"{'endpoint':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, row in (("no-op /healthz", baseline), ("webhook (signed 20 KB)", ingest)):
        print(f"{name:<24}{row['per_s']:>10.0f}{row['p50_ms']:>10.1f}{row['p99_ms']:>10.1f}")
    print(f"ratio webhook / no-op: {result['ratio_to_noop']:.2f}   (aim ≥ 0.5, p99 ≤ 50 ms)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    run(args.seconds, args.clients)


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not come up")


if __name__ == "__main__":
    main()
