"""Pull a connection's new shipments, and the sweep hook that queues the connections due.

A pull is recorded like an upload (an Upload row: counts, refused rows with their reasons) and
its rows go through the import path (plausibility gate, detection, merge on the number).
"""

import json
import logging
from datetime import timedelta

from jobs import imports, runtime
from jobs.connectors import LABELS, ConnectorError, connector_for
from jobs.queues import FAILURE_TTL, RESULT_TTL, queue, redis_connection
from jobs.store.models import Connection, ConnectionPull, Upload, db, utcnow

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=30)  # a pull running longer is presumed dead and may start again
JOB_TIMEOUT = 1500  # seconds: shorter than the lease, so a lease never expires under a live job
RETRY_AFTER_ERROR = timedelta(minutes=5)  # a failed pull is tried again this soon (at most)
DUE_LIMIT = 1000  # connections queued per sweep
INTERRUPTED = "This pull was interrupted; the next pull went on from where it stopped."


def pull(connection_id: int) -> dict:
    """Pull one connection now; what it stored and refused.

    Safe to re-run and to kill: shipments are upserted on (merchant, tracking number), the
    cursor is saved in the same transaction as the page it follows, and a lease keeps two pulls
    of one connection from running at once (a dead pull's lease expires).
    """
    settings = runtime.setup()
    now = utcnow()
    claimed = (
        Connection.update(claimed_until=now + LEASE)
        .where(
            Connection.id == connection_id,
            Connection.claimed_until.is_null() | (Connection.claimed_until < now),
        )
        .execute()
    )
    if not claimed:
        return {"skipped": True}
    connection = Connection.get_by_id(connection_id)
    result = {"connection_id": connection_id, "stored": 0, "refused": 0, "duplicates": 0}
    error = None
    try:
        _run(connection, settings, result)
    except ConnectorError as failure:
        error = str(failure)
    except Exception:  # a bug or a database failure: the job fails, the error is shown plainly
        log.exception("Pull of connection %s failed", connection_id)
        error = "The pull failed unexpectedly; it is tried again at the next run."
        _close(connection, result, error)
        raise
    _close(connection, result, error)
    result["error"] = error
    return result


def _run(connection, settings, result):
    _close_interrupted(connection.id)
    connector = connector_for(connection, settings)
    cursor = json.loads(connection.cursor) if connection.cursor else {}
    upload, counts = None, imports.new_counts()
    try:
        for page in connector.pull(cursor):
            upload = upload or _new_upload(connection)
            result["upload_id"] = upload.id
            with db.atomic():
                imports.store_page(upload, page.items, counts)
                Upload.update(**counts).where(Upload.id == upload.id).execute()
                changes = {"cursor": json.dumps(page.cursor) if page.cursor else None}
                changes.update(page.extra_state)
                mapping = getattr(connector, "chosen_mapping", None)
                if mapping and not connection.mapping:
                    changes["mapping"] = json.dumps(mapping)
                Connection.update(**changes).where(Connection.id == connection.id).execute()
    except ConnectorError as failure:
        if upload is not None:
            Upload.update(error=str(failure)).where(Upload.id == upload.id).execute()
        raise
    finally:
        if upload is not None:
            imports.finish(upload.id, counts)
            result.update(
                stored=counts["imported"],
                refused=counts["rejected"],
                duplicates=counts["duplicates"],
            )
    if connector.warning:
        raise ConnectorError(connector.warning)


def _close_interrupted(connection_id: int):
    """Uploads of pulls that died (worker killed): what they stored stays, counted per page."""
    stale = Upload.select(Upload.id).join(ConnectionPull, on=ConnectionPull.upload == Upload.id)
    stale = stale.where(ConnectionPull.connection == connection_id, Upload.state == "parsing")
    for upload in stale:
        Upload.update(error=INTERRUPTED).where(Upload.id == upload.id).execute()
        imports.finish(upload.id, _counts_of(Upload.get_by_id(upload.id)))


def _counts_of(upload) -> dict:
    return {name: getattr(upload, name) for name in imports.new_counts()}


def _new_upload(connection) -> Upload:
    with db.atomic():
        upload = Upload.create(
            merchant=connection.merchant_id,
            filename=f"{LABELS[connection.kind]} · {connection.url}"[:255],
            state="parsing",
            source="connect",
        )
        ConnectionPull.create(connection=connection.id, upload=upload.id)
    return upload


def _close(connection, result, error):
    now = utcnow()
    every = timedelta(minutes=max(int(connection.every_minutes or 60), 1))
    next_run = now + (min(every, RETRY_AFTER_ERROR) if error else every)
    Connection.update(
        claimed_until=None,
        last_run_at=now,
        next_run_at=next_run,
        last_error=error,
        last_stored=result["stored"],
        last_refused=result["refused"],
    ).where(Connection.id == connection.id).execute()


def enqueue_pull(connection, connection_id: int):
    """Queue one pull; the job id makes a second request while one waits (or runs) a no-op.

    A job that Redis still calls "started" while the connection's lease has lapsed died with
    its worker: it is queued again under the same id.
    """
    job_id = f"pull-{connection_id}"
    status = _job_status(connection, job_id)
    if status in ("queued", "deferred", "scheduled"):
        return None
    if status == "started" and _leased(connection_id):
        return None
    return queue("imports", connection).enqueue(
        pull,
        connection_id,
        job_id=job_id,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        job_timeout=JOB_TIMEOUT,
    )


def _job_status(connection, job_id):
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from rq.serializers import JSONSerializer

    try:
        return Job.fetch(job_id, connection=connection, serializer=JSONSerializer).get_status()
    except NoSuchJobError:
        return None


def _leased(connection_id: int) -> bool:
    now = utcnow()
    return (
        Connection.select()
        .where(Connection.id == connection_id, Connection.claimed_until > now)
        .exists()
    )


def enqueue_due_pulls() -> int:
    """Sweep hook: queue every connection whose next run is due and no pull holds."""
    settings = runtime.setup()
    now = utcnow()
    due = (
        Connection.select(Connection.id)
        .where(
            Connection.next_run_at <= now,
            Connection.claimed_until.is_null() | (Connection.claimed_until < now),
        )
        .order_by(Connection.next_run_at)
        .limit(DUE_LIMIT)
    )
    ids = [c.id for c in due]
    if ids:
        redis = redis_connection(settings)
        for connection_id in ids:
            enqueue_pull(redis, connection_id)
    return len(ids)
