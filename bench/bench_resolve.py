"""Issue 5 throughput: shipments resolved and classified by 2 worker processes, sandbox provider.

From "queued" (every shipment due, as an import leaves them) to "all classified", next to a
bare RQ no-op job run through the same workers, queues and Redis in the same run.
Run: .venv/bin/python -m bench.bench_resolve [--quick]   (BENCH_DATABASE_URL: PostgreSQL)
"""

import os
import sys
import time

from bench.datasets import merchant, seed_due
from bench.report import table
from bench.workers import instance, run_workers

WORKERS = 2
TARGET_SECONDS = 60  # for 100,000 shipments


def main(quick: bool = False) -> dict:
    """17TRACK's batch size, then the default (the sandbox's largest), each beside a no-op."""
    count = 10_000 if quick else 100_000
    url = os.environ.get("BENCH_DATABASE_URL")
    figures = {"engine": "postgresql" if url else "sqlite", "shipments": count, "workers": WORKERS}
    figures["target (s)"] = TARGET_SECONDS * count // 100_000
    figures["batch 40 (17TRACK's and AfterShip's limit)"] = measure(count, url, 40)
    figures["batch 500 (default: the sandbox's limit)"] = measure(count, url, 500)
    return figures


def measure(count: int, url: str | None, batch: int) -> dict:
    """One no-op run and one resolve run on a fresh instance; the figures of both."""
    with instance(url, SANDBOX_CLOCK_SPEED=1e9, RESOLVE_BATCH_SIZE=batch) as (settings, env):
        jobs = -(-count // batch)
        noop_seconds = _noop_run(env, jobs, batch, settings)
        queued, resolve_seconds = _resolve_run(env, count, settings)
        stored = _check_and_count(count)
    total = queued + resolve_seconds
    per_job = resolve_seconds * WORKERS / jobs
    noop_per_job = noop_seconds * WORKERS / jobs
    return {
        "jobs": jobs,
        "queued → all classified (s)": round(total, 1),
        "of which enqueue (s)": round(queued, 2),
        "shipments/s": round(count / total),
        "resolve job, worker time (ms)": round(per_job * 1000, 1),
        "baseline: RQ no-op job, worker time (ms)": round(noop_per_job * 1000, 1),
        "per shipment beyond the no-op (ms)": round((per_job - noop_per_job) / batch * 1000, 2),
        **stored,
    }


def _noop_run(env, jobs, batch, settings) -> float:
    from jobs.queues import queue, redis_connection

    resolve = queue("resolve", redis_connection(settings))
    ids = list(range(batch))
    for _ in range(jobs):
        resolve.enqueue("bench.noop.noop", ids, result_ttl=3600, job_timeout=600)
    return run_workers(env, WORKERS, settings["PARCELDESK_HOME"])


def _resolve_run(env, count, settings):
    from jobs.schedule import enqueue_due

    seed_due(merchant(), count)
    started = time.perf_counter()
    while enqueue_due():  # each call leases and enqueues up to SWEEP_LIMIT shipments
        pass
    queued = time.perf_counter() - started
    return queued, run_workers(env, WORKERS, settings["PARCELDESK_HOME"])


def _check_and_count(count) -> dict:
    from jobs.store.models import Shipment, StatusChange, TrackingEvent

    unchecked = Shipment.select().where(Shipment.checked_at.is_null()).count()
    if unchecked:
        raise RuntimeError(f"{unchecked} of {count} shipments were not classified")
    return {
        "events stored": TrackingEvent.select().count(),
        "status changes": StatusChange.select().count(),
    }


if __name__ == "__main__":
    print(table(main(quick="--quick" in sys.argv)))
