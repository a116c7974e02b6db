"""Reclassify stored shipments from their stored events, without asking a provider.

Run after a merchant teaches a wording, and after an upgrade changes the rules or the model
(the classifier version stored in the database differs from the running one).
"""

import hashlib
from datetime import UTC, datetime
from functools import cache

from rq import get_current_job

from jobs import runtime
from jobs.resolve import aware, merchant_rules, naive
from jobs.schedule import next_check_at
from jobs.store.database import execute_each, write_transaction
from jobs.store.models import InstanceState, Shipment, StatusChange, TrackingEvent, utcnow
from jobs.tracking.classify import classify
from jobs.tracking.events import Event

BATCH_SIZE = 500
VERSION_KEY = "classifier_version"
# Bump when classification code changes in a way that can change a stored status.
CODE_VERSION = "3"  # 3: no-tracking messages stay not_found; MIN_CONFIDENCE_STATE


@cache
def classifier_version() -> str:
    """A digest of the rule files, the corpus the fallback learns from and the code version."""
    from jobs.tracking.corpus import corpus_hash
    from jobs.tracking.taxonomy import CONFIG_DIR

    digest = hashlib.sha256(CODE_VERSION.encode())
    for name in ("phrases.json", "provider_codes.json"):
        digest.update((CONFIG_DIR / name).read_bytes())
    digest.update(corpus_hash().encode())
    return digest.hexdigest()[:16]


def stored_version() -> str | None:
    """The classifier version the stored statuses were last brought up to."""
    row = InstanceState.get_or_none(InstanceState.key == VERSION_KEY)
    return row.value if row else None


def remember_version(version: str) -> None:
    """Record that the stored statuses follow `version`."""
    InstanceState.insert(key=VERSION_KEY, value=version).on_conflict(
        conflict_target=[InstanceState.key], update={InstanceState.value: version}
    ).execute()


def reclassify_shipments(merchant_id: int | None = None, cause: str = "rules updated") -> dict:
    """Reclassify every shipment (of one merchant, or all) from its stored events, in batches.

    Safe to re-run: classification is a pure function of the stored events and rules, and
    only rows whose status, reason or flags differ are written; a second run changes nothing.
    Progress (done/total) goes to the job's meta.
    """
    settings = runtime.setup()
    query = Shipment.select(Shipment.id).where(Shipment.checked_at.is_null(False))
    if merchant_id is not None:
        query = query.where(Shipment.merchant == merchant_id)
    total, done, changed, last = query.count(), 0, 0, 0
    job = get_current_job()
    while True:
        ids = [
            s.id for s in query.where(Shipment.id > last).order_by(Shipment.id).limit(BATCH_SIZE)
        ]
        if not ids:
            break
        changed += reclassify_batch(ids, settings, cause)
        done, last = done + len(ids), ids[-1]
        if job is not None:
            job.meta.update(done=done, total=total, changed=changed)
            job.save_meta()
    return {"total": total, "done": done, "changed": changed}


def reclassify_batch(ids: list[int], settings: dict, cause: str) -> int:
    """Reclassify these shipments; return how many changed status or reason."""
    now = utcnow()
    with write_transaction():
        shipments = list(Shipment.select().where(Shipment.id.in_(ids)).order_by(Shipment.id))
        events = {}
        for row in TrackingEvent.select().where(TrackingEvent.shipment.in_(ids)).iterator():
            events.setdefault(row.shipment_id, []).append(
                Event(aware(row.time), row.text, row.location, row.code)
            )
        _prime(events)
        taught = merchant_rules({s.merchant_id for s in shipments})
        updates, changes = [], []
        for shipment in shipments:
            stored = events.get(shipment.id, [])
            verdict = _verdict(shipment, stored, settings, now, taught)
            latest = max(stored, key=lambda e: (e.time, e.text)) if stored else None
            columns = {
                "last_event_at": naive(latest.time) if latest else None,
                "last_event_text": latest.text if latest else None,
                "last_event_location": latest.location if latest else None,
                "status": verdict.status,
                "reason": verdict.reason,
                "needs_action": verdict.needs_action,
                "stalled": verdict.stalled,
                "status_inferred": verdict.inferred,
            }
            if all(getattr(shipment, k) == v for k, v in columns.items()):
                continue
            columns["checked_at"] = now  # "last classified": the live grid refreshes the row
            if (verdict.status, verdict.reason) != (shipment.status, shipment.reason):
                changes.append(_change(shipment, verdict, now, cause))
                columns["next_check_at"] = next_check_at(
                    verdict.status, verdict.reason, now, settings
                )
            updates.append({**columns, "id": shipment.id})
        if changes:
            execute_each(StatusChange, changes)
        if updates:
            execute_each(Shipment, updates, "UPDATE")
    return len(changes)


def _prime(events):
    from jobs.tracking.reading import default_reader

    default_reader().prime(e.text for batch in events.values() for e in batch if e.text)


def _verdict(shipment, events, settings, now, taught):
    return classify(
        events=events,
        now=aware(now),
        settings=settings,
        detection_reason=shipment.detection_reason,
        registered_at=aware(shipment.created_at),
        shipped_at=datetime.combine(shipment.ship_date, datetime.min.time(), UTC)
        if shipment.ship_date
        else None,
        merchant_rules=taught.get(shipment.merchant_id),
    )


def _change(shipment, verdict, now, cause):
    """A status-history row saying why: the merchant's rule with its wording, or the cause."""
    if verdict.decided_by == "merchant" and verdict.deciding_event is not None:
        why = f"Reclassified by your rule: “{verdict.deciding_event.text[:200]}”"
    else:
        why = f"Reclassified from stored events ({cause})"
    return {
        "shipment": shipment.id,
        "at": naive(aware(now)),
        "old_status": shipment.status,
        "old_reason": shipment.reason,
        "new_status": verdict.status,
        "new_reason": verdict.reason,
        "cause": why,
    }


def reclassify_if_rules_changed(connection) -> bool:
    """Enqueue a full reclassification once after the rules or model changed; True if queued.

    The first sweep of an installation only records the version (run `parceldesk reclassify`
    once to bring statuses made before versioning existed up to date).
    """
    version, stored = classifier_version(), stored_version()
    if stored == version:
        return False
    if stored is None:  # first start with versioning: the statuses were just made by this code
        remember_version(version)
        return False
    from jobs.queues import enqueue_reclassify

    enqueue_reclassify(
        connection, None, f"rules updated to {version}", job_id=f"reclassify-{version}"
    )
    remember_version(version)
    return True
