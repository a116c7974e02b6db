"""Periodic work, declared as data and run by RQ's cron scheduler."""

from rq.cron import CronScheduler
from rq.utils import now

from jobs.queues import RESULT_TTL, queue
from jobs.schedule import sweep

# (function, queue, interval setting): every periodic job is idempotent, so a duplicate is harmless.
PERIODIC = [
    (sweep, "low", "SWEEP_INTERVAL_SECONDS"),
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
    """A cron scheduler with every PERIODIC job registered at its configured interval."""
    scheduler = JsonCronScheduler(connection=connection)
    for func, queue_name, interval_key in PERIODIC:
        scheduler.register(
            func, queue_name, interval=int(settings[interval_key]), result_ttl=RESULT_TTL
        )
    return scheduler
