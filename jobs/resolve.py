"""Resolve shipments: ask the provider, store events, classify, schedule the next check."""

import logging
import uuid
from datetime import UTC, datetime

from peewee import fn

from jobs import runtime
from jobs.classify import classify
from jobs.events import Event
from jobs.providers import get_provider
from jobs.providers.base import PermanentError, Query, TransientError
from jobs.schedule import LEASE, next_check_at
from webapp.database import execute_each, write_transaction
from webapp.models import Shipment, StatusChange, TrackingEvent, Upload, utcnow

log = logging.getLogger(__name__)
TEXT_LIMIT = 500


def aware(value: datetime | None) -> datetime | None:
    """Naive UTC from the database → aware UTC for the pure core."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def naive(value: datetime) -> datetime:
    """Aware datetime → naive UTC for the database."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def resolve_batch(shipment_ids: list[int]) -> dict:
    """Fetch, store and classify the given shipments that are still due.

    Safe to re-run, and to run twice at once: the rows are claimed atomically first, a
    shipment already checked is no longer due and is skipped, events are unique per
    (shipment, time, text), and classification is a pure function of the events.
    """
    settings = runtime.setup()
    now = utcnow()
    shipments = _claim(shipment_ids, now)
    if not shipments:
        return {"resolved": 0}
    provider = get_provider(settings)
    queries = [Query(s.tracking_number, s.carrier, aware(s.created_at)) for s in shipments]
    try:
        results = provider.fetch(queries)
    except (TransientError, PermanentError):
        _release(shipments)  # let the retry (or the next sweep) take them again at once
        raise
    with write_transaction():
        known = _known_events(shipments)
        plans = [
            _plan(
                s, results.get(s.tracking_number), known.get(s.id, []), provider.name, settings, now
            )
            for s in shipments
        ]
        _store(shipments, plans)
    _finish_uploads({s.upload_id for s in shipments if s.upload_id})
    return {"resolved": len(shipments)}


def _claim(shipment_ids, now) -> list:
    """Take the due rows among `shipment_ids` for this job alone, and return them.

    One UPDATE moves them out of "due" (by the lease, longer than the job timeout, so a killed
    job's rows come back) and stamps them with a token; a concurrent job's UPDATE then finds
    them no longer due, on SQLite (single writer) and PostgreSQL (row locks, re-checked WHERE).
    """
    token = uuid.uuid4().hex
    Shipment.update(claim_token=token, next_check_at=now + LEASE).where(
        Shipment.id.in_(shipment_ids), Shipment.next_check_at <= now
    ).execute()
    return list(Shipment.select().where(Shipment.claim_token == token))


def _release(shipments):
    Shipment.update(claimed_until=None, claim_token=None, next_check_at=utcnow()).where(
        Shipment.id.in_([s.id for s in shipments])
    ).execute()


def _known_events(shipments) -> dict[int, list[Event]]:
    known = {}
    query = TrackingEvent.select().where(TrackingEvent.shipment.in_([s.id for s in shipments]))
    for row in query.iterator():
        known.setdefault(row.shipment_id, []).append(
            Event(aware(row.time), row.text, row.location, row.code)
        )
    return known


def _plan(shipment, result, known, provider_name, settings, now):
    """The new events, the status change (or None) and the new columns of one shipment."""
    stored = {_key(e) for e in known}
    new = [e for e in (result.events if result else []) if _key(e) not in stored]
    events = known + new
    verdict = classify(
        events=events,
        now=aware(now),
        settings=settings,
        detection_reason=shipment.detection_reason,
        native_status=result.native_status if result else None,
        native_substatus=result.native_substatus if result else None,
        provider=provider_name,
        provider_error=result.error if result else "unknown_number",
        registered_at=aware(shipment.created_at),
        shipped_at=datetime.combine(shipment.ship_date, datetime.min.time(), UTC)
        if shipment.ship_date
        else None,
    )
    latest = max(events, key=lambda e: e.time) if events else None
    columns = {
        "status": verdict.status,
        "reason": verdict.reason,
        "needs_action": verdict.needs_action,
        "stalled": verdict.stalled,
        "checked_at": now,
        "claimed_until": None,
        "claim_token": None,
        "last_event_at": naive(latest.time) if latest else None,
        "last_event_text": latest.text[:TEXT_LIMIT] if latest else None,
        "last_event_location": latest.location if latest else None,
        "next_check_at": next_check_at(verdict.status, verdict.reason, now, settings),
    }
    change = None
    if (verdict.status, verdict.reason) != (shipment.status, shipment.reason):
        change = {
            "shipment": shipment.id,
            "at": now,
            "old_status": shipment.status,
            "old_reason": shipment.reason,
            "new_status": verdict.status,
            "new_reason": verdict.reason,
        }
    rows = [_event_row(shipment.id, e) for e in new]
    return rows, change, columns


def _event_row(shipment_id, event):
    time, text = _key(event)
    location = (event.location or "")[:200] or None
    return {
        "shipment": shipment_id,
        "time": time,
        "text": text,
        "location": location,
        "code": event.code,
    }


def _store(shipments, plans):
    """Write a whole batch in a few statements: building SQL per row costs more than running it."""
    events = [row for rows, _, _ in plans for row in rows]
    if events:  # a re-run finds its events already stored and skips them
        execute_each(TrackingEvent, events, "INSERT", " ON CONFLICT DO NOTHING")
    changes = [change for _, change, _ in plans if change]
    if changes:
        execute_each(StatusChange, changes)
    pairs = list(zip(shipments, plans, strict=True))
    reopened = [s.id for s, (_, change, _) in pairs if change and s.followup == "resolved"]
    if reopened:  # a new status brings it back to the follow-up queue
        Shipment.update(followup="open").where(Shipment.id.in_(reopened)).execute()
    updates = [{**columns, "id": s.id} for s, (_, _, columns) in pairs]
    execute_each(Shipment, updates, "UPDATE")


def _key(event: Event):
    return (naive(event.time).replace(microsecond=0), event.text[:TEXT_LIMIT])


def _finish_uploads(upload_ids):
    """Mark uploads done once none of their shipments waits for its first check."""
    for upload_id in upload_ids:
        waiting = (
            Shipment.select(fn.COUNT(Shipment.id))
            .where(Shipment.upload == upload_id, Shipment.checked_at.is_null())
            .scalar()
        )
        if not waiting:
            Upload.update(state="done", finished_at=utcnow()).where(
                Upload.id == upload_id, Upload.state == "resolving"
            ).execute()
