"""Run every benchmark, write benchmarks/results.json and rewrite the results table in benchmarks/README.md.

    python -m benchmarks.run_all

Sized to finish in under ten minutes on two cores: ingest 5 s per endpoint × 5 endpoints × 3 (wrk), pipeline 3 repeats,
backfill 10,000 products × 3, end to end 60 deliveries through 1, 2 and 4 workers.
"""

from __future__ import annotations

import json
import os
import platform
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from benchmarks import backfill, end_to_end, ingest, pipeline

HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memory_gib = psutil.virtual_memory().total / 2**30
    return f"{cpu or platform.machine()}, {os.cpu_count()} cores, {memory_gib:.0f} GiB, Python {platform.python_version()}"


def table(results: dict[str, Any]) -> str:
    """The Markdown table of the headline numbers (medians; ratios against a baseline of the same run)."""
    rows = ["| benchmark | measured | baseline / ratio |", "| --- | --- | --- |"]
    i = results["ingest"]
    rows.append(f"| ingest: signed 20 KB deliveries, gunicorn, {i['clients']} wrk connections | "
                f"{i['webhook']['per_s']:.0f}/s, p50 {i['webhook']['p50_ms']:.1f} ms, p99 {i['webhook']['p99_ms']:.1f} ms | "
                f"no-op /healthz {i['baseline_noop']['per_s']:.0f}/s; ratio {i['ratio_to_noop']:.2f} |")
    rows.append(f"| ingest floor: a route that only reads the same 20 KB body and answers | "
                f"{i['body_only']['per_s']:.0f}/s, p50 {i['body_only']['p50_ms']:.1f} ms, p99 {i['body_only']['p99_ms']:.1f} ms | "
                f"ratio {i['body_only_ratio_to_noop']:.2f}; the webhook {i['ratio_to_body_only']:.2f} of it |")
    rows.append(f"| ingest ceiling: a route that checks the signature and stores the body with one SET | "
                f"{i['store_only']['per_s']:.0f}/s, p50 {i['store_only']['p50_ms']:.1f} ms, p99 {i['store_only']['p99_ms']:.1f} ms | "
                f"ratio {i['store_only_ratio_to_noop']:.2f} |")
    rows.append(f"| ingest, stored only (a topic that queues no job) | {i['webhook_stored_only']['per_s']:.0f}/s, p50 "
                f"{i['webhook_stored_only']['p50_ms']:.1f} ms, p99 {i['webhook_stored_only']['p99_ms']:.1f} ms | "
                f"ratio {i['stored_only_ratio_to_noop']:.2f} |")
    for name, label in (("generate", "generate: 1024 px photo → GLB+USDZ+poster"),
                        ("stage2", "Stage 2: 150k faces, 4096 px texture")):
        p = results["pipeline"][name]
        rows.append(f"| {label} | {p['seconds']:.2f} s, peak {p['peak_rss_mb']:.0f} MB | trimesh load+GLB export "
                    f"{p['trimesh_load_export_glb']['seconds']:.2f} s; ratio {p['ratio_seconds']}× time, "
                    f"{p['ratio_peak_rss']}× memory |")
    b = results["backfill"]
    rows.append(f"| backfill: {b['products']:,} products, first run | {b['first_run_s']:.1f} s "
                f"({b['first_run_products_per_s']:,} products/s enqueued) | {b['paid_calls']} paid calls |")
    rows.append(f"| backfill: second run | {b['second_run_s']:.1f} s, {b['second_run_enqueued']} enqueued | "
                f"ratio to the first run {b['ratio_second_to_first']} |")
    e = results["end_to_end"]
    for row in e["rounds"]:
        rows.append(f"| end to end: {e['deliveries']} deliveries, {row['workers']} worker(s), Tripo "
                    f"{e['simulated_tripo_s']:.0f} s × {e['scale']} | {row['jobs_per_minute']:.0f} jobs/min "
                    f"({row['seconds']:.0f} s); peak RSS {row['peak_rss_mb'].get('worker', 0):.0f} MB worker, "
                    f"{row['peak_rss_mb'].get('job', 0):.0f} MB job | {row['speedup_vs_1']}× one worker "
                    f"(efficiency {row['scaling_efficiency']}) |")
    return "\n".join(rows)


def main() -> None:
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine(), "date": datetime.now(UTC).isoformat(timespec="seconds")}
    results["ingest"] = ingest.run(seconds=5.0, clients=32, repeats=3, pool_size=20_000)
    results["pipeline"] = pipeline.run(repeats=3)
    results["backfill"] = backfill.run(products=10_000, repeats=3)
    results["end_to_end"] = end_to_end.run(deliveries=60, workers=(1, 2, 4), scale=0.01)
    results["total_s"] = round(time.perf_counter() - started, 1)
    (HERE / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    readme = HERE / "README.md"
    block = (f"{BEGIN}\nOn {results['machine']}, {results['date']} (`python -m benchmarks.run_all`, "
             f"{results['total_s']:.0f} s in all):\n\n{table(results)}\n{END}")
    text = readme.read_text()
    readme.write_text(re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: block, text, flags=re.S))
    print(block)


if __name__ == "__main__":
    main()
