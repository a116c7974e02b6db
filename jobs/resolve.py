"""Resolve shipments: ask the provider, store events, classify, schedule the next check."""

import logging
import math
import uuid
from datetime import UTC, datetime, timedelta

from peewee import fn
from rq import get_current_job

from jobs import runtime
from jobs.merchant_provider import choices_for
from jobs.providers.base import PermanentError, ProviderError, Query
from jobs.schedule import LEASE, next_check_at
from jobs.store.database import execute_each, is_postgres, write_transaction
from jobs.store.models import Shipment, StatusChange, TrackingEvent, Upload, utcnow
from jobs.tracking.classify import classify
from jobs.tracking.events import Event

log = logging.getLogger(__name__)
TEXT_LIMIT = 500
MAX_RETRY_AFTER = 3600  # a provider asking for more is treated as asking for an hour
RETRY_MARGIN = 60  # the lease outlives the scheduled retry by this much
PERMANENT_HOLD = timedelta(minutes=30)


def aware(value: datetime | None) -> datetime | None:
    """Naive UTC from the database → aware UTC for the pure core."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def naive(value: datetime) -> datetime:
    """Aware datetime → naive UTC for the database."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def resolve_batch(shipment_ids: list[int]) -> dict:
    """Fetch, store and classify the given shipments that are still due, each with its provider.

    Safe to re-run, and to run twice at once: the rows are claimed atomically first, a
    shipment already checked is no longer due and is skipped, events are unique per
    (shipment, time, text), and classification is a pure function of the events.
    """
    settings = runtime.setup()
    now = utcnow()
    shipments = _claim(shipment_ids, now)
    if not shipments:
        return {"resolved": 0}
    choices = choices_for({s.merchant_id for s in shipments}, settings)
    groups = {}
    for shipment in shipments:  # the sweep batches by provider; a mixed batch still works
        groups.setdefault(choices[shipment.merchant_id], []).append(shipment)
    try:
        for choice, group in groups.items():
            _resolve_group(group, choice, settings, now)
    finally:
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


def _resolve_group(shipments, choice, settings, now):
    """Ask one provider about its shipments and apply the answers."""
    # A number no carrier claims, or one failing its check digit, stays not_found with its
    # detection reason: not worth a provider call (or its quota).
    queries = [
        Query(s.tracking_number, s.carrier, aware(s.created_at))
        for s in shipments
        if s.carrier and s.detection_reason != "invalid_number"
    ]
    try:
        provider = choice.provider(settings)
        results = provider.fetch(queries) if queries else {}
    except ProviderError as exc:
        _hold(shipments, now, retry_delay(exc))
        raise  # RQ's Retry runs the job again (after Retry-After when the provider gave one)
    apply_results(shipments, results, provider.name, choice.settings(settings), now)


def retry_delay(exc: ProviderError) -> float | None:
    """Seconds until this job runs again; stretches RQ's next retry to honour Retry-After."""
    if isinstance(exc, PermanentError):
        return PERMANENT_HOLD.total_seconds()  # a bad key: do not hammer until someone fixes it
    wait = min(getattr(exc, "retry_after", None) or 0, MAX_RETRY_AFTER)
    job = get_current_job()
    if job is None or not job.should_retry:
        return wait or None  # no retry left: the sweep takes them once the provider allows
    intervals = list(job.retry_intervals or [0])
    index = max(len(intervals) - job.retries_left, 0)
    intervals[index] = max(intervals[index], math.ceil(wait))
    job.retry_intervals = intervals  # the worker reads this object when it schedules the retry
    return intervals[index] + RETRY_MARGIN


def _hold(shipments, now, seconds):
    """Make the rows due again for the retry, leased so the sweep does not redo them first."""
    until = now + timedelta(seconds=seconds) if seconds else None
    Shipment.update(claimed_until=until, claim_token=None, next_check_at=now).where(
        Shipment.id.in_([s.id for s in shipments])
    ).execute()


