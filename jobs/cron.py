"""Periodic work, declared as data and run by RQ's cron scheduler."""

from rq.cron import CronScheduler
from rq.utils import now

from jobs.digest import send_digests
from jobs.queues import RESULT_TTL, queue
from jobs.schedule import sweep

# (function, queue, setting, time limit in seconds): the setting is an interval in seconds or a
# cron expression (text). Every periodic job is idempotent, so a duplicate is harmless; each has
# its own time limit rather than RQ's default (the digest only queues one job per merchant).
PERIODIC = [
    (sweep, "low", "SWEEP_INTERVAL_SECONDS", 300),
    (send_digests, "low", "DIGEST_CRON", 300),
]


class JsonCronScheduler(CronScheduler):
    """RQ's CronScheduler, enqueueing through our queues so jobs carry JSON, not pickle."""

    def enqueue_jobs(self):
        moment = now()
        due = [job for job in self._cron_jobs if job.should_run()]
        for job in due:
            queue(job.queue_name, self.connection).enqueue(
                job.func, args=job.args, kwargs=job.kwargs, **job.job_options
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
