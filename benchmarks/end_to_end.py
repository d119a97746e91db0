"""End-to-end benchmark: 200 deliveries through 1, 2 and 4 real worker processes with a simulated 30 s Tripo.

    python -m benchmarks.end_to_end [--deliveries 200] [--workers 1 2 4] [--scale 0.01]

Per worker count: a fresh local store with the products, the receiver, a fresh Redis database;
the deliveries go in first (timed apart), then `woo3d worker --burst` processes run the jobs.
The generator is Tripo's latency (30 s × scale of waiting, no CPU) returning a textured box;
everything else is real: product fetch, photo download, Stage 2 (GLB, USDZ, poster), uploads and
the meta PUT. Reports jobs/minute, its scaling against one worker, and peak RSS per worker and
per job process; writes benchmarks/out/end_to_end.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
import requests
from redis import Redis

from tests.fake_store import FakeStore
from tests.recorded import signed_delivery
from tests.redis_server import RedisServer
from woo3d.logs import configure_logging

OUT = Path(__file__).resolve().parent / "out"
TRIPO_LATENCY_S = 30.0
PHOTO = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "photos" / "ruby_mug.jpg"


class SimulatedTripo:
    """Stage 1 as the job sees it: a wait as long as a Tripo task (scaled), then a textured model."""

    name = "tripo"

    def __init__(self, latency_s: float) -> None:
        from pipeline.stage2.mesh_io import load_mesh
        from tests.pipeline.servers.meshes import textured_box_glb

        self.latency_s = latency_s
        self.mesh = load_mesh(textured_box_glb(), "glb")

    def generate(self, product: Any, progress: Any = None) -> Any:
        from pipeline.backends import GeneratedMesh

        time.sleep(self.latency_s)
        return GeneratedMesh(self.mesh.copy(), "tripo")


def _worker(latency_s: float) -> None:
    """`woo3d worker --burst`, its generator swapped for the simulated Tripo (forked job processes inherit it)."""
    import pipeline.generators.hybrid
    from woo3d.cli import main

    simulated = SimulatedTripo(latency_s)
    pipeline.generators.hybrid.backend_for = lambda name, config, connection=None: simulated  # type: ignore[assignment]
    main(["worker", "--burst"])


def _peaks(processes: list[subprocess.Popen[bytes]], stop: threading.Event, into: dict[str, float]) -> None:
    """Sample RSS of each worker and of the job processes it forks, keeping the peaks (MB)."""
    while not stop.wait(0.1):
        for process in processes:
            try:
                parent = psutil.Process(process.pid)
                into["worker"] = max(into.get("worker", 0.0), parent.memory_info().rss / 2**20)
                for child in parent.children(recursive=True):
                    into["job"] = max(into.get("job", 0.0), child.memory_info().rss / 2**20)
            except psutil.Error:
                continue


def _round(redis_url: str, workers: int, deliveries: int, latency_s: float) -> dict[str, Any]:
    from tests.reliability.rig import SECRET, serve_receiver  # the receiver, as the reliability suite serves it

    connection = Redis.from_url(redis_url)
    connection.flushdb()
    with FakeStore() as store, tempfile.TemporaryDirectory() as tmp:
        photo = store.add_image("mug.jpg", PHOTO.read_bytes())
        products = [store.product(i) for i in store.seed_products(deliveries, images=[photo])]
        with serve_receiver(connection, store.store_config(), Path(tmp)) as receiver:
            started = time.perf_counter()
            for product in products:
                headers, body = signed_delivery(product, delivery_id=uuid.uuid4().hex, secret=SECRET)
                sent = {k: v for k, v in headers if k.lower() not in {"host", "content-length", "connection"}}
                assert requests.post(receiver.webhook_url, data=body, headers=sent, timeout=10).status_code == 202
            ingest_s = time.perf_counter() - started

            env = {**os.environ, "WOO3D_REDIS_URL": redis_url, "WC_STORE_URL": store.url,
                   "WC_CONSUMER_KEY": store.consumer_key, "WC_CONSUMER_SECRET": store.consumer_secret,
                   "WP_USERNAME": store.username, "WP_APPLICATION_PASSWORD": store.application_password,
                   "WOO3D_OUTPUT_DIR": f"{tmp}/out", "WOO3D_CACHE_DIR": f"{tmp}/cache", "WOO3D_SWEEP_MINUTES": "0",
                   "WOO3D_FACE_BUDGET": "8000", "WOO3D_MAX_TEXTURE_SIZE": "512", "WOO3D_LOG_FORMAT": "json"}
            command = [sys.executable, "-m", "benchmarks.end_to_end", "--as-worker", str(latency_s)]
            peaks: dict[str, float] = {}
            stop = threading.Event()
            started = time.perf_counter()
            processes = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                         for _ in range(workers)]
            sampler = threading.Thread(target=_peaks, args=(processes, stop, peaks), daemon=True)
            sampler.start()
            for process in processes:
                process.wait(600)
            seconds = time.perf_counter() - started
            stop.set()
            sampler.join()
            done = sum(1 for p in products if store.meta_rows(int(p["id"]), "_woo3d_model"))
    connection.close()
    return {"workers": workers, "jobs": done, "seconds": round(seconds, 2),
            "jobs_per_minute": round(60 * done / seconds, 1), "ingest_s": round(ingest_s, 2),
            "peak_rss_mb": {k: round(v, 1) for k, v in peaks.items()}}


def run(deliveries: int = 200, workers: tuple[int, ...] = (1, 2, 4), scale: float = 0.01) -> dict[str, Any]:
    """Measure every worker count; returns (and writes) the results."""
    latency_s = TRIPO_LATENCY_S * scale
    configure_logging("json", logging.WARNING)  # the receiver runs in this process: keep its lines out of the table
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    redis = RedisServer().start()
    try:
        rounds = [_round(f"{redis.url}/0", n, deliveries, latency_s) for n in workers]
    finally:
        redis.cleanup()
    base = rounds[0]["jobs_per_minute"] / rounds[0]["workers"]
    for row in rounds:
        row["speedup_vs_1"] = round(row["jobs_per_minute"] / rounds[0]["jobs_per_minute"], 2)
        row["scaling_efficiency"] = round(row["jobs_per_minute"] / (base * row["workers"]), 2)
    result = {
        "benchmark": "end_to_end",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "deliveries": deliveries, "simulated_tripo_s": TRIPO_LATENCY_S, "scale": scale,
        "simulated_wait_per_job_s": latency_s,
        "ideal_jobs_per_minute_per_worker": round(60 / latency_s, 1),
        "rounds": rounds,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "end_to_end.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'workers':>8}{'jobs':>6}{'seconds':>9}{'jobs/min':>10}{'speedup':>9}{'worker MB':>11}{'job MB':>8}")
    for row in rounds:
        print(f"{row['workers']:>8}{row['jobs']:>6}{row['seconds']:>9.1f}{row['jobs_per_minute']:>10.1f}"
              f"{row['speedup_vs_1']:>9.2f}{row['peak_rss_mb'].get('worker', 0):>11.0f}{row['peak_rss_mb'].get('job', 0):>8.0f}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--scale", type=float, default=0.01, help="Tripo's 30 s are this fraction of it")
    parser.add_argument("--as-worker", type=float, metavar="LATENCY_S", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.as_worker is not None:
        _worker(args.as_worker)
        return
    run(args.deliveries, tuple(args.workers), args.scale)


if __name__ == "__main__":
    main()
