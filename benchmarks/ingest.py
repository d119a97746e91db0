"""Ingest benchmark: signed 20 KB deliveries against gunicorn as deployed, versus its no-op route, load from wrk.

    python -m benchmarks.ingest [--seconds 10] [--clients 32] [--repeats 3]

Starts its own redis-server, gunicorn (deploy/gunicorn.conf.py) and a `woo3d worker` listening on an
idle queue, so its outbox forwarder runs on the same cores during the measurement (turning accepted
deliveries into RQ jobs, as in production) but no job runs. Per repeat it runs `wrk` on the no-op
endpoint (`/healthz`), on two reference routes of benchmarks/ingest_app.py (one only reads the
same deliveries' bodies and answers: the floor of taking a 20 KB POST on this server; one also
checks the signature and stores the body with one SET: the ceiling of any receiver that stores
before it answers), on the webhook endpoint (every delivery queues a job), and on the webhook
endpoint with a topic that is stored but queues nothing, with the same connections; after the
webhook run it waits for the outbox to empty and checks every delivery's job reached the queue.
Prints the medians of deliveries/s, p50/p99, the ratios, and each process's CPU per request
(gunicorn, redis-server, the forwarder, wrk); writes benchmarks/out/ingest.json. wrk (the
Debian package `wrk`) is a C load generator: unlike Python clients it leaves the server's CPU to
the server. LuaJIT has no HMAC, so every delivery (a distinct product, a distinct delivery id) is
signed here beforehand and replayed from a pool file by benchmarks/ingest.lua.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from redis import Redis

from benchmarks.cpu import tree_cpu_seconds
from benchmarks.ingest_app import BODY_ONLY_PATH, STORE_ONLY_PATH
from pipeline.metrics import OUTBOX_KEY
from tests.recorded import RIG_SECRET, recorded_payload
from tests.redis_server import RedisServer, free_port
from webhooks.signature import sign

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
WRK_SCRIPT = HERE / "ingest.lua"
WRK_THREADS = 2
PAYLOAD_BYTES = 20_000
ID_PLACEHOLDER = 987_654_321  # replaced by each delivery's product id (same width: every body is 20 KB)
# The same deliveries under a topic the receiver does not handle: verified, parsed and stored in its
# one Redis round trip, but no job enqueued. The gap to the full webhook is the enqueue's cost.
STORED_ONLY_TOPIC = "product.ignored"
IDLE_QUEUE = "ingest-benchmark-idle"  # the forwarding worker listens here: the generation jobs wait, unrun
_ENDPOINTS = {  # result key → how the printed table names it
    "baseline_noop": "no-op /healthz",
    "body_only": "body only (read, answer)",
    "store_only": "verify + one SET (ceiling)",
    "webhook": "webhook (signed 20 KB)",
    "webhook_stored_only": "  stored only, no job",
}
_RATIO_NAMES = {"body_only": "body_only_ratio_to_noop", "store_only": "store_only_ratio_to_noop",
                "webhook": "ratio_to_noop", "webhook_stored_only": "stored_only_ratio_to_noop"}


def payload_template() -> bytes:
    """A recorded product.created payload, its description padded so the body is PAYLOAD_BYTES long."""
    payload = {**recorded_payload("product_created__publish_with_media_ids"), "id": ID_PLACEHOLDER}
    padding = PAYLOAD_BYTES - len(json.dumps({**payload, "description": "<p></p>"}))
    payload["description"] = "<p>" + ("A glossy red ceramic mug. " * 800)[:padding] + "</p>"
    return json.dumps(payload).encode()


def write_pool(prefix: Path, deliveries: int) -> None:
    """`deliveries` distinct signed deliveries (distinct products: none is a duplicate), split into one
    file per wrk thread."""
    template, placeholder = payload_template(), str(ID_PLACEHOLDER).encode()
    per_thread = deliveries // WRK_THREADS
    for thread in range(WRK_THREADS):
        with open(f"{prefix}.{thread}", "wb") as pool:
            for n in range(per_thread):
                product_id = 100_000_000 + thread * per_thread + n
                body = template.replace(placeholder, str(product_id).encode())
                pool.write(f"{product_id:032x} {sign(RIG_SECRET, body)} {len(body)}\n".encode() + body)


def wrk(url: str, pool: Path | None, clients: int, seconds: float, result: Path, servers: dict[str, int],
        topic: str = "product.created") -> dict[str, Any]:
    """One wrk run; its JSON summary (requests, p50/p99 in ms, non-2xx answers, pool wraps) with per_s
    added, and `cpu_ms_per_request`: the CPU each of `servers` (name → pid) and wrk itself spent per
    request during the run."""
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{clients}", f"-d{seconds:.0f}s", "--timeout", "10s",
               "-s", str(WRK_SCRIPT), url, "--", str(pool) if pool else "-", str(result), topic]
    before = {name: tree_cpu_seconds(pid) for name, pid in servers.items()}
    reaped_before = _reaped_children_cpu()  # wrk is the only child this process reaps meanwhile
    subprocess.run(command, check=True, capture_output=True, timeout=seconds + 60)
    spent = {name: tree_cpu_seconds(pid) - before[name] for name, pid in servers.items()}
    spent["wrk"] = _reaped_children_cpu() - reaped_before
    measured = json.loads(result.read_text())
    if measured["non_2xx"] or measured["socket_errors"]:
        raise RuntimeError(f"{url}: {measured['non_2xx']} non-2xx answers, {measured['socket_errors']} socket errors")
    requests = measured["requests"]
    cpu = {name: 1e3 * seconds_spent / requests for name, seconds_spent in spent.items()}
    return {**measured, "per_s": requests / measured["duration_s"], "cpu_ms_per_request": {**cpu, "total": sum(cpu.values())}}


def run(seconds: float = 10.0, clients: int = 32, repeats: int = 3, pool_size: int = 40_000) -> dict[str, Any]:
    """Measure the no-op and the webhook endpoints `repeats` times; returns (and writes) the medians."""
    if shutil.which("wrk") is None:
        raise SystemExit("the ingest benchmark needs wrk, a load generator outside Python: "
                         "apt-get install wrk (Debian package `wrk`)")
    workdir = Path(tempfile.mkdtemp(prefix="woo3d-ingest-"))
    write_pool(workdir / "pool", pool_size)
    redis = RedisServer().start()
    port = free_port()
    env = {**os.environ, "WOO3D_REDIS_URL": f"{redis.url}/0", "WC_WEBHOOK_SECRET": RIG_SECRET,
           "WOO3D_LOG_FORMAT": "json", "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics")}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "benchmarks.ingest_app:app"],
        cwd=HERE.parent, env=env, stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen([sys.executable, "-m", "woo3d", "worker", "--queues", IDLE_QUEUE],
                              cwd=HERE.parent, env=env, stderr=subprocess.DEVNULL)
    connection = Redis.from_url(f"{redis.url}/0")
    assert redis.process is not None
    servers = {"gunicorn": server.pid, "redis": redis.process.pid, "forwarder": worker.pid}
    rounds = []
    try:
        _wait_until_up(port)
        base = f"http://127.0.0.1:{port}"
        pool = workdir / "pool"
        for _ in range(repeats):
            connection.flushdb()  # every round meets new products
            measured = {
                "baseline_noop": wrk(f"{base}/healthz", None, clients, seconds, workdir / "noop.json", servers),
                "body_only": wrk(f"{base}{BODY_ONLY_PATH}", pool, clients, seconds, workdir / "body.json", servers),
                "store_only": wrk(f"{base}{STORE_ONLY_PATH}", pool, clients, seconds, workdir / "set.json", servers),
            }
            connection.flushdb()
            cpu_before = tree_cpu_seconds(worker.pid)
            webhook = wrk(f"{base}/webhooks/woocommerce", pool, clients, seconds, workdir / "webhook.json", servers)
            webhook["forwarding"] = _forwarded(connection, webhook["requests"], cpu_before, worker.pid)
            connection.flushdb()
            measured["webhook"] = webhook
            measured["webhook_stored_only"] = wrk(f"{base}/webhooks/woocommerce", pool, clients, seconds,
                                                  workdir / "stored.json", servers, topic=STORED_ONLY_TOPIC)
            noop = measured["baseline_noop"]["per_s"]
            rounds.append({**measured, **{ratio: measured[part]["per_s"] / noop for part, ratio in _RATIO_NAMES.items()},
                           "ratio_to_body_only": webhook["per_s"] / measured["body_only"]["per_s"]})
    finally:
        for process in (worker, server):
            process.terminate()
            process.wait(30)
        redis.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)

    def median(part: str, key: str) -> float:
        return statistics.median(r[part][key] for r in rounds)

    def cpu(part: str) -> dict[str, float]:
        return {name: statistics.median(r[part]["cpu_ms_per_request"][name] for r in rounds)
                for name in rounds[0][part]["cpu_ms_per_request"]}

    result: dict[str, Any] = {
        "benchmark": "ingest",
        "load": f"wrk, {WRK_THREADS} threads",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "clients": clients,
        "seconds": seconds,
        "repeats": repeats,
        "payload_bytes": len(payload_template()),
        **{part: {k: median(part, k) for k in ("per_s", "p50_ms", "p99_ms")} for part in _ENDPOINTS},
        **{ratio: statistics.median(r[ratio] for r in rounds) for ratio in (*_RATIO_NAMES.values(), "ratio_to_body_only")},
        "cpu_ms_per_request": {part: cpu(part) for part in _ENDPOINTS},
        "pool_wraps": max(r["webhook"]["pool_wraps"] for r in rounds),
        "forwarder_cpu_ms_per_delivery": statistics.median(r["webhook"]["forwarding"]["cpu_ms_per_delivery"]
                                                           for r in rounds),
        "outbox_drained_s_after_load": max(r["webhook"]["forwarding"]["drained_s_after_load"] for r in rounds),
        "rounds": rounds,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "ingest.json").write_text(json.dumps(result, indent=2))
    _print(result, [r["ratio_to_noop"] for r in rounds])
    if result["pool_wraps"]:
        print(f"note: wrk ran through the {pool_size} prepared deliveries; later ones repeat products (raise --pool)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pool", type=int, default=40_000, help="signed deliveries prepared for each round")
    args = parser.parse_args()
    run(args.seconds, args.clients, args.repeats, args.pool)


def _print(result: dict[str, Any], rounds: list[float]) -> None:
    cpu = result["cpu_ms_per_request"]
    names = list(cpu["webhook"])
    print(f"{'endpoint (median of ' + str(result['repeats']) + ')':<28}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}"
          f"   CPU ms per request: " + " ".join(f"{name:>9}" for name in names))
    for part, label in _ENDPOINTS.items():
        row = result[part]
        print(f"{label:<28}{row['per_s']:>8.0f}{row['p50_ms']:>8.1f}{row['p99_ms']:>8.1f}"
              f"{'':22}" + " ".join(f"{cpu[part][name]:>9.3f}" for name in names))
    print(f"ratio webhook / no-op: {result['ratio_to_noop']:.2f}  (rounds: {', '.join(f'{r:.2f}' for r in rounds)}; "
          f"aim ≥ 0.5, p99 ≤ 50 ms); stored only: {result['stored_only_ratio_to_noop']:.2f}")
    print(f"reading the body and answering alone: {result['body_only_ratio_to_noop']:.2f} of the no-op; "
          f"verifying and storing it with one SET: {result['store_only_ratio_to_noop']:.2f}; "
          f"the webhook: {result['ratio_to_body_only']:.2f} of the body-only route")
    print(f"forwarder (in `woo3d worker`, same cores, inside the measurement): "
          f"{result['forwarder_cpu_ms_per_delivery']:.3f} ms CPU per delivery; the outbox was empty "
          f"{result['outbox_drained_s_after_load']:.1f} s after the load stopped (at most)")


def _reaped_children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _forwarded(connection: Redis, requests: int, cpu_before: float, worker_pid: int) -> dict[str, float]:
    """Wait for the forwarder to empty the outbox; check every accepted delivery's job reached the queue.
    wrk's count includes requests still in flight when it stopped, so the queue may hold a few more."""
    stopped = time.monotonic()
    while connection.llen(OUTBOX_KEY) and time.monotonic() - stopped < 60:
        time.sleep(0.05)
    drained = time.monotonic() - stopped
    jobs = connection.llen("rq:queue:woo3d")
    if connection.llen(OUTBOX_KEY) or jobs < requests:
        raise RuntimeError(f"{requests} deliveries accepted, {jobs} jobs queued, {connection.llen(OUTBOX_KEY)} "
                           "still in the outbox a minute after the load stopped")
    cpu = tree_cpu_seconds(worker_pid) - cpu_before
    return {"jobs": jobs, "drained_s_after_load": drained, "cpu_ms_per_delivery": 1e3 * cpu / jobs}


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 30
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
