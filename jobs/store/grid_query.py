"""The grid's filter state and the one query behind the grid, its counts and its reports."""

import re
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, timedelta

from peewee import fn

from jobs.store import search
from jobs.store.database import is_postgres
from jobs.store.models import FOLLOWUP_STATES, Shipment, Upload, utcnow
from jobs.store.search import ids_condition, like_condition, look_up, substring_condition
from jobs.tracking.classify import STATUSES

TABS = [("all", "All"), ("needs_action", "Needs action"), *STATUSES]
SORT_LABELS = {
    "last_event": "Latest event first",
    "oldest_event": "Days without update",
    "status": "Status",
    "ship_date": "Ship date (newest first)",
    "newest": "Newest upload",
}
SORTS = {  # column (or None for the id alone) and direction; the id breaks ties the same way
    "last_event": (Shipment.last_event_at, "desc"),
    "oldest_event": (Shipment.last_event_at, "asc"),
    "status": (Shipment.status, "asc"),
    "ship_date": (Shipment.ship_date, "desc"),
    "newest": (None, "desc"),
}
RUNNING_UPLOADS = ("queued", "parsing", "resolving")
# A pasted number: search it by prefix through the indexes instead of scanning every row.
NUMBER_LIKE = re.compile(r"^(?=.*\d)[A-Z0-9]{8,}$")


PAGE_ROWS = 50  # rows per grid page
TRAIL_SEP, TRAIL_PAGES, TRAIL_CHARS = "|", 20, 2000


def _number(text) -> int:
    text = str(text or "")
    return min(int(text), 10**9) if text.isdigit() and len(text) < 11 else 0


# Days without an update, as (first, last) whole days; the overview's histogram links to these.
IDLE_BUCKETS = {
    "0-1": (0, 1),
    "2-3": (2, 3),
    "4-7": (4, 7),
    "8-14": (8, 14),
    "15-30": (15, 30),
    "31+": (31, None),
}


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except (TypeError, ValueError):
        return ""


def _choice(value, allowed, default):
    return value if value in allowed else default


@dataclass(frozen=True)
class GridFilter:
    """What the merchant is looking at; it lives in the URL's query string."""

    status: str = "all"
    q: str = ""
    sort: str = "last_event"
    carrier: str = ""  # a carrier code, or "unknown" for parcels whose carrier is not known
    idle: str = ""  # a key of IDLE_BUCKETS: days since the last event
    upload: int | None = None
    shipped_from: str = ""
    shipped_to: str = ""
    followup: str = ""
    stalled: bool = False
    uncertain: bool = False  # only statuses inferred from wording no rule knows
    after: str = ""  # keyset cursor: the last row of the previous page
    start: int = 0  # how many rows come before this page (for "51–100 of 1,234")
    trail: str = ""  # cursors of the pages before the previous one, for "Previous page"

    @classmethod
    def from_args(cls, args) -> "GridFilter":
        """Read the filter from request args, falling back to defaults for unknown values."""
        upload = str(args.get("upload", ""))
        return cls(
            status=_choice(args.get("status", "all"), dict(TABS), "all"),
            q=args.get("q", "").strip()[:100],
            sort=_choice(args.get("sort", "last_event"), SORTS, "last_event"),
            carrier=args.get("carrier", "").strip().lower()[:64],
            idle=_choice(args.get("idle", ""), IDLE_BUCKETS, ""),
            upload=int(upload) if upload.isdigit() else None,
            shipped_from=_date(args.get("shipped_from", "")),
            shipped_to=_date(args.get("shipped_to", "")),
            followup=_choice(args.get("followup", ""), FOLLOWUP_STATES, ""),
            stalled=args.get("stalled", "") in ("1", "on", "true"),
            uncertain=args.get("uncertain", "") in ("1", "on", "true"),
            after=args.get("after", "")[:80],
            start=_number(args.get("start", "")),
            trail=args.get("trail", "")[:TRAIL_CHARS],
        )

    def to_args(self, **changes) -> dict:
        """Query-string arguments of this filter with `changes`, defaults left out.

        Any change other than the cursor itself starts again at the first page.
        """
        if "after" not in changes:
            changes.update(after="", start=0, trail="")
        values = asdict(replace(self, **changes))
        values["stalled"] = "1" if values["stalled"] else ""
        values["uncertain"] = "1" if values["uncertain"] else ""
        defaults = {f.name: f.default for f in fields(GridFilter)}
        return {k: v for k, v in values.items() if v not in ("", None, False, defaults[k])}

    def next_args(self, cursor: str, shown: int) -> dict:
        """Arguments of the page after this one, which ends at `cursor`."""
        trail = [c for c in self.trail.split(TRAIL_SEP) if c] + ([self.after] if self.after else [])
        return self.to_args(
            after=cursor, start=self.start + shown, trail=TRAIL_SEP.join(trail[-TRAIL_PAGES:])
        )

    def previous_args(self) -> dict:
        """Arguments of the page before this one (the first page when the trail is lost)."""
        trail = [c for c in self.trail.split(TRAIL_SEP) if c]
        if not trail or self.start <= 0:
            return self.to_args()
        start = max(0, self.start - PAGE_ROWS)
        return self.to_args(after=trail[-1], start=start, trail=TRAIL_SEP.join(trail[:-1]))

    def filtered(self) -> bool:
        """Whether anything besides the tab and the sort narrows the view."""
        return bool(self.q) or self.filtered_beyond_search()

    def filtered_beyond_search(self) -> bool:
        """Whether a filter other than the search narrows the view."""
        return any(
            (self.carrier, self.idle, self.upload, self.shipped_from, self.shipped_to)
        ) or bool(self.followup or self.stalled)


