"""Import an uploaded file: parse, detect carriers, upsert shipments, record rejected rows."""

import json
import logging
from functools import lru_cache

from peewee import fn
from playhouse.shortcuts import chunked
from rq import get_current_job

from jobs import runtime, storage
from jobs.files.parsing import FileRefused, Record, open_table, parse_pasted
from jobs.store.database import execute_each
from jobs.store.models import RowError, Shipment, Upload, db, utcnow
from jobs.tracking.carriers import detect, hint_carriers
from jobs.tracking.classify import classify

BATCH_SIZE = 1000
log = logging.getLogger(__name__)

# Order data a later row or upload may fill in where it is blank, never overwrite; status fields
# are never touched here. Every order id of a number is kept in order_ids (combined shipping).
MERGED_FIELDS = ("order_id", "customer_name", "email", "country", "ship_date", "extra")
ORDER_SEPARATOR = ", "


def import_upload(upload_id: int) -> dict:
    """Parse and store one upload in a single transaction.

    Safe to re-run: shipments are upserted on (merchant, tracking number), row errors are
    replaced, and an upload that already left the parsing stage is not parsed again.
    """
    settings = runtime.setup()
    upload = Upload.get_or_none(Upload.id == upload_id)
    if upload is None or upload.state not in ("queued", "parsing"):
        return {"skipped": True}
    Upload.update(state="parsing").where(Upload.id == upload_id).execute()
    try:
        with storage.local_copy(upload, settings) as path:
            items = _items(upload, path, settings["MAX_UPLOAD_MB"] << 20)
            with db.atomic():
                counts = _store(upload, items)
    except (FileRefused, storage.FileGone) as refused:
        _refuse(upload_id, str(refused))
        return {"error": str(refused)}
    return finish(upload_id, counts)


def finish(upload_id: int, counts: dict) -> dict:
    """Write the upload's counts, mark it resolving (or done) and queue its shipments."""
    counts["combined"] = _combined(upload_id)
    state = "resolving" if counts["imported"] + counts["duplicates"] else "done"
    Upload.update(
        state=state, finished_at=None if state == "resolving" else utcnow(), **counts
    ).where(Upload.id == upload_id).execute()
    from jobs.schedule import enqueue_due

    enqueue_due(upload_id=upload_id)
    return counts


def store_page(upload, items, counts: dict) -> dict:
    """Store one page of a connection's pull (records and row errors) in one transaction,
    through the same detection and merge as a file; `counts` accumulate across pages."""
    with db.atomic():
        _store_chunks(upload, items, counts)
    return counts


def _items(upload, path, max_bytes):
    """The records and row errors of the stored file (or pasted text), as a stream."""
    if upload.source == "paste":
        with open(path, encoding="utf-8") as pasted:
            return parse_pasted(pasted.read())
    table = open_table(path, upload.filename, max_bytes)
    if upload.mapping:
        return table.records({k: int(v) for k, v in json.loads(upload.mapping).items()})
    if not table.confident:
        raise FileRefused(
            "No tracking-number column was found in this file: choose the column and upload again."
        )
    return table.records()


def _refuse(upload_id, message):
    Upload.update(state="failed", error=message, finished_at=utcnow()).where(
        Upload.id == upload_id
    ).execute()


def new_counts() -> dict:
    """The counts an upload keeps, all zero."""
    return {"rows_total": 0, "imported": 0, "duplicates": 0, "rejected": 0}


def _store(upload, items) -> dict:
    RowError.delete().where(RowError.upload == upload.id).execute()
    return _store_chunks(upload, items, new_counts())


def _store_chunks(upload, items, counts) -> dict:
    last_row = None
    for chunk in chunked(items, BATCH_SIZE):
        for item in chunk:  # a cell with several numbers yields consecutive items of one row
            counts["rows_total"] += item.row != last_row
            last_row = item.row
        rows, errors = _prepare(upload, chunk)
        records = sum(r["_count"] for r in rows.values())
        created = len(rows) - _upsert(upload, rows)
        counts["imported"] += created
        counts["duplicates"] += records - created
        if errors:
            RowError.insert_many(errors).execute()
        counts["rejected"] += len(errors)
        _report_progress(counts)
    return counts


def _report_progress(counts):
    """Rows read so far go to the job's meta: the open transaction hides them in the database."""
    job = get_current_job()
    if job is not None:
        job.meta["rows_read"] = counts["rows_total"]
        job.save_meta()


