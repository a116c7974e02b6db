"""Nothing is lost: leases, the sweep, re-runs and flushed Redis all converge on the database."""

import logging
from datetime import datetime, timedelta

import pytest
from redis import Redis

from bench.datasets import merchant, seed_due
from jobs.cron import QuietRoutineJobs, build_scheduler
from jobs.queues import QUEUE_NAMES, queue
from jobs.resolve import resolve_batch
from jobs.schedule import next_check_at
from jobs.store.models import Shipment, StatusChange, TrackingEvent, utcnow
from jobs.sweep import sweep
from jobs.tracking.classify import REASONS
from tests.conftest import run_jobs
from tests.test_thin_path import upload_csv


def queued_jobs(app):
    connection = Redis.from_url(app.config["REDIS_URL"])
    return sum(len(queue(name, connection)) for name in QUEUE_NAMES)


def test_terminal_statuses_are_not_polled_again():
    now = utcnow()
    settings = {"TRACKING_PROVIDER": "17track"}
    assert next_check_at("delivered", "signed", now, settings) is None
    assert next_check_at("expired", "no_updates", now, settings) is None
    assert next_check_at("returned", "returned_to_sender", now, settings) is None
    assert next_check_at("returned", "returning", now, settings) > now
    assert next_check_at("in_transit", "in_transit", now, settings) == now + timedelta(hours=6)


# The schedule as README.md ("Refresh schedule") and shared/statuses.md promise it to merchants:
# in transit and returning every 6 h; pick up, undelivered and alert every 3 h; not found every
# 12 h; delivered, expired and returned to sender never.
DOCUMENTED_HOURS = {"in_transit": 6, "returned": 6, "pick_up": 3, "undelivered": 3, "alert": 3,
                    "not_found": 12}  # fmt: skip
NEVER_POLLED = {"delivered", "expired", "returned/returned_to_sender"}
NOW = datetime(2026, 11, 20, 12, 0)


@pytest.mark.parametrize(
    ("status", "reason"), [(s, r) for s, reasons in REASONS.items() for r in reasons]
)
def test_every_status_and_reason_follows_the_documented_cadence(status, reason):
    due = next_check_at(status, reason, NOW, {"TRACKING_PROVIDER": "aftership"})
    if status in NEVER_POLLED or f"{status}/{reason}" in NEVER_POLLED:
        assert due is None
    else:
        assert due == NOW + timedelta(hours=DOCUMENTED_HOURS[status])


def test_the_merchants_provider_decides_the_sandbox_speed_up():
    from jobs.merchant_provider import ProviderChoice

    now = utcnow()
    settings = {"TRACKING_PROVIDER": "sandbox", "SANDBOX_CLOCK_SPEED": 60.0}
    real = ProviderChoice("17track", "key").settings(settings)
    assert next_check_at("alert", "lost", now, real) == now + timedelta(hours=3)


def test_sandbox_clock_speed_shortens_the_cadence():
    now = utcnow()
    fast = next_check_at(
        "in_transit",
        "in_transit",
        now,
        {"TRACKING_PROVIDER": "sandbox", "SANDBOX_CLOCK_SPEED": 60.0},
    )
    assert fast == now + timedelta(minutes=6)


def test_a_flushed_redis_loses_nothing(app, merchant_client):
    upload_csv(merchant_client)
    Redis.from_url(app.config["REDIS_URL"]).flushdb()  # the import job is gone
    Shipment.update(claimed_until=None).execute()
    from jobs.store.models import Upload

    Upload.update(created_at=utcnow() - timedelta(hours=1)).execute()
    assert sweep()["imports_revived"] == 1
    run_jobs(app)
    assert Shipment.select().where(Shipment.checked_at.is_null()).count() == 0
    assert Shipment.select().count() == 3


def test_expired_leases_are_swept_again_and_live_ones_are_not(app, merchant_client):
    upload_csv(merchant_client)
    run_jobs(app)
    now = utcnow()
    Shipment.update(next_check_at=now - timedelta(minutes=1), claimed_until=None).execute()
    Redis.from_url(app.config["REDIS_URL"]).flushdb()
    assert sweep()["enqueued"] == 3
    assert sweep()["enqueued"] == 0  # leased: a second sweep does not enqueue them twice
    Redis.from_url(app.config["REDIS_URL"]).flushdb()  # the worker died with the jobs
    Shipment.update(claimed_until=now - timedelta(seconds=1)).execute()
    assert sweep()["enqueued"] == 3
    run_jobs(app)
    assert queued_jobs(app) == 0


def test_running_a_resolve_job_twice_converges(app, merchant_client):
    upload_csv(merchant_client)
    run_jobs(app)
    ids = [s.id for s in Shipment.select()]
    events = TrackingEvent.select().count()
    changes = StatusChange.select().count()
    Shipment.update(next_check_at=utcnow() - timedelta(seconds=1)).execute()
    resolve_batch(ids)
    resolve_batch(ids)  # not due any more: skipped
    assert TrackingEvent.select().count() == events
    assert StatusChange.select().count() == changes
    assert events > 0


class Collected(logging.Handler):
    """Keeps every record it is handed."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def job_lines(records) -> list[str]:
    """The lines about jobs (not the worker starting, listening, cleaning up and stopping)."""
    about_jobs = ("Job OK", "Successfully completed", "result is kept", ": jobs.", "Sweep:")
    return [r.getMessage() for r in records if any(m in r.getMessage() for m in about_jobs)]


@pytest.fixture
def worker_lines():
    """What a `parceldesk worker` prints at INFO: RQ's lines (quiet filter on) and the jobs'."""
    collected, quiet = Collected(), QuietRoutineJobs()
    loggers = [logging.getLogger("rq.worker"), logging.getLogger("jobs")]
    levels = [logger.level for logger in loggers]
    loggers[0].addFilter(quiet)
    for logger in loggers:
        logger.addHandler(collected)
        logger.setLevel(logging.INFO)
    yield collected.records
    loggers[0].removeFilter(quiet)
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(collected)
        logger.setLevel(level)


def test_the_sweep_is_silent_when_nothing_is_due_and_says_one_line_when_it_enqueues(
    app, worker_lines
):
    connection = Redis.from_url(app.config["REDIS_URL"])
    assert [job.func.__name__ for job in build_scheduler(connection, app.config).enqueue_jobs()]
    run_jobs(app)  # the sweep ran and found nothing
    assert job_lines(worker_lines) == []  # only the worker starting and stopping
    seed_due(merchant(), 3)
    build_scheduler(connection, app.config).enqueue_jobs()  # a fresh scheduler: due at once
    run_jobs(app)
    sweep_lines = [r.getMessage() for r in worker_lines if r.name.startswith("jobs")]
    assert sweep_lines == ["Sweep: 3 shipments due enqueued, 0 stuck imports re-queued"]
    assert not [line for line in job_lines(worker_lines) if "sweep" in line]
    assert any("resolve_batch" in line for line in job_lines(worker_lines))  # others still log