def merchant_shipments(merchant_id: int):
    """Every shipment query starts here, so no merchant ever sees another's shipments."""
    return Shipment.select().where(Shipment.merchant == merchant_id)


def needs_action():
    """The follow-up queue: flagged by the classifier and not marked resolved by the merchant."""
    # Written exactly as the partial index shipment_needs_action_queue_v2, so both engines use it.
    return (Shipment.needs_action == True) & (Shipment.followup != "resolved")  # noqa: E712


def search_text(q: str) -> str:
    """What the search looks for: the typed text without a leading '#' (order ids)."""
    return q.strip().lstrip("#").strip()


def search_condition(q: str, merchant_id: int, walk: bool = False):
    """Any part of the tracking number, order id, customer name or email (case-insensitive).

    A pasted number is found through the same trigram index as a word, so its last digits or
    a middle part find it too; grid_page puts the exact number (or order id) first. `walk`:
    the condition of a page walked in the grid's order (see search.ids_condition).
    """
    q = search_text(q)
    number = normalized_number(q)
    if not q:
        return None
    found = look_up(q, number, merchant_id)
    if found.many:  # tested row by row while walking the grid's order
        return like_condition(q, number, walk=True)
    if found.ids is not None:  # every match, found through the trigram index: read by id
        return ids_condition(found.ids, walk=walk and len(found.ids) > search.SORT_MAX)
    # A short term, rare in a sample: one pass over the merchant's rows testing each, then
    # sorted; a rare word must not cost a walk in the grid's order.
    matching = substring_condition(q, number)
    return Shipment.id.in_(merchant_shipments(merchant_id).select(Shipment.id).where(matching))


def exact_condition(q: str):
    """The rows whose whole tracking number or order id is the search text (shown first)."""
    q = search_text(q)
    number = normalized_number(q)
    orders = [q, f"#{q}"]
    return (Shipment.tracking_number == number) | Shipment.order_id.in_(orders)


def search_sorts_matches(q: str, merchant_id: int) -> bool:
    """Whether the search finds few rows, to sort in one query, rather than walking the order."""
    q = search_text(q)
    found = look_up(q, normalized_number(q), merchant_id)
    return not found.many and (found.ids is None or len(found.ids) <= search.SORT_MAX)


def search_matches_counted(q: str, merchant_id: int) -> int:
    """How many matches of the search its look-up counted (at least; 0 when it counted none)."""
    q = search_text(q)
    return look_up(q, normalized_number(q), merchant_id).counted if q else 0


def normalized_number(q: str) -> str:
    """The search text as a tracking number is stored: no spaces or dashes, upper case."""
    return re.sub(r"[\s-]", "", q).upper()


def _tab_condition(status: str):
    if status == "needs_action":
        return needs_action()
    if status != "all":
        return Shipment.status == status
    return None


