"""The periodic sweep: whatever the database says is due goes back on the queues.

Due shipments, lost imports, due webhook deliveries and connection pulls, rule upgrades to
reclassify, expired upload files. Safe at any frequency: every step is idempotent.
"""

import logging
from datetime import timedelta

from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import runtime
from jobs.notify import enqueue_due_deliveries
from jobs.pulls import enqueue_due_pulls
from jobs.queues import enqueue_import, redis_connection
from jobs.reclassify import reclassify_if_rules_changed
from jobs.schedule import enqueue_due
from jobs.storage import expire
from jobs.store.models import Upload, utcnow

log = logging.getLogger(__name__)

STUCK_IMPORT = timedelta(minutes=1)  # younger uploads may still be on their way to the queue


def sweep() -> dict:
    """Periodic: re-enqueue due shipments and lost imports; safe at any frequency.

    Nothing is lost when Redis is flushed or a worker killed: leases expire and the database
    still says what is due.
    """
    settings = runtime.setup()
    connection = redis_connection(settings)
    revived = 0
    stuck = Upload.select().where(
        Upload.state.in_(["queued", "parsing"]),
        Upload.created_at < utcnow() - STUCK_IMPORT,
        Upload.source != "connect",  # a pull's record: its connection's next pull closes it
    )
    for upload in stuck:
        if not _job_alive(connection, f"import-{upload.id}"):
            Upload.update(state="queued").where(Upload.id == upload.id).execute()
            enqueue_import(connection, upload.id)
            revived += 1
    reclassified = reclassify_if_rules_changed(connection)  # after an upgrade changed the rules
    enqueued = enqueue_due()
    if enqueued or revived:  # one line when there was work; silence when nothing was due
        log.info("Sweep: %d shipments due enqueued, %d stuck imports re-queued", enqueued, revived)
    return {
        "enqueued": enqueued,
        "imports_revived": revived,
        "reclassify": reclassified,
        "upload_files_removed": expire(settings),
        "webhooks_due": enqueue_due_deliveries(),
        "pulls_due": enqueue_due_pulls(),
    }


def _job_alive(connection, job_id) -> bool:
    try:
        status = Job.fetch(job_id, connection=connection, serializer=JSONSerializer).get_status()
    except NoSuchJobError:
        return False
    return status in ("queued", "started", "deferred", "scheduled")
