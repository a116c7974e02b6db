"""Bulk-generate realistic shipments for one merchant, fast, for benchmarks and demos."""

import io
import random
import sys
import time
from datetime import date, datetime, timedelta

from peewee import SqliteDatabase
from playhouse.shortcuts import chunked

from jobs.store.database import open_database
from jobs.store.migrations import migrate
from jobs.store.models import Merchant, Shipment, TrackingEvent, Upload, db
from jobs.store.search_index import drop_search_index, ensure_search_index
from jobs.tracking.taxonomy import REASONS

# Share of each status in a typical merchant's list (most parcels arrive).
STATUS_WEIGHTS = {
    "delivered": 55,
    "in_transit": 20,
    "pick_up": 5,
    "not_found": 5,
    "undelivered": 4,
    "alert": 3,
    "expired": 4,
    "returned": 4,
}
CARRIERS = ["ups", "usps", "fedex", "dhl-express", "dpd", "gls", "colissimo", "yunexpress"]
FIRST = ["Ann", "Bob", "Cy", "Dee", "Eve", "Finn", "Gail", "Hugo", "Ines", "Jon", "Kim", "Lea"]
LAST = ["Archer", "Baker", "Cole", "Dunn", "Evans", "Fox", "Green", "Hill", "Ito", "Jones"]
UPLOADS = 10
CHUNK = 1500  # rows per statement: under SQLite's 32,766 bound variables
COLUMNS = (
    "merchant", "upload", "tracking_number", "carrier", "order_id", "customer_name", "email",
    "ship_date", "status", "reason", "needs_action", "stalled", "last_event_at",
    "last_event_text", "checked_at", "next_check_at", "followup", "note", "created_at",
    "candidates",
)  # fmt: skip


def _needs_action(status, reason, stalled, age_days):
    return (
        status in ("alert", "undelivered", "returned", "expired")
        or (status, reason) == ("pick_up", "collection_deadline_near")
        or stalled
        or (status == "not_found" and age_days > 3)
    )


def shipment_row(rng, merchant_id, upload_ids, i, now):
    """One shipment as a tuple in COLUMNS order; `i` makes its tracking number unique."""
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    reason = rng.choice(REASONS[status])
    age = rng.randint(0, 90)
    shipped = now - timedelta(days=age, seconds=rng.randint(0, 86_400))
    last_event = (
        None if status == "not_found" else shipped + timedelta(hours=rng.randint(1, 24 * age + 1))
    )
    stalled = status == "in_transit" and last_event is not None and (now - last_event).days > 7
    action = _needs_action(status, reason, stalled, age)
    followup = rng.choices(["open", "contacted", "resolved"], [70, 15, 15])[0] if action else "open"
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return (
        merchant_id, upload_ids[i % len(upload_ids)], f"SBX{merchant_id:03d}{i:010d}",
        rng.choice(CARRIERS), f"#{100000 + i}", f"{first} {last}",
        f"{first.lower()}.{last.lower()}{i}@example.com", shipped.date(), status, reason,
        action, stalled, last_event, "Seeded event" if last_event else None, now,
        None if status in ("delivered", "expired") else now + timedelta(hours=6), followup, "",
        shipped, "",
    )  # fmt: skip


def _merchant(merchant_id):
    Merchant.insert(
        id=merchant_id, email=f"seed-{merchant_id}@example.com", password_hash="!"
    ).on_conflict_ignore().execute()
    now = datetime(2026, 1, 1)
    rows = [
        {"merchant": merchant_id, "filename": f"seed-{n}.csv", "state": "done", "created_at": now}
        for n in range(UPLOADS)
    ]
    first = Upload.insert_many(rows).execute()
    uploads = Upload.select(Upload.id).where(Upload.merchant == merchant_id)
    return [u.id for u in uploads.order_by(Upload.id.desc()).limit(UPLOADS)] or [first]


def _insert(database, rows):
    """SQLite: one prepared statement run per row in C; PostgreSQL: COPY."""
    if isinstance(database, SqliteDatabase):
        marks = ", ".join("?" * len(COLUMNS))
        names = ", ".join(f'"{Shipment._meta.fields[c].column_name}"' for c in COLUMNS)
        sql = f'INSERT INTO "shipment" ({names}) VALUES ({marks})'
        database.cursor().executemany(sql, [_sqlite_values(r) for r in rows])
    else:  # COPY: the generated values hold no tabs, newlines or backslashes
        names = ", ".join(Shipment._meta.fields[c].column_name for c in COLUMNS)
        text = "".join(
            "\t".join("\\N" if v is None else str(v) for v in row) + "\n" for row in rows
        )
        database.cursor().copy_expert(f"COPY shipment ({names}) FROM STDIN", io.StringIO(text))


def url_is_sqlite(url: str) -> bool:
    """Whether a database URL names SQLite."""
    return url.startswith("sqlite")


def _sqlite_values(row):
    return tuple(
        v.isoformat(" ") if isinstance(v, datetime) else v.isoformat() if isinstance(v, date) else v
        for v in row
    )


def _add_events(shipment_ids, rng, per_shipment):
    rows = []
    for sid in shipment_ids:
        start = datetime(2026, 1, 1) + timedelta(minutes=rng.randint(0, 100_000))
        for n in range(per_shipment):
            at = start + timedelta(hours=12 * n)
            rows.append({"shipment": sid, "time": at, "text": f"Scan {n + 1}", "location": "Hub"})
    for chunk in chunked(rows, CHUNK):
        TrackingEvent.insert_many(chunk).execute()


def seed(merchant_id: int, n: int, database_url: str, events_per_shipment: int = 0) -> float:
    """Add n shipments (and optionally events) to the merchant; returns the seconds it took."""
    started = time.perf_counter()
    database = open_database(database_url)
    migrate()
    rng = random.Random(merchant_id * 7919 + n)
    now = datetime.now().replace(microsecond=0)
    base = Shipment.select().where(Shipment.merchant == merchant_id).count()
    with db.atomic():
        uploads = _merchant(merchant_id)
    indexes = _drop_indexes(database)  # building them once at the end is far faster
    for start in range(0, n, 50_000):
        rows = [
            shipment_row(rng, merchant_id, uploads, base + i, now)
            for i in range(start, min(n, start + 50_000))
        ]
        with db.atomic():
            _insert(database, rows)
    _restore_indexes(database, indexes)
    if events_per_shipment:
        ids = [s.id for s in Shipment.select(Shipment.id).where(Shipment.merchant == merchant_id)]
        with db.atomic():
            _add_events(ids, rng, events_per_shipment)
    # Fresh statistics (and, on PostgreSQL, the visibility map index-only scans rely on).
    database.execute_sql("ANALYZE" if url_is_sqlite(database_url) else "VACUUM ANALYZE shipment")
    return time.perf_counter() - started


def _drop_indexes(database):
    """Drop the shipment table's non-unique indexes (unique ones must guard the insert)."""
    dropped = [i for i in Shipment._meta.fields_to_index() if not i._unique]
    for index in dropped:
        database.execute_sql(f'DROP INDEX IF EXISTS "{index._name}"')
    drop_search_index(database)  # trigram indexes (and SQLite's FTS triggers) likewise
    return dropped


def _restore_indexes(database, indexes):
    Shipment._schema.create_indexes(safe=True)
    ensure_search_index(database)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    url = sys.argv[2] if len(sys.argv) > 2 else "sqlite:///bench/data/seed.db"
    print(f"seeded {count} shipments in {seed(1, count, url):.1f} s")
