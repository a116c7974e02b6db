"""Process-wide settings and database for job code, which runs outside any Flask app."""

import gc
import importlib

from rq import Worker

from config import settings as settings_module
from jobs.store.database import open_database, release_connections
from jobs.store.models import db

JOB_MODULES = ("jobs.imports", "jobs.resolve", "jobs.schedule", "jobs.sweep")


def configure(settings: dict):
    """Adopt `settings` as this process's one settings object (the app passes `app.config`)."""
    settings_module.use(settings)


def setup() -> dict:
    """Settings for a job; opens the database from them if this process has none yet."""
    settings = settings_module.active()
    if db.obj is None:
        open_database(
            settings["DATABASE_URL"],
            settings.get("DB_POOL_SIZE", 10),
            settings.get("DB_STALE_TIMEOUT", 300),
        )
        from jobs.store.migrations import ensure_current

        ensure_current(settings.get("AUTO_MIGRATE", True))
    return settings


def preload():
    """Import and warm the job code in the worker, so each job's forked work horse starts ready.

    Without this every job pays for importing the pipeline and compiling the phrase tables.
    """
    from datetime import UTC, datetime

    from jobs.providers import get_provider
    from jobs.tracking.carriers import detect
    from jobs.tracking.classify import classify
    from jobs.tracking.events import Event

    for module in JOB_MODULES:  # by name, like RQ: the jobs build on this module, not it on them
        importlib.import_module(module)
    settings = setup()
    detect("LX000000001CN")
    now = datetime.now(UTC)
    classify(events=[Event(now, "Delivered", None)], now=now, settings=settings)  # phrase book
    get_provider(settings)
    gc.freeze()  # the horses' garbage collections then skip (and do not copy) the worker's heap


class JobWorker(Worker):
    """RQ's forking worker; each job's work horse hangs up its database connection at the end.

    The horse is a fork of the worker, so the worker itself must hold no open connection when
    it forks (see `parceldesk worker`), and the horse must not leave one dangling when it exits.
    """

    def perform_job(self, job, queue, execution) -> bool:
        try:
            return super().perform_job(job, queue, execution)
        finally:
            release_connections(everything=True)
