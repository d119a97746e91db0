"""The Redis semaphore caps concurrent holders across threads and processes, and frees dead holders' slots."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
from redis import Redis

from pipeline.generators.semaphore import RedisSemaphore, SemaphoreTimeout, semaphore_name


def _worker(url: str, name: str, limit: int, barrier_path: str, results: multiprocessing.Queue) -> None:
    connection = Redis.from_url(url)
    semaphore = RedisSemaphore(connection, name, limit)
    peak = 0
    for _ in range(5):
        with semaphore.hold(timeout_s=20):
            holders = int(connection.incr(barrier_path))
            peak = max(peak, holders)
            time.sleep(0.02)
            connection.decr(barrier_path)
    results.put(peak)


def test_the_cap_holds_with_several_worker_processes_at_once(redis_url: str, redis_conn: Redis) -> None:
    """Six processes, five rounds each, limit 2: never more than two inside at once."""
    name = semaphore_name("tripo", "tsk_key")
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    workers = [context.Process(target=_worker, args=(redis_url, name, 2, "woo3d:test:inside", results))
               for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    peaks = [results.get(timeout=5) for _ in workers]
    assert max(peaks) <= 2 and all(w.exitcode == 0 for w in workers)
    assert RedisSemaphore(redis_conn, name, 2).holders() == 0


def test_the_cap_holds_with_threads_and_the_default_limit_is_ten(redis_conn: Redis) -> None:
    semaphore = RedisSemaphore(redis_conn, "woo3d:semaphore:test")
    assert semaphore.limit == 10
    tokens = [semaphore.try_acquire() for _ in range(12)]
    assert sum(t is not None for t in tokens) == 10
    inside, peak, lock = 0, 0, threading.Lock()

    def run() -> None:
        nonlocal inside, peak
        with RedisSemaphore(redis_conn, "woo3d:semaphore:threads", 3).hold(timeout_s=20):
            with lock:
                inside += 1
                peak = max(peak, inside)
            time.sleep(0.01)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=run) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak <= 3


def test_a_dead_holders_slot_is_freed_when_its_lease_expires(redis_conn: Redis) -> None:
    semaphore = RedisSemaphore(redis_conn, "woo3d:semaphore:lease", 1, lease_s=0.2)
    held = semaphore.try_acquire()
    assert held is not None and semaphore.try_acquire() is None
    time.sleep(0.3)  # the holder "crashed" without releasing
    assert semaphore.refresh(held) is False
    assert semaphore.try_acquire() is not None


def test_acquire_gives_up_after_its_timeout_with_a_retryable_error(redis_conn: Redis) -> None:
    sleeps: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    semaphore = RedisSemaphore(redis_conn, "woo3d:semaphore:busy", 1, sleep=sleep, clock=lambda: now[0])
    assert semaphore.try_acquire() is not None
    with pytest.raises(SemaphoreTimeout):
        semaphore.acquire(timeout_s=2.0, poll_s=0.5)
    assert sum(sleeps) == pytest.approx(2.0)


def test_semaphore_names_hash_the_api_key_and_limits_must_be_positive(redis_conn: Redis) -> None:
    assert "tsk_secret" not in semaphore_name("tripo", "tsk_secret")
    assert semaphore_name("tripo", "a") != semaphore_name("tripo", "b")
    with pytest.raises(ValueError):
        RedisSemaphore(redis_conn, "x", 0)
