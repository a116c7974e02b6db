"""The grid's filter state and the one query behind the grid, its counts and its reports."""

from dataclasses import asdict, dataclass, replace
from datetime import timedelta

from peewee import fn

from jobs.classify import STATUSES
from webapp.models import Shipment, utcnow

TABS = [("all", "All"), ("needs_action", "Needs action"), *STATUSES]
SORTS = {
    "last_event": (Shipment.last_event_at.desc(nulls="LAST"), Shipment.id.desc()),
    "oldest_event": (Shipment.last_event_at.asc(nulls="LAST"), Shipment.id),
    "status": (Shipment.status, Shipment.id),
    "ship_date": (Shipment.ship_date.desc(nulls="LAST"), Shipment.id.desc()),
    "newest": (Shipment.id.desc(),),
}
# Days without an update, as (first, last) whole days; the overview's histogram links to these.
IDLE_BUCKETS = {
    "0-1": (0, 1),
    "2-3": (2, 3),
    "4-7": (4, 7),
    "8-14": (8, 14),
    "15-30": (15, 30),
    "31+": (31, None),
}


@dataclass(frozen=True)
class GridFilter:
    """What the merchant is looking at; it lives in the URL's query string."""

    status: str = "all"
    q: str = ""
    sort: str = "last_event"
    carrier: str = ""  # a carrier code, or "unknown" for parcels whose carrier is not known
    idle: str = ""  # a key of IDLE_BUCKETS: days since the last event

    @classmethod
    def from_args(cls, args) -> "GridFilter":
        """Read the filter from request args, falling back to defaults for unknown values."""
        status = args.get("status", "all")
        sort = args.get("sort", "last_event")
        return cls(
            status=status if status in dict(TABS) else "all",
            q=args.get("q", "").strip()[:100],
            sort=sort if sort in SORTS else "last_event",
            carrier=args.get("carrier", "").strip().lower()[:64],
            idle=args.get("idle", "") if args.get("idle", "") in IDLE_BUCKETS else "",
        )

    def to_args(self, **changes) -> dict:
        """Query-string arguments of this filter with `changes`, defaults left out."""
        values = asdict(replace(self, **changes))
        return {k: v for k, v in values.items() if v not in ("", None, getattr(GridFilter, k))}


def merchant_shipments(merchant_id: int):
    """Every shipment query starts here, so no merchant ever sees another's shipments."""
    return Shipment.select().where(Shipment.merchant == merchant_id)


def needs_action():
    """The follow-up queue: flagged by the classifier and not marked resolved by the merchant."""
    return Shipment.needs_action & (Shipment.followup != "resolved")


def shipments_matching(merchant_id: int, grid: GridFilter):
    """The merchant's shipments in the filter's tab matching its search, in its sort order."""
    rows = merchant_shipments(merchant_id)
    if grid.status == "needs_action":
        rows = rows.where(needs_action())
    elif grid.status != "all":
        rows = rows.where(Shipment.status == grid.status)
    if grid.q:
        like = f"%{grid.q}%"
        rows = rows.where(
            Shipment.tracking_number.contains(grid.q.upper().replace(" ", ""))
            | Shipment.order_id.ilike(like)
            | Shipment.customer_name.ilike(like)
            | Shipment.email.ilike(like)
        )
    if grid.carrier:
        rows = rows.where(
            Shipment.carrier.is_null()
            if grid.carrier == "unknown"
            else Shipment.carrier == grid.carrier
        )
    if grid.idle:
        rows = rows.where(idle_condition(grid.idle))
    return rows.order_by(*SORTS[grid.sort])


def idle_condition(bucket: str, now=None):
    """Last event between the bucket's first and last whole days ago (compared as times)."""
    first, last = IDLE_BUCKETS[bucket]
    now = now or utcnow()
    condition = Shipment.last_event_at <= now - timedelta(days=first)
    if last is not None:
        condition &= Shipment.last_event_at > now - timedelta(days=last + 1)
    return condition


def status_counts(merchant_id: int) -> dict:
    """Shipments per status tab, plus 'all' and 'needs_action'."""
    rows = (
        Shipment.select(Shipment.status, fn.COUNT(Shipment.id))
        .where(Shipment.merchant == merchant_id)
        .group_by(Shipment.status)
        .tuples()
    )
    counts = {key: 0 for key, _ in STATUSES}
    counts.update(dict(rows))
    counts["all"] = sum(counts[key] for key, _ in STATUSES)
    counts["needs_action"] = merchant_shipments(merchant_id).where(needs_action()).count()
    return counts
