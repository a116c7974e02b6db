"""Exception reports: the rows of a shipment query, the Exceptions preset, CSV and XLSX writers.

The web download, `parceldesk report` and the daily digest all call these, so the three give
the same file for the same query.
"""

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from peewee import Case, fn

from jobs.reports.csv_cells import csv_rows
from jobs.reports.labels import carrier_name, reason_label, status_label
from jobs.store.grid_query import merchant_shipments, needs_action
from jobs.store.models import FOLLOWUP_STATES, Shipment, TrackingEvent, Upload, utcnow
from jobs.tracking.classify import explain

COLUMNS = [
    ("Order ID", 14),
    ("Tracking number", 24),
    ("Carrier", 16),
    ("Status", 13),
    ("Reason", 24),
    ("Explanation and recommended action", 60),
    ("Last event", 40),
    ("Last event time", 18),
    ("Last location", 20),
    ("Days since last event", 10),
    ("Days in transit", 10),
    ("Customer name", 22),
    ("Email", 28),
    ("Destination country", 10),
    ("Upload", 24),
    ("Follow-up", 11),
    ("Note", 40),
]
HEADER = [name for name, _ in COLUMNS]
STATUS_COLUMN = HEADER.index("Status")
FOLLOWUP_LABELS = {state: state.capitalize() for state in FOLLOWUP_STATES}
PRESETS = ("exceptions",)
# The Exceptions report lists the most urgent first: what the merchant must act on today.
URGENCY = ["alert", "undelivered", "pick_up", "in_transit", "returned", "not_found", "expired"]
LAST_EVENT_COLUMN = HEADER.index("Last event time")  # in the merchant timezone (Account page)


def exceptions(merchant_id: int, settings=None, now: datetime | None = None):
    """The Exceptions preset: the merchant's Needs action queue, the most urgent first.

    The same condition as the grid's Needs action tab and the digest (`needs_action()`): what
    the classifier flagged, less what the merchant marked resolved. `settings` and `now` are
    kept for callers; the classifier already applied the time rules when it set the flag.
    """
    return (
        merchant_shipments(merchant_id)
        .where(needs_action())
        .order_by(
            Case(Shipment.status, [(key, rank) for rank, key in enumerate(URGENCY)], len(URGENCY)),
            Shipment.last_event_at.asc(nulls="LAST"),
            Shipment.id,
        )
    )


def report_rows(query, now: datetime | None = None, zone: str | None = None) -> Iterator[list]:
    """One list of cell values per shipment of `query`, in HEADER order, streamed from the DB.

    Times are in the merchant's timezone `zone` (an IANA name; UTC when None).
    """
    now = now or utcnow()
    uploads = _upload_names(query)
    for s in query.select_extend(first_event_at()).iterator():
        row = _row(s, uploads, now)
        if zone and s.last_event_at:
            row[LAST_EVENT_COLUMN] = _local(row[LAST_EVENT_COLUMN], zone)
        yield row


def _local(moment: datetime, zone: str) -> datetime:
    from datetime import UTC
    from zoneinfo import ZoneInfo

    try:
        target = ZoneInfo(zone)
    except (KeyError, ValueError):
        return moment
    return moment.replace(tzinfo=UTC).astimezone(target).replace(tzinfo=None)


def first_event_at():
    """A column: the time of the shipment's first event (an index lookup per row)."""
    return (
        TrackingEvent.select(fn.MIN(TrackingEvent.time))
        .where(TrackingEvent.shipment == Shipment.id)
        .alias("first_event_at")
    )


def _upload_names(query) -> dict:
    """Upload id → file name for the merchant(s) of `query` (a handful of rows, one query)."""
    merchants = query.select(Shipment.merchant).distinct().order_by()
    rows = Upload.select(Upload.id, Upload.filename).where(Upload.merchant.in_(merchants))
    return {u.id: u.filename for u in rows.iterator()}


def _row(s, uploads, now) -> list:
    return [
        s.order_ids or s.order_id or "",  # every order of a combined shipment
        s.tracking_number,
        carrier_name(s.carrier) if s.carrier else "",
        status_label(s.status),
        reason_label(s.reason),
        _advice(s.status, s.reason),
        s.last_event_text or "",
        s.last_event_at.replace(microsecond=0) if s.last_event_at else None,
        s.last_event_location or "",
        _days(now, s.last_event_at),
        days_in_transit(s, now),
        s.customer_name or "",
        s.email or "",
        s.country or "",
        uploads.get(s.upload_id, ""),
        FOLLOWUP_LABELS.get(s.followup, s.followup),
        s.note or "",
    ]


def _advice(status, reason) -> str:
    try:
        explanation, action = explain(status, reason)
    except ValueError:  # a pair this version does not know: say nothing rather than fail
        return ""
    return f"{explanation} Next step: {action}"


def _days(later: datetime, earlier: datetime | None) -> int | None:
    if earlier is None:
        return None
    return max(0, (later - earlier) // timedelta(days=1))


def _as_datetime(value) -> datetime | None:
    """MIN() over a subquery comes back as text on SQLite and as a datetime on PostgreSQL."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    return datetime.fromisoformat(str(value))


def days_in_transit(s, now) -> int | None:
    """From the ship date (or first event) to delivery, or to now while it is still on its way."""
    start = _as_datetime(s.ship_date) or _as_datetime(getattr(s, "first_event_at", None))
    if start is None:
        return None
    finished = s.status == "delivered" or (s.status, s.reason) == ("returned", "returned_to_sender")
    end = s.last_event_at if finished and s.last_event_at else now
    return _days(end, start)


def text_cells(row: list) -> list:
    """The row as CSV cells: times as 'YYYY-MM-DD HH:MM:SS', nothing as empty."""
    return [
        v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime) else ("" if v is None else v)
        for v in row
    ]


def csv_chunks(rows: Iterable[list]) -> Iterator[str]:
    """CSV text of a report (UTF-8 BOM, formula-like text neutralised), chunk by chunk."""
    return csv_rows(HEADER, (text_cells(row) for row in rows))


def write_csv(rows: Iterable[list], path) -> int:
    """Write a report as CSV to `path`; return the number of data rows."""
    count = -1
    with open(path, "w", encoding="utf-8", newline="") as out:
        for chunk in csv_chunks(rows):
            out.write(chunk)
            count += 1
    return count


def write_report(rows: Iterable[list], fmt: str, path) -> int:
    """Write a report in `fmt` ('csv' or 'xlsx') to `path`; return the number of data rows."""
    if fmt == "csv":
        return write_csv(rows, path)
    if fmt == "xlsx":
        from jobs.reports.xlsx import write_xlsx

        return write_xlsx(rows, path)
    raise ValueError(f"unknown report format {fmt!r}; use csv or xlsx")


def report_query(merchant_id: int, preset: str | None = None, grid=None):
    """The query of a report: a preset, or exactly the grid's filtered view (`grid`)."""
    from jobs.store.grid_query import GridFilter, shipments_matching

    if preset == "exceptions":
        return exceptions(merchant_id)
    if preset is not None:
        raise ValueError(f"unknown preset {preset!r}; use one of {', '.join(PRESETS)}")
    return shipments_matching(merchant_id, grid or GridFilter())


def report_filename(fmt: str, preset: str | None = None, grid=None, today=None) -> str:
    """A download name that says what the file holds and when it was made."""
    view = preset or (grid.status if grid is not None else "all")
    return f"parceldesk-{view.replace('_', '-')}-{(today or utcnow().date()).isoformat()}.{fmt}"