def apply_results(
    shipments, results: dict, provider_name: str, settings: dict, now, only_newer=False
) -> int:
    """Store each shipment's new events and re-classify it from `results` (keyed by number).

    The one place a provider's answer (polled or pushed by a webhook) reaches the database.
    The rows are read again under the write lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's
    FOR UPDATE), so of a poll and a push racing on one shipment only one records the change.
    With `only_newer` (pushes), a result older than what is stored is a replay and is skipped.
    Returns how many shipments were applied.
    """
    ids = [s.id for s in shipments]
    with write_transaction():
        fresh = Shipment.select().where(Shipment.id.in_(ids)).order_by(Shipment.id)
        if is_postgres():
            fresh = fresh.for_update()
        fresh = list(fresh)
        if only_newer:
            fresh = [s for s in fresh if not is_stale(s, results.get(s.tracking_number))]
        if not fresh:
            return 0
        known = _known_events(fresh)
        taught = merchant_rules({s.merchant_id for s in fresh})
        _read_together(known, results)
        plans = [
            _plan(
                s,
                results.get(s.tracking_number),
                known.get(s.id, []),
                provider_name,
                settings,
                now,
                taught.get(s.merchant_id),
            )
            for s in fresh
        ]
        _store(fresh, plans)
    if any(change for _, change, _ in plans):
        announce_changes({s.merchant_id for s in fresh}, settings)
    return len(fresh)


def is_stale(shipment, result) -> bool:
    """Whether a pushed result is older than what is stored: its newest event comes before the
    stored last event (or it has none while events are stored), so its status is out of date.
    """
    if shipment.last_event_at is None:
        return False
    if result is None or not result.events:
        return True
    newest = max(e.time for e in result.events)
    return naive(newest).replace(microsecond=0) < shipment.last_event_at.replace(microsecond=0)


def announce_changes(merchant_ids, settings) -> None:
    """Queue the webhook fan-out when a merchant with an active endpoint has new changes."""
    from jobs.notify import has_endpoints
    from jobs.queues import enqueue_webhook_fan_out, redis_connection

    if has_endpoints(merchant_ids):
        enqueue_webhook_fan_out(redis_connection(settings))


def _known_events(shipments) -> dict[int, list[Event]]:
    known = {}
    query = TrackingEvent.select().where(TrackingEvent.shipment.in_([s.id for s in shipments]))
    for row in query.iterator():
        known.setdefault(row.shipment_id, []).append(
            Event(aware(row.time), row.text, row.location, row.code)
        )
    return known


def _read_together(known, results) -> None:
    """Read the batch's event texts at once, so the learned fallback runs one batched call."""
    from jobs.tracking.reading import default_reader

    texts = [e.text for events in known.values() for e in events]
    texts += [e.text for r in results.values() if r for e in r.events]
    default_reader().prime(t for t in texts if t)


def merchant_rules(merchant_ids) -> dict[int, dict[str, tuple[str, str]]]:
    """{merchant id: {wording: (status, reason)}}: what each merchant taught the classifier."""
    from jobs.store.models import MerchantRule

    taught = {}
    query = MerchantRule.select().where(MerchantRule.merchant.in_(list(merchant_ids)))
    for rule in query.iterator():
        taught.setdefault(rule.merchant_id, {})[rule.wording] = (rule.status, rule.reason)
    return taught


def _plan(shipment, result, known, provider_name, settings, now, taught=None):
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
        provider_error=result.error if result else None,
        registered_at=aware(shipment.created_at),
        shipped_at=datetime.combine(shipment.ship_date, datetime.min.time(), UTC)
        if shipment.ship_date
        else None,
        merchant_rules=taught,
    )
    latest = max(events, key=lambda e: e.time) if events else None
    columns = {
        "status": verdict.status,
        "reason": verdict.reason,
        "needs_action": verdict.needs_action,
        "stalled": verdict.stalled,
        "status_inferred": verdict.inferred,
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
