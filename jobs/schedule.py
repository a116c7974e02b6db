"""When each shipment is checked again, and the periodic sweep that enqueues whatever is due."""

import logging
from datetime import timedelta

from playhouse.shortcuts import chunked
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import runtime
from jobs.merchant_provider import choices_for
from jobs.queues import enqueue_import, enqueue_resolve, redis_connection
from jobs.store.models import Shipment, Upload, utcnow
from jobs.tracking.classify import is_terminal

log = logging.getLogger(__name__)

# Hours between checks by status (issue 5): moving parcels every 6 h, parcels that need someone
# (pick up, undelivered, alert) every 3 h; delivered, expired and returned-to-sender never.
REFRESH_HOURS = {
    "not_found": 12,
    "in_transit": 6,
    "pick_up": 3,
    "undelivered": 3,
    "alert": 3,
    "returned": 6,  # still on its way back to the sender
}
MIN_RECHECK = timedelta(minutes=1)  # never sooner, whatever the sandbox clock speed
LEASE = timedelta(minutes=15)  # a queued batch not finished by then is due again
SWEEP_LIMIT = 50_000  # per sweep; the next sweep takes the rest
STUCK_IMPORT = timedelta(minutes=1)  # younger uploads may still be on their way to the queue


def next_check_at(status, reason, now, settings):
    """The next time a shipment in (status, reason) is due, or None when it is final."""
    if is_terminal(status, reason):  # the classifier owns the rule of what is final
        return None
    hours = REFRESH_HOURS.get(status, 6)
    if settings.get("TRACKING_PROVIDER", "sandbox") == "sandbox":
        hours /= max(float(settings.get("SANDBOX_CLOCK_SPEED", 1.0)), 1e-6)
    return now + max(timedelta(hours=hours), MIN_RECHECK)


def due_shipments(now, upload_id=None, shipment_ids=None):
    """(id, merchant) of the shipments due at `now` and not leased, the most overdue first."""
    due = Shipment.select(Shipment.id, Shipment.merchant).where(
        Shipment.next_check_at <= now,
        Shipment.claimed_until.is_null() | (Shipment.claimed_until < now),
    )
    if upload_id is not None:
        due = due.where(Shipment.upload == upload_id)
    if shipment_ids is not None:
        due = due.where(Shipment.id.in_(shipment_ids))
    return due.order_by(Shipment.next_check_at).limit(SWEEP_LIMIT)


def enqueue_due(upload_id=None, shipment_ids=None, at_front=False) -> int:
    """Lease due shipments (of one upload, some ids, or all) and enqueue them in batches.

    Batches never mix providers or API keys: each is sized to its provider's max_batch and
    counted against that provider+key's RQ rate limit.
    """
    settings = runtime.setup()
    now = utcnow()
    rows = list(due_shipments(now, upload_id, shipment_ids).tuples())
    choices = choices_for({merchant for _, merchant in rows}, settings)
    groups = {}
    for shipment_id, merchant in rows:
        groups.setdefault(choices[merchant], []).append(shipment_id)
    connection = redis_connection(settings)
    for choice, ids in groups.items():
        size = min(settings["RESOLVE_BATCH_SIZE"], choice.max_batch)
        for batch in chunked(ids, size):
            Shipment.update(claimed_until=now + LEASE).where(Shipment.id.in_(batch)).execute()
            enqueue_resolve(connection, batch, choice.rate_key(settings), at_front=at_front)
    return len(rows)


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
    from jobs.notify import enqueue_due_deliveries
    from jobs.pulls import enqueue_due_pulls
    from jobs.reclassify import reclassify_if_rules_changed
    from jobs.storage import expire

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
