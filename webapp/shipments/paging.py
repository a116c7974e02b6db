"""Keyset paging of the grid: each page starts after the last row of the previous one."""

from dataclasses import replace
from datetime import date, datetime

from jobs.store.grid_query import (
    SORTS,
    GridFilter,
    exact_condition,
    search_sorts_matches,
    search_text,
    shipments_in_view,
)
from jobs.store.models import Shipment
from jobs.tracking.taxonomy import STATUS_KEYS

EXACT_MAX = 20  # exact matches shown first (one number; an order id can span a few parcels)


def encode_cursor(shipment, sort: str) -> str:
    """The cursor after `shipment` in `sort` order: 'value~id', the value empty for NULL."""
    column, _ = SORTS[sort]
    value = None if column is None else getattr(shipment, column.name)
    text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else value
    return f"{text}~{shipment.id}"


def decode_cursor(cursor: str, sort: str):
    """(value, id) of a cursor, or None when it is missing or malformed."""
    text, _, ident = cursor.rpartition("~")
    if not ident.isdigit():
        return None
    column, _ = SORTS[sort]
    if column is None or text == "":
        return None if column is None and text else (None, int(ident))
    try:
        return _parse(column, text), int(ident)
    except ValueError:
        return None


def _parse(column, text):
    if column is Shipment.last_event_at:
        return datetime.fromisoformat(text)
    if column is Shipment.ship_date:
        return date.fromisoformat(text)
    return text


def _after(column, direction, value, ident):
    """Rows after (value, ident): a range the index walks, then the tie-break on the id."""
    if direction == "desc":
        return (column <= value) & ((column < value) | (Shipment.id < ident))
    return (column >= value) & ((column > value) | (Shipment.id > ident))


def _id_after(direction, ident):
    return Shipment.id < ident if direction == "desc" else Shipment.id > ident


def _id_order(direction):
    return Shipment.id.desc() if direction == "desc" else Shipment.id.asc()


def grid_page(merchant_id: int, grid: GridFilter, size: int):
    """One page of the view after the filter's cursor, and the cursor of the next page (or '')."""
    column, direction = SORTS[grid.sort]
    if column is Shipment.status and grid.status in STATUS_KEYS:
        # One status tab sorted by status is in id order; a range on the status would let
        # SQLite (without statistics) leave the index's order and sort the whole tab.
        column = None
    cursor = decode_cursor(grid.after, grid.sort) if grid.after else None
    sort_matches = bool(grid.q) and search_sorts_matches(grid.q, merchant_id)
    base = shipments_in_view(merchant_id, grid, walk=not sort_matches)
    exact = []
    if search_text(grid.q):  # the exact number or order id first, then the rest in order
        # An exact number or order id contains the term: the view without the search holds it.
        unsearched = shipments_in_view(merchant_id, replace(grid, q=""))
        exact = unsearched.where(exact_condition(grid.q)).order_by(Shipment.id).limit(EXACT_MAX)
        exact = list(exact)
        if exact:
            base = base.where(Shipment.id.not_in([row.id for row in exact]))
    if column is None:
        rows = base.where(_id_after(direction, cursor[1])) if cursor else base
        rows = list(rows.order_by(_id_order(direction)).limit(size + 1))
    elif sort_matches:  # few matches, already found
        rows = _one_query(base, column, direction, cursor, size + 1)
    else:
        rows = _two_segments(base, column, direction, cursor, size + 1)
    more = len(rows) > size
    first = exact if cursor is None else []
    return first + rows[:size], encode_cursor(rows[size - 1], grid.sort) if more else ""


def _two_segments(base, column, direction, cursor, limit):
    """Rows with a value in index order, then rows without one (NULLs last on both engines)."""
    rows = []
    if cursor is None or cursor[0] is not None:
        valued = base.where(column.is_null(False))
        if cursor is not None:
            valued = valued.where(_after(column, direction, *cursor))
        order = column.desc() if direction == "desc" else column.asc()
        rows = list(valued.order_by(order, _id_order(direction)).limit(limit))
    if len(rows) < limit and column.null:
        empty = base.where(column.is_null())
        if cursor is not None and cursor[0] is None:
            empty = empty.where(_id_after(direction, cursor[1]))
        # The column is NULL throughout, so ordering by it changes nothing, but it tells
        # PostgreSQL the index hands the rows over in order (IS NULL is no equality to it).
        order = column.desc() if direction == "desc" else column.asc()
        rows += list(empty.order_by(order, _id_order(direction)).limit(limit - len(rows)))
    return rows


def _one_query(base, column, direction, cursor, limit):
    """The same order as _two_segments in a single statement (NULLs last on both engines)."""
    if cursor is not None:
        value, ident = cursor
        if value is None:
            base = base.where(column.is_null() & _id_after(direction, ident))
        else:
            base = base.where(_after(column, direction, value, ident) | column.is_null())
    order = column.desc(nulls="LAST") if direction == "desc" else column.asc(nulls="LAST")
    return list(base.order_by(order, _id_order(direction)).limit(limit))
