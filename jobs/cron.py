"""Periodic work, declared as data and run by RQ's cron scheduler."""

import logging
import uuid

from rq.cron import CronScheduler
from rq.logutils import setup_loghandlers
from rq.utils import now

from jobs.digest import send_digests
from jobs.queues import RESULT_TTL, queue
from jobs.sweep import sweep

# (function, queue, setting, time limit in seconds): the setting is an interval in seconds or a
# cron expression (text). Every periodic job is idempotent, so a duplicate is harmless; each has
# its own time limit rather than RQ's default (the digest only queues one job per merchant).
PERIODIC = [
    (sweep, "low", "SWEEP_INTERVAL_SECONDS", 300),
    (send_digests, "low", "DIGEST_CRON", 300),
]
# Periodic jobs that run often and log their own line only when they did something: RQ's four
# routine lines about each run (started, completed, OK, result kept) go to DEBUG.
QUIET = {sweep.__name__}
JOB_ID_PREFIX = "cron-"  # cron-<function>-<uuid>: the worker's log filter knows them by it


class JsonCronScheduler(CronScheduler):
    """RQ's CronScheduler, enqueueing through our queues so jobs carry JSON, not pickle."""

    def enqueue_jobs(self):
        moment = now()
        due = [job for job in self._cron_jobs if job.should_run()]
        for job in due:
            job_id = f"{JOB_ID_PREFIX}{job.func.__name__}-{uuid.uuid4().hex}"
            queue(job.queue_name, self.connection).enqueue(
                job.func, args=job.args, kwargs=job.kwargs, job_id=job_id, **job.job_options
            )
            job.set_enqueue_time(moment)
        return due


def build_scheduler(connection, settings) -> CronScheduler:
    """A cron scheduler with every PERIODIC job registered at its configured interval or cron."""
    scheduler = JsonCronScheduler(connection=connection)
    for func, queue_name, key, timeout in PERIODIC:
        value = settings[key]
        when = {"cron": value} if isinstance(value, str) else {"interval": int(value)}
        scheduler.register(func, queue_name, result_ttl=RESULT_TTL, job_timeout=timeout, **when)
    return scheduler


class QuietRoutineJobs(logging.Filter):
    """Moves RQ's routine INFO lines about QUIET periodic jobs to DEBUG (errors stay loud)."""

    markers = tuple(f"{JOB_ID_PREFIX}{name}-" for name in QUIET)
    descriptions = tuple(f"{sweep.__module__}.{name}(" for name in QUIET)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not isinstance(record.args, tuple):
            return True
        texts = [arg for arg in record.args if isinstance(arg, str)]
        if any(t.startswith(self.markers) or t.startswith(self.descriptions) for t in texts):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def configure_worker_logging(level=logging.INFO):
    """Job code logs beside RQ's lines, in its format; a sweep with nothing due stays silent."""
    setup_loghandlers(level, name="jobs")
    logging.getLogger("jobs").setLevel(level)
    worker_log = logging.getLogger("rq.worker")
    if not any(isinstance(f, QuietRoutineJobs) for f in worker_log.filters):
        worker_log.addFilter(QuietRoutineJobs())
