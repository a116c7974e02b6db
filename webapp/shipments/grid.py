"""The shipments grid: tabs with counts, search, filters, sorts, keyset pages, live updates."""

from datetime import datetime, timedelta

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from jobs.store.grid_query import (
    PAGE_ROWS,
    SORT_LABELS,
    TABS,
    GridFilter,
    jobs_running,
    merchant_shipments,
)
from jobs.store.models import FOLLOWUP_STATES, Merchant, Shipment, Upload, utcnow
from jobs.tracking.carriers import known_carriers
from webapp.htmx import render, wants_partial
from webapp.shipments.blueprint import bp
from webapp.shipments.counts import merchant_carriers, tab_counts, view_counts
from webapp.shipments.paging import grid_page
from webapp.shipments.query_budget import TOO_BROAD, TOO_MANY, TooBroad, one_of_few, query_budget
from webapp.timezones import local_time, merchant_zone_name, valid_zone, zone_names

PAGE_SIZE = PAGE_ROWS
HIGHLIGHT = {"alert", "undelivered"}
LIVE_EVERY, LIVE_IDLE_EVERY = "2s", "5s"  # while jobs run / afterwards (scheduled checks)
LIVE_OVERLAP = timedelta(seconds=30)  # polls look this much further back (see _since)


def home():
    """The start page: the grid for merchants, the log-in page for visitors."""
    target = "shipments.index" if current_user.is_authenticated else "auth.login"
    return redirect(url_for(target))


@bp.app_template_global()
def days_since(moment) -> int | None:
    """Whole days from `moment` (naive UTC) to now, for "days without update"."""
    return (utcnow() - moment).days if moment else None


bp.add_app_template_global(local_time, "local_time")
bp.add_app_template_global(merchant_zone_name, "zone_name")
bp.add_app_template_global(zone_names, "zone_names")


def grid_context(grid: GridFilter, selected=()) -> dict:
    """Everything _grid.html needs for the merchant's view `grid`."""
    polling = live_context()  # before the query: a change made meanwhile shows at the next poll
    too_broad = ""
    try:
        with query_budget():
            rows, next_cursor = grid_page(current_user.id, grid, PAGE_SIZE)
            counts = view_counts(current_user.id, grid)
            carriers = _carrier_choices(grid.carrier)
    except TooBroad:
        rows, next_cursor, too_broad = [], "", TOO_BROAD
        counts, carriers = tab_counts(current_user.id), _carrier_choices(grid.carrier)
    return {
        "shipments": rows,
        "next_cursor": next_cursor,
        "grid": grid,
        "tabs": TABS,
        "sorts": SORT_LABELS,
        "counts": counts,
        "too_broad": too_broad,
        "highlight": HIGHLIGHT,
        "carriers": carriers,
        "uploads": _recent_uploads(),
        "followup_states": FOLLOWUP_STATES,
        "selected": set(selected),
        "live": polling,
    }


def live_context() -> dict:
    """How often the grid polls, and the server time its next poll asks for changes since.

    It polls even when no job runs: scheduled checks, webhooks and other tabs change statuses
    at any time, and a poll that finds nothing changed is a few index lookups.
    """
    running = jobs_running(current_user.id)
    every = LIVE_EVERY if running else LIVE_IDLE_EVERY
    return {"running": running, "since": utcnow().isoformat(), "every": every}


def _carrier_choices(chosen: str):
    """The carriers of the merchant's own shipments (and the chosen one), by display name."""
    names = dict(known_carriers())
    codes = set(merchant_carriers(current_user.id))
    if chosen and chosen != "unknown":
        codes.add(chosen)
    choices = sorted(((c, names.get(c, c)) for c in codes if c), key=lambda pair: pair[1])
    return [*choices, ("unknown", "Carrier not known")]


def _recent_uploads():
    return (
        Upload.select(Upload.id, Upload.filename, Upload.created_at)
        .where(Upload.merchant == current_user.id)
        .order_by(Upload.id.desc())
        .limit(100)
    )


def _refused():
    """The answer to a merchant whose grid requests already hold all their slots."""
    body, _, headers = render("shipments/refused.html", "shipments/_refused.html", message=TOO_MANY)
    return body, 429, {**headers, "Retry-After": "2"}


def _live_refused():
    return "", 204  # a skipped poll: the next one comes in a few seconds


@bp.get("")
@login_required
@one_of_few(_refused)
def index():
    """The grid page; htmx requests get only the grid partial (tabs, filters, table, pager)."""
    grid = GridFilter.from_args(request.args)
    body, status, headers = render(
        "shipments/index.html", "shipments/_results.html", **grid_context(grid)
    )
    if wants_partial():  # the address bar shows the view without the form's empty fields
        headers["HX-Push-Url"] = url_for("shipments.index", **grid.to_args(after=grid.after))
    return body, status, headers


@bp.get("/live")
@login_required
@one_of_few(_live_refused)
def live():
    """The small polled partial: counts, and the visible rows that changed since the last poll."""
    grid = GridFilter.from_args(request.args)
    if not wants_partial():  # opened directly: the grid page of the same view
        return render("shipments/index.html", "shipments/_results.html", **grid_context(grid))
    visible = [int(i) for i in request.args.getlist("visible") if i.isdigit()][:200]
    selected = {int(i) for i in request.args.getlist("ids") if i.isdigit()}  # no-JS clients
    since = _since(request.args.get("since", ""))
    polling = live_context()  # its time is taken first, so no change falls between two polls
    try:
        with query_budget():
            rows = merchant_shipments(current_user.id).where(_changed_since(since, visible))
            changed = list(rows)
            counts = view_counts(current_user.id, grid)
    except TooBroad:
        return _live_refused()
    return render(
        "shipments/_live.html",
        "shipments/_live.html",
        grid=grid,
        tabs=TABS,
        counts=counts,
        highlight=HIGHLIGHT,
        changed=changed,
        selected=selected,
        live=polling,
    )


def _since(text):
    """The previous poll's time, less LIVE_OVERLAP: a writer stamps `checked_at` before its
    transaction commits (a resolve batch holds one for a while), so a change stamped just
    before a poll may only become visible after it; the overlap shows it at the next one."""
    try:
        return datetime.fromisoformat(text) - LIVE_OVERLAP
    except ValueError:
        return utcnow() - LIVE_OVERLAP


def _changed_since(since, visible):
    return Shipment.id.in_(visible or [0]) & (
        (Shipment.checked_at >= since) | (Shipment.followup_at >= since)
    )


@bp.post("/timezone")
@login_required
def set_timezone():
    """Save the merchant's timezone (the form is on the Account page)."""
    name = request.form.get("timezone", "").strip()
    if valid_zone(name):
        Merchant.update(timezone=name).where(Merchant.id == current_user.id).execute()
        flash(f"Dates are now shown in {name}.")
    else:
        flash("That is not a timezone we know; pick one from the list, e.g. Europe/London.")
    return redirect(url_for("account.index") + "#timezone", 303)
