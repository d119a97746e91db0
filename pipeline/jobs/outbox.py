"""The outbox: generation jobs the receiver accepted, moved into RQ by a forwarder outside the request.

The receiver's one Redis script stores a delivery, writes its job's "queued" status and appends the
job to the outbox, so answering a delivery costs one round trip. A forwarder (a thread of every
`woo3d worker`; one at a time holds the lease) turns the oldest entries into RQ jobs in batches. An
entry leaves the outbox only in the transaction that enqueues its job, so a process dying anywhere
loses nothing, and a job id that is queued or running already is never enqueued a second time.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import structlog
from redis import Redis
from redis.exceptions import LockError, LockNotOwnedError, RedisError, WatchError
from redis.lock import Lock
from rq import Queue
from rq.job import Job

from pipeline.jobs.queueing import JOB_FUNCTION, SETTLED, discard_if_settled, job_options
from pipeline.jobs.status import STATUS_TTL_S, StatusBoard, queued_status
from pipeline.metrics import OUTBOX_KEY

log = structlog.get_logger(__name__)

# Under woo3d:lock:, like the product locks: a lease whose holder died ends with its TTL.
LEASE_KEY = "woo3d:lock:outbox-forwarder"
LEASE_S = 30
BATCH = 200  # entries per transaction
POLL_S = 0.1  # how often the lease holder looks for new entries while the outbox is empty
STANDBY_S = 2.0  # how often the other forwarders look whether the lease is free
# How long a burst worker waits for the lease while entries wait: a dead holder's lease ends within
# LEASE_S, and a live holder forwards everything within POLL_S.
DRAIN_PATIENCE_S = LEASE_S + 5.0
_SETTLED_STATES = frozenset(state.value for state in SETTLED)


@dataclass(frozen=True)
class Order:
    """One accepted delivery's generation job, as the outbox keeps it (JSON)."""

    product_id: int
    fingerprint: str | None
    job_id: str
    force: bool = False
    parent_id: int = 0
    delivery_id: str | None = None
    accepted_at: float = 0.0

    def to_json(self) -> str:
        return json.dumps(vars(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> Order:
        """Raises ValueError or TypeError for an entry that is not an order."""
        return cls(**json.loads(raw))


@dataclass(frozen=True)
class Drained:
    """What `Forwarder.drain` did: entries forwarded, and entries still waiting when it stopped."""

    forwarded: int
    left: int


@dataclass(frozen=True)
class Handoff:
    """What the receiver's script writes for a queued delivery (webhooks.deliveries): the outbox entry,
    and the job's "queued" status with the product's pointer to it unless the RQ job with that id is live
    (as `enqueue_generation` writes them only for a job it creates)."""

    entry: str
    job_id: str
    rq_job_key: str
    status_key: str
    pointer_key: str
    status_json: str
    outbox_key: str = OUTBOX_KEY
    status_ttl_s: int = STATUS_TTL_S
    settled_states: str = " ".join(sorted(_SETTLED_STATES))


def handoff(board: StatusBoard, order: Order) -> Handoff:
    """The writes that hand `order` to the forwarder, for the receiver's script."""
    return Handoff(
        entry=order.to_json(), job_id=order.job_id, rq_job_key=Job.key_for(order.job_id),
        status_key=board.job_key(order.job_id), pointer_key=board.product_key(order.product_id),
        status_json=json.dumps(queued_status(order.product_id, order.job_id).as_dict()),
    )


class Forwarder:
    """Moves outbox entries into RQ jobs on `queue`. Give it a connection of its own: it runs in a
    thread of a worker that forks work horses, which must never inherit a connection in use."""

    def __init__(self, connection: Redis, queue: Queue, *, batch: int = BATCH):
        self.connection = connection
        self.queue = queue
        self.batch = batch
        self.lease = connection.lock(LEASE_KEY, timeout=LEASE_S, thread_local=False)

    def forward_once(self) -> int:
        """Enqueue the jobs of up to `batch` of the oldest entries and remove those entries, in one
        transaction; returns how many entries it took (0 when none waits, or when another enqueuer
        created one of the jobs meanwhile: the next call sees it). Needs the lease: raises
        LockNotOwnedError without it, and redis errors as they come."""
        raw = self.connection.lrange(OUTBOX_KEY, 0, self.batch - 1)
        if not raw:
            return 0
        wanted = self._to_create(_readable(raw))
        keys = [Job.key_for(order.job_id) for order in wanted]
        with self.connection.pipeline() as pipe:
            try:
                pipe.watch(LEASE_KEY, *keys)
                if not self.lease.owned():
                    raise LockNotOwnedError("the outbox lease passed to another forwarder", lock_name=LEASE_KEY)
                if keys and pipe.exists(*keys):
                    return 0
                pipe.multi()
                if wanted:
                    self.queue.enqueue_many([
                        Queue.prepare_data(JOB_FUNCTION, job_id=order.job_id, **job_options(
                            order.product_id, order.fingerprint, order.force, order.parent_id))
                        for order in wanted
                    ], pipeline=pipe)
                pipe.ltrim(OUTBOX_KEY, len(raw), -1)
                pipe.execute()
            except WatchError:  # the lease changed hands, or one of the jobs appeared: nothing was written
                return 0
        if wanted:
            log.info("outbox_forwarded", entries=len(raw), jobs=len(wanted))
        return len(raw)

    def _to_create(self, orders: list[Order]) -> list[Order]:
        """The orders whose job id has no live RQ job (one per id); a settled job with the id is deleted
        first, so the product gets a new try, as with `enqueue_generation`."""
        with self.connection.pipeline(transaction=False) as pipe:
            for order in orders:
                pipe.hget(Job.key_for(order.job_id), "status")
            states = pipe.execute()
        wanted: dict[str, Order] = {}
        for order, state in zip(orders, states, strict=True):
            if state is not None and state.decode() in _SETTLED_STATES and discard_if_settled(self.queue, order.job_id):
                state = None
            if state is None:
                wanted.setdefault(order.job_id, order)
        return list(wanted.values())

    def drain(self, patience_s: float | None = None) -> Drained:
        """Forward everything waiting (what a burst worker does before it works the queue). A lease whose
        holder died stays taken until its TTL ends (LEASE_S at most), so while entries wait this waits
        for the lease, up to `patience_s`; a live holder forwards them meanwhile. Raises redis errors."""
        deadline = time.monotonic() + (DRAIN_PATIENCE_S if patience_s is None else patience_s)
        forwarded = 0
        while True:
            left = self.waiting()
            remaining = deadline - time.monotonic()
            if not left or remaining <= 0:
                return Drained(forwarded, left)
            if self.lease.acquire(blocking=True, blocking_timeout=min(remaining, 1.0)):
                try:
                    forwarded += self._forward_all()
                finally:
                    _release(self.lease)

    def waiting(self) -> int:
        """Entries in the outbox now."""
        return int(self.connection.llen(OUTBOX_KEY))

    def _forward_all(self) -> int:
        """With the lease: forward batches until the outbox is empty (or keeps conflicting)."""
        total, conflicts = 0, 0
        while conflicts < 10:
            taken = self.forward_once()
            total += taken
            if not taken:
                if not self.connection.llen(OUTBOX_KEY):
                    break
                conflicts += 1
        return total

    def run(self, stop: threading.Event) -> None:
        """Forward until `stop` is set, holding the lease or waiting while another forwarder holds it.
        Errors are logged and waited out, never raised: the worker around it keeps running."""
        holding = False
        while not stop.is_set():
            pause = STANDBY_S
            try:
                if holding:
                    self.lease.reacquire()
                else:
                    holding = bool(self.lease.acquire(blocking=False))
                if holding:
                    pause = 0 if self.forward_once() >= self.batch else POLL_S
            except LockError:  # the lease ran out (a long pause) and another forwarder holds it now
                holding = False
            except RedisError as error:
                log.warning("outbox_forwarder_waiting", error=str(error))
            except Exception:  # a bug must not end forwarding for good: logged, retried after a pause
                log.exception("outbox_forwarder_failed")
            stop.wait(pause)
        if holding:
            _release(self.lease)


def start_forwarder(forwarder: Forwarder) -> tuple[threading.Thread, threading.Event]:
    """Run `forwarder` in a daemon thread; set the event to stop it (it then hands back the lease)."""
    stop = threading.Event()
    thread = threading.Thread(target=forwarder.run, args=(stop,), name="woo3d-outbox-forwarder", daemon=True)
    thread.start()
    return thread, stop


def _readable(raw: list[bytes]) -> list[Order]:
    orders = []
    for entry in raw:
        try:
            orders.append(Order.from_json(entry))
        except (ValueError, TypeError) as error:  # names no job: it leaves with its batch, logged
            log.error("outbox_entry_unreadable", entry=entry[:200].decode("utf-8", "replace"), error=str(error))
    return orders


def _release(lease: Lock) -> None:
    try:
        lease.release()
    except (LockError, RedisError):
        pass  # expired or unreachable: its TTL ends it
