"""Tab counts that stay cheap over a million rows: recounted only when the merchant's data moved.

Counting a million index entries takes longer than a grid request may, and the counts are asked
for on every tab switch and every live poll. Every write that can change a count leaves a trace
that is cheap to read from an index: a resolve sets `checked_at`, a follow-up sets `followup_at`,
an import ends by updating its upload's counters. The counts are kept per merchant with that
trace as their version, and recounted when it differs (or after MAX_AGE, as a safety net).
"""

import time
from threading import Lock

from peewee import fn

from jobs.store.grid_query import (
    STATUSES,
    GridFilter,
    search_matches_counted,
    shipments_in_view,
    status_counts,
)
from jobs.store.models import Merchant, Shipment, Upload

MAX_AGE = 60.0  # seconds
MAX_MERCHANTS = 1000
_cache: dict[int, tuple[tuple, float, dict]] = {}
_lock = Lock()


def data_version(merchant_id: int) -> tuple | None:
    """A value that changes whenever a count may have; None while an import is storing rows."""
    uploads = (
        Upload.select(
            fn.COUNT(Upload.id),
            fn.SUM(Upload.imported + Upload.duplicates),
            fn.SUM(Upload.state.in_(["queued", "parsing"]).cast("int")),
        )
        .where(Upload.merchant == merchant_id)
        .tuples()
        .get()
    )
    if uploads[2]:
        return None  # rows arrive without any trace until the import finishes
    mine = Shipment.merchant == merchant_id
    # The account's creation time tells apart two databases that reuse a merchant id (tests).
    born = Merchant.select(Merchant.created_at).where(Merchant.id == merchant_id).scalar()
    checked = Shipment.select(fn.MAX(Shipment.checked_at)).where(mine).scalar()
    followed = Shipment.select(fn.MAX(Shipment.followup_at)).where(mine).scalar()
    return (str(born), uploads[0], uploads[1], str(checked), str(followed))


def _remembered(store: dict, merchant_id: int, compute):
    """compute(), kept per merchant until its data version moves (or MAX_AGE passes)."""
    version = data_version(merchant_id)
    now = time.monotonic()
    cached = store.get(merchant_id)
    if version is not None and cached and cached[0] == version and now - cached[1] < MAX_AGE:
        return cached[2]
    value = compute()
    with _lock:
        if len(store) >= MAX_MERCHANTS:
            store.clear()
        store[merchant_id] = (version, now, value)
    return value


def tab_counts(merchant_id: int) -> dict:
    """status_counts(merchant_id), recounted only when the merchant's data version changed."""
    return dict(_remembered(_cache, merchant_id, lambda: status_counts(merchant_id)))


_carriers: dict[int, tuple[tuple, float, list]] = {}


def merchant_carriers(merchant_id: int) -> list:
    """The carrier codes among the merchant's shipments, re-read when its data version moved."""
    # The overview's index (merchant, needs_action, carrier, followup) holds every carrier.
    query = (
        Shipment.select(Shipment.carrier)
        .where(Shipment.merchant == merchant_id, Shipment.carrier.is_null(False))
        .distinct()
        .tuples()
    )
    return list(_remembered(_carriers, merchant_id, lambda: [code for (code,) in query]))


COUNT_CAP = 1000  # a filtered view counts exactly up to this many rows, then says "1,000+"


def view_counts(merchant_id: int, grid: GridFilter) -> dict:
    """The tab counts of the view: every tab under the same search and filters as the grid.

    Counting every match of a common word in a million rows costs seconds, so the view's rows
    are read up to COUNT_CAP (status and follow-up only, stopping there): below it the counts
    are exact, above it "All" says COUNT_CAP+ and the status tabs say they were not counted.
    A search alone whose look-up already counted more than COUNT_CAP matches reads nothing.
    """
    if not grid.filtered():
        return tab_counts(merchant_id)
    if (
        not grid.filtered_beyond_search()
        and search_matches_counted(grid.q, merchant_id) > COUNT_CAP
    ):
        return {"all": COUNT_CAP, "capped": True}
    everywhere = shipments_in_view(merchant_id, GridFilter(**{**grid.__dict__, "status": "all"}))
    columns = (Shipment.status, Shipment.needs_action, Shipment.followup)
    rows = list(everywhere.select(*columns).limit(COUNT_CAP + 1).tuples())
    if len(rows) > COUNT_CAP:
        return {"all": COUNT_CAP, "capped": True}
    counts = {key: 0 for key, _ in STATUSES}
    for status, *_ in rows:
        counts[status] = counts.get(status, 0) + 1
    counts["all"] = len(rows)
    counts["needs_action"] = sum(1 for _, flagged, f in rows if flagged and f != "resolved")
    return counts
