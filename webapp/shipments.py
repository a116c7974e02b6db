"""The shipments grid: status tabs with counts, search, sort, paging."""

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_required
from jobs.classify import STATUSES
from peewee import fn

from webapp.htmx import render
from webapp.models import Shipment

bp = Blueprint("shipments", __name__, url_prefix="/shipments")
PAGE_SIZE = 50
SORTS = {
    "last_event": (Shipment.last_event_at.desc(nulls="LAST"), Shipment.id.desc()),
    "oldest_event": (Shipment.last_event_at.asc(nulls="LAST"), Shipment.id),
    "status": (Shipment.status, Shipment.id),
    "ship_date": (Shipment.ship_date.desc(nulls="LAST"), Shipment.id.desc()),
    "newest": (Shipment.id.desc(),),
}
HIGHLIGHT = {"alert", "undelivered"}


def home():
    """The start page: the grid for merchants, the log-in page for visitors."""
    target = "shipments.index" if current_user.is_authenticated else "auth.login"
    return redirect(url_for(target))


def merchant_shipments(merchant_id: int):
    """Every query starts here, so no merchant ever sees another's shipments."""
    return Shipment.select().where(Shipment.merchant == merchant_id)


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
    counts["needs_action"] = (
        merchant_shipments(merchant_id)
        .where(Shipment.needs_action, Shipment.followup != "resolved")
        .count()
    )
    return counts


def filtered(merchant_id: int, status: str, query: str):
    """The merchant's shipments in one tab, matching the search text."""
    rows = merchant_shipments(merchant_id)
    if status == "needs_action":
        rows = rows.where(Shipment.needs_action, Shipment.followup != "resolved")
    elif status in dict(STATUSES):
        rows = rows.where(Shipment.status == status)
    if query:
        like = f"%{query.strip()}%"
        rows = rows.where(
            Shipment.tracking_number.ilike(like.upper().replace(" ", ""))
            | Shipment.order_id.ilike(like)
            | Shipment.customer_name.ilike(like)
            | Shipment.email.ilike(like)
        )
    return rows


@bp.get("")
@login_required
def index():
    """The grid page; htmx requests get only the grid partial (tabs, table, pager)."""
    status = request.args.get("status", "all")
    query = request.args.get("q", "")[:100]
    sort = request.args.get("sort", "last_event")
    page = max(request.args.get("page", 1, type=int), 1)
    rows = filtered(current_user.id, status, query).order_by(*SORTS.get(sort, SORTS["last_event"]))
    shipments = list(rows.paginate(page, PAGE_SIZE + 1))
    return render(
        "shipments/index.html",
        "shipments/_grid.html",
        shipments=shipments[:PAGE_SIZE],
        has_next=len(shipments) > PAGE_SIZE,
        page=page,
        status=status,
        q=query,
        sort=sort,
        counts=status_counts(current_user.id),
        statuses=STATUSES,
        highlight=HIGHLIGHT,
    )
