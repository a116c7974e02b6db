"""The overview's numbers: few GROUP BY queries, so the page stays quick on a million rows."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from flask import url_for
from peewee import SQL, Case, fn

from jobs.reports import days_in_transit, first_event_at
from jobs.reports.labels import carrier_name
from jobs.store.grid_query import IDLE_BUCKETS, merchant_shipments, needs_action, status_counts
from jobs.store.models import Shipment, utcnow
from jobs.tracking.classify import STATUSES

TRANSIT_SAMPLE = 5_000  # the latest deliveries the medians are taken over
CARRIER_BARS = 12  # carriers shown; the rest are few parcels each


@dataclass(frozen=True)
class Bar:
    """One chart element: what it counts, how many, and the grid view it opens."""

    label: str
    value: float
    href: str
    kind: str = ""  # a status key or "carrier": picks the colour
    text: str = ""  # the value as shown, when not just the number


def status_bars(merchant_id: int) -> list[Bar]:
    """Shipments per status, each opening that status tab."""
    counts = status_counts(merchant_id)
    return [
        Bar(label, counts.get(key, 0), url_for("shipments.index", status=key), key)
        for key, label in STATUSES
    ]


def needs_action_bars(merchant_id: int) -> list[Bar]:
    """Needs-action parcels per carrier, each opening Needs action filtered to that carrier."""
    rows = (
        merchant_shipments(merchant_id)
        .select(Shipment.carrier, fn.COUNT(Shipment.id).alias("n"))
        # the explicit equality lets the index seek on needs_action instead of scanning it
        .where(Shipment.needs_action == True, needs_action())  # noqa: E712
        .group_by(Shipment.carrier)
        .order_by(SQL("n").desc(), Shipment.carrier)
        .limit(CARRIER_BARS)
        .tuples()
    )
    return [
        Bar(
            carrier_name(code) if code else "Unknown carrier",
            n,
            url_for("shipments.index", status="needs_action", carrier=code or "unknown"),
            "carrier",
        )
        for code, n in rows
    ]


def idle_bars(merchant_id: int, stalled_after: int, now: datetime | None = None) -> list[Bar]:
    """In-transit parcels by days since their last event, each opening that slice of the grid."""
    now = now or utcnow()
    bucket = Case(
        None,
        [
            (Shipment.last_event_at > now - timedelta(days=last + 1), key)
            for key, (_, last) in IDLE_BUCKETS.items()
            if last is not None
        ],
        "31+",
    )
    rows = (
        merchant_shipments(merchant_id)
        .select(bucket.alias("bucket"), fn.COUNT(Shipment.id))
        .where(Shipment.status == "in_transit", Shipment.last_event_at.is_null(False))
        .group_by(SQL("bucket"))
        .order_by()
        .tuples()
    )
    counts = dict(rows)
    return [
        Bar(
            f"{key} days",
            counts.get(key, 0),
            url_for("shipments.index", status="in_transit", idle=key),
            "stalled" if first >= stalled_after else "in_transit",
        )
        for key, (first, _) in IDLE_BUCKETS.items()
    ]


def transit_bars(merchant_id: int, now: datetime | None = None) -> list[Bar]:
    """Median days from shipping to delivery per carrier, over the latest deliveries."""
    now = now or utcnow()
    sample = (
        merchant_shipments(merchant_id)
        .select(
            Shipment.carrier,
            Shipment.status,
            Shipment.reason,
            Shipment.ship_date,
            Shipment.last_event_at,
            first_event_at(),
        )
        .where(Shipment.status == "delivered", Shipment.last_event_at.is_null(False))
        .order_by(Shipment.last_event_at.desc())
        .limit(TRANSIT_SAMPLE)
    )
    days = {}
    for s in sample.iterator():
        value = days_in_transit(s, now)
        if value is not None:
            days.setdefault(s.carrier, []).append(value)
    medians = sorted(
        ((median(v), code, len(v)) for code, v in days.items()), key=lambda m: (-m[0], m[1] or "")
    )
    return [
        Bar(
            carrier_name(code) if code else "Unknown carrier",
            value,
            url_for("shipments.index", status="delivered", carrier=code or "unknown"),
            "carrier",
            f"{value:g} d · {n} parcel{'s' if n > 1 else ''}",
        )
        for value, code, n in medians[:CARRIER_BARS]
    ]