def filter_conditions(grid: GridFilter, merchant_id: int, walk: bool = False) -> list:
    """The where-clauses of the filter's tab, search and filters (no cursor, no order)."""
    optional = [
        (grid.status, lambda: _tab_condition(grid.status)),
        (grid.q, lambda: search_condition(grid.q, merchant_id, walk)),
        (grid.carrier, lambda: _carrier_condition(grid.carrier)),
        (grid.idle, lambda: idle_condition(grid.idle)),
        (grid.upload, lambda: Shipment.upload == grid.upload),
        (grid.shipped_from, lambda: _ship_date_from(grid, grid.shipped_from)),
        (grid.shipped_to, lambda: _ship_date_to(grid, grid.shipped_to)),
        (grid.followup, lambda: Shipment.followup == grid.followup),
        (grid.stalled, lambda: Shipment.stalled == True),  # noqa: E712 (SQL, not Python)
        (grid.uncertain, lambda: Shipment.status_inferred == True),  # noqa: E712
    ]
    conditions = [make() for value, make in optional if value]
    return [c for c in conditions if c is not None]  # a search of only "#" narrows nothing


def _ship_date(grid: GridFilter):
    """The ship date as a range filter compares it (an ISO date compares the same way).

    Under the ship-date sort the column's index gives both the range and the order. Under any
    other sort SQLite, which cannot tell how many rows a range holds, would rather read and
    sort the whole range than walk the sort's index and stop after a page; there the range is
    compared through an expression no index answers (test_query_plans checks this).
    PostgreSQL knows the range's size from its statistics and chooses for itself.
    """
    if grid.sort == "ship_date" or is_postgres():
        return Shipment.ship_date
    return fn.COALESCE(Shipment.ship_date, Shipment.ship_date)


def _ship_date_from(grid: GridFilter, first: str):
    column = _ship_date(grid)
    return column >= (date.fromisoformat(first) if column is Shipment.ship_date else first)


def _ship_date_to(grid: GridFilter, last: str):
    column = _ship_date(grid)
    return column <= (date.fromisoformat(last) if column is Shipment.ship_date else last)


def _carrier_condition(carrier: str):
    return Shipment.carrier.is_null() if carrier == "unknown" else Shipment.carrier == carrier


def idle_condition(bucket: str, now=None):
    """Last event between the bucket's first and last whole days ago (compared as times)."""
    first, last = IDLE_BUCKETS[bucket]
    now = now or utcnow()
    condition = Shipment.last_event_at <= now - timedelta(days=first)
    if last is not None:
        condition &= Shipment.last_event_at > now - timedelta(days=last + 1)
    return condition


def shipments_in_view(merchant_id: int, grid: GridFilter, walk: bool = False):
    """The merchant's shipments matching the filter, unordered (bulk actions, exports)."""
    rows = merchant_shipments(merchant_id)
    for condition in filter_conditions(grid, merchant_id, walk):
        rows = rows.where(condition)
    return rows


def shipments_matching(merchant_id: int, grid: GridFilter):
    """The merchant's shipments in the filter's tab matching its search, in its sort order."""
    column, direction = SORTS[grid.sort]
    order = [] if column is None else [_ordered(column, direction)]
    order.append(Shipment.id.desc() if direction == "desc" else Shipment.id.asc())
    return shipments_in_view(merchant_id, grid).order_by(*order)


def _ordered(column, direction):
    return column.desc(nulls="LAST") if direction == "desc" else column.asc(nulls="LAST")


def status_counts(merchant_id: int) -> dict:
    """Shipments per status tab, plus 'all' and 'needs_action' (both answered from indexes)."""
    rows = (
        Shipment.select(Shipment.status, fn.COUNT(Shipment.id))
        .where(Shipment.merchant == merchant_id)
        .group_by(Shipment.status)
        .tuples()
    )
    counts = {key: 0 for key, _ in STATUSES}
    counts.update(dict(rows))
    counts["all"] = sum(counts[key] for key, _ in STATUSES)
    counts["needs_action"] = (
        Shipment.select(fn.COUNT(Shipment.id))
        .where(Shipment.merchant == merchant_id, needs_action())
        .scalar()
    )
    return counts


def jobs_running(merchant_id: int) -> bool:
    """True while an upload of the merchant is being imported or any of its shipments is leased."""
    uploading = Upload.select(Upload.id).where(
        Upload.merchant == merchant_id, Upload.state.in_(RUNNING_UPLOADS)
    )
    leased = Shipment.select(Shipment.id).where(
        Shipment.merchant == merchant_id, Shipment.claimed_until > utcnow()
    )
    return uploading.exists() or leased.exists()