def _prepare(upload, chunk):
    """Detect each number; merge repeats inside the chunk; collect rejected rows."""
    rows, errors = {}, []
    for item in chunk:
        if not isinstance(item, Record):
            errors.append(_row_error(upload, item.row, item.value, item.reason))
            continue
        found = detect(item.number, hint=item.carrier, country=item.country)
        if found.reason == "mangled_by_spreadsheet":
            errors.append(_row_error(upload, item.row, item.number, found.reason))
            continue
        row = rows.get(found.number)
        if row is None:
            rows[found.number] = row = _new_row(upload, found, item.carrier)
        row["_count"] += 1
        for field in MERGED_FIELDS:
            value = getattr(item, field)
            if row[field] is None and value not in (None, "", {}):
                row[field] = json.dumps(value, ensure_ascii=False) if field == "extra" else value
        if item.order_id and item.order_id not in row["_orders"]:
            row["_orders"].append(item.order_id)
    for row in rows.values():
        row["order_ids"] = ORDER_SEPARATOR.join(row["_orders"]) or None
    return rows, errors


def _combined(upload_id) -> int:
    """Shipments of this upload that carry several orders (one number, combined shipping)."""
    return (
        Shipment.select(fn.COUNT(Shipment.id))
        .where(
            Shipment.upload == upload_id,
            Shipment.order_ids.contains(ORDER_SEPARATOR),
        )
        .scalar()
    )


def _row_error(upload, row, value, reason):
    return {"upload": upload.id, "row": row, "value": value[:500], "reason": reason}


def _carriers(found, hint):
    """(carrier, detected_carrier): the merchant's named carrier wins over the number's format,
    and the format's verdict is kept beside it when the two disagree."""
    named = hint_carriers(hint) if hint else frozenset()
    if len(named) == 1 and found.carrier not in named:
        return next(iter(named)), found.carrier or "unidentified"
    return found.carrier, None


def _new_row(upload, found, hint):
    now = utcnow()
    carrier, detected = _carriers(found, hint)
    initial = _initial(found.reason, now.replace(second=0, microsecond=0))
    return {
        "merchant": upload.merchant_id,
        "upload": upload.id,
        "tracking_number": found.number,
        "carrier": carrier,
        "detected_carrier": detected,
        "candidates": ",".join(found.candidates)[:255],
        "detection_reason": found.reason,
        "status": initial.status,
        "reason": initial.reason,
        "needs_action": initial.needs_action,
        "next_check_at": now,
        "_count": 0,
        "_orders": [],
        **{field: None for field in MERGED_FIELDS},
    }


# Merge into the existing row on (merchant, tracking number); written once, executed per row.
# Known order data is kept (blanks filled in); an order id not yet listed is appended.
_SEP = "'" + ORDER_SEPARATOR + "'"
_ORDER_IDS = (
    '"order_ids" = CASE WHEN excluded."order_ids" IS NULL THEN "shipment"."order_ids"'
    ' WHEN "shipment"."order_ids" IS NULL THEN excluded."order_ids"'
    f' WHEN ({_SEP} || "shipment"."order_ids" || {_SEP})'
    f" LIKE ('%' || {_SEP} || excluded.\"order_ids\" || {_SEP} || '%')"
    ' THEN "shipment"."order_ids"'
    f' ELSE "shipment"."order_ids" || {_SEP} || excluded."order_ids" END'
)
UPSERT = (
    ' ON CONFLICT ("merchant_id", "tracking_number") DO UPDATE SET '
    + ", ".join(f'"{f}" = COALESCE("shipment"."{f}", excluded."{f}")' for f in MERGED_FIELDS)
    + ", "
    + _ORDER_IDS
    + ', "upload_id" = excluded."upload_id", "claimed_until" = NULL'
    # Due again now, unless a resolve job holds the row: it is being checked this moment, and
    # making it due would let a second job take it before the first one has written.
    + ', "next_check_at" = CASE WHEN "shipment"."claim_token" IS NULL'
    + ' THEN excluded."next_check_at" ELSE "shipment"."next_check_at" END'
)
_DEFAULTED = [f for f in Shipment._meta.sorted_fields if f.default is not None]


@lru_cache(maxsize=64)
def _initial(detection_reason, minute):
    """The status before any event: it depends only on the detection reason (and the day)."""
    return classify(
        events=[],
        now=minute,
        settings=runtime.setup(),
        detection_reason=detection_reason,
        registered_at=minute,
    )


def _upsert(upload, rows) -> int:
    """Insert new shipments, merge order data into existing ones; return how many existed."""
    if not rows:
        return 0
    existing = (
        Shipment.select(fn.COUNT(Shipment.id))
        .where(Shipment.merchant == upload.merchant_id, Shipment.tracking_number.in_(list(rows)))
        .scalar()
    )
    defaults = {f.name: f.default() if callable(f.default) else f.default for f in _DEFAULTED}
    payload = [
        {**defaults, **{k: v for k, v in r.items() if not k.startswith("_")}} for r in rows.values()
    ]
    # psycopg2 reads % as a parameter mark: the LIKE pattern's wildcards are doubled there.
    execute_each(Shipment, payload, "INSERT", UPSERT)
    return existing
