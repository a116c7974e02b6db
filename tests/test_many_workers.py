"""Four real `parceldesk worker --burst` processes on one Redis and one database: exactly once.

Every batch is enqueued twice, as happens when a lease expires while the first job still
waits in the queue, so concurrent duplicates race for the same shipments.
"""

import os
import subprocess
import sys
from datetime import UTC

import pytest
from peewee import fn
from redis import Redis

from bench.datasets import INITIAL, merchant, seed_due
from jobs.providers.base import Query
from jobs.providers.sandbox import SandboxProvider
from jobs.queues import enqueue_resolve
from jobs.resolve import _key
from jobs.schedule import LEASE
from jobs.store.models import Shipment, StatusChange, TrackingEvent, utcnow

WORKERS = 4
BATCH = 200
# SQLite has one writer at a time, so four workers mostly wait for each other there.
COUNT = {"postgresql": 100_000, "sqlite": 20_000}


@pytest.mark.slow
def test_four_workers_process_every_shipment_exactly_once(app, database_url, tmp_path):
    engine = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    count = seed_due(merchant(), COUNT[engine])
    ids = [row.id for row in Shipment.select(Shipment.id).order_by(Shipment.id)]
    connection = Redis.from_url(app.config["REDIS_URL"])
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        Shipment.update(claimed_until=utcnow() + LEASE).where(Shipment.id.in_(batch)).execute()
        for _ in range(2):
            enqueue_resolve(connection, batch, "sandbox")
    logs = [tmp_path / f"worker{n}.log" for n in range(WORKERS)]
    workers = [_start_worker(app, log) for log in logs]
    for worker, log in zip(workers, logs, strict=True):
        assert worker.wait(timeout=600) == 0, log.read_text()[-2000:]
    assert Shipment.select().where(Shipment.checked_at.is_null()).count() == 0
    _assert_one_change_each(count)
    assert TrackingEvent.select().count() == _expected_events(ids)


def _env(app) -> dict:
    return dict(
        os.environ,
        DATABASE_URL=app.config["DATABASE_URL"],
        REDIS_URL=app.config["REDIS_URL"],
        PARCELDESK_HOME=app.config["PARCELDESK_HOME"],
        SANDBOX_CLOCK_SPEED="1e9",
    )


def _start_worker(app, log):
    command = [sys.executable, "-m", "webapp.cli", "worker", "--burst"]
    with open(log, "wb") as stream:  # a file, not a pipe: a full pipe would block the worker
        return subprocess.Popen(command, env=_env(app), stdout=stream, stderr=subprocess.STDOUT)


def _assert_one_change_each(count):
    """A changed shipment has exactly one change, from the initial status; the others none."""
    changes = dict(
        StatusChange.select(StatusChange.shipment, fn.COUNT(StatusChange.id))
        .group_by(StatusChange.shipment)
        .tuples()
    )
    assert set(changes.values()) <= {1}
    assert StatusChange.select().where(StatusChange.old_status != INITIAL[0]).count() == 0
    unchanged = Shipment.select().where(
        (Shipment.status == INITIAL[0]) & (Shipment.reason == INITIAL[1])
    )
    assert len(changes) == count - unchanged.count()
    assert not set(changes) & {s.id for s in unchanged}


def _expected_events(ids):
    """How many distinct events the sandbox shows these shipments once histories are complete.

    At clock speed 1e9 a whole journey fits in one second, and events are stored to the
    second, so repeated texts of one history collapse into one stored event.
    """
    provider = SandboxProvider(clock_speed=1e9)
    rows = Shipment.select(Shipment.tracking_number, Shipment.created_at).tuples()
    queries = [Query(n, None, created.replace(tzinfo=UTC)) for n, created in rows]
    total = 0
    for start in range(0, len(queries), provider.max_batch):
        results = provider.fetch(queries[start : start + provider.max_batch])
        total += sum(len({_key(e) for e in r.events}) for r in results.values())
    return total


def test_a_worker_pool_drains_the_queues(app, tmp_path):
    seed_due(merchant(), 120)
    from jobs.schedule import enqueue_due

    assert enqueue_due() == 120
    log = tmp_path / "pool.log"
    with open(log, "wb") as stream:
        pool = subprocess.Popen(
            [sys.executable, "-m", "webapp.cli", "worker", "--pool", "2", "--burst"],
            env=_env(app),
            stdout=stream,
            stderr=subprocess.STDOUT,
        )
    assert pool.wait(timeout=120) == 0, log.read_text()[-2000:]
    assert Shipment.select().where(Shipment.checked_at.is_null()).count() == 0
    assert "Starting worker pool" in log.read_text()
