"""The shipments grid: status tabs with counts, search, sort, paging."""

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_required

from webapp.grid_query import TABS, GridFilter, shipments_matching, status_counts
from webapp.htmx import render

bp = Blueprint("shipments", __name__, url_prefix="/shipments")
PAGE_SIZE = 50
HIGHLIGHT = {"alert", "undelivered"}


def home():
    """The start page: the grid for merchants, the log-in page for visitors."""
    target = "shipments.index" if current_user.is_authenticated else "auth.login"
    return redirect(url_for(target))


@bp.get("")
@login_required
def index():
    """The grid page; htmx requests get only the grid partial (tabs, table, pager)."""
    grid = GridFilter.from_args(request.args)
    page = max(request.args.get("page", 1, type=int), 1)
    rows = list(shipments_matching(current_user.id, grid).paginate(page, PAGE_SIZE + 1))
    return render(
        "shipments/index.html",
        "shipments/_grid.html",
        shipments=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        page=page,
        grid=grid,
        tabs=TABS,
        counts=status_counts(current_user.id),
        highlight=HIGHLIGHT,
    )
