"""The follow-up workflow: mark parcels contacted or resolved, one at a time or in bulk."""

import json
import secrets

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from playhouse.shortcuts import chunked
from werkzeug.datastructures import CombinedMultiDict

from jobs.queues import redis_connection
from jobs.schedule import enqueue_due
from jobs.store.grid_query import GridFilter, shipments_in_view
from jobs.store.models import FOLLOWUP_STATES, Shipment, db, utcnow
from webapp.htmx import render, wants_partial
from webapp.shipments.blueprint import CHANGED, bp
from webapp.shipments.detail import detail_context, merchant_shipment
from webapp.shipments.grid import HIGHLIGHT, grid_context

NOTE_LIMIT = 2000
BULK_ACTIONS = {"recheck", "contacted", "resolved"}
RECHECK_ENQUEUE_LIMIT = 10_000  # the sweep enqueues the rest: they are all due now
UNDO_SECONDS = 15 * 60  # how long "Undo" stays possible after a bulk mark
UNDO_LIMIT = 200_000  # larger marks are confirmed but cannot be undone


@bp.post("/<int:shipment_id>/followup")
@login_required
def followup(shipment_id):
    """Mark one shipment contacted, resolved or open again, with a note."""
    shipment = merchant_shipment(shipment_id)
    state = request.form.get("state", "")
    if state not in FOLLOWUP_STATES:
        abort(400)
    note = request.form.get("note", shipment.note or "").strip()[:NOTE_LIMIT]
    Shipment.update(followup=state, note=note, followup_at=utcnow()).where(
        Shipment.id == shipment.id
    ).execute()
    if not wants_partial():
        return redirect(url_for("shipments.detail", shipment_id=shipment.id), 303)
    context = detail_context(merchant_shipment(shipment_id))
    body = render_template(
        "shipments/_followup_response.html", highlight=HIGHLIGHT, selected=set(), **context
    )
    return body, 200, {**CHANGED, "Vary": "HX-Request"}


def _chosen(grid):
    """The merchant's shipments the bulk action applies to: the selection or the whole view."""
    if request.form.get("scope") == "view":
        return shipments_in_view(current_user.id, grid)
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    return shipments_in_view(current_user.id, GridFilter()).where(Shipment.id.in_(ids or [0]))


def recheck(chosen) -> int:
    """Make the chosen shipments due now and queue them ahead of routine checks."""
    subquery = chosen.select(Shipment.id)
    with db.atomic():
        changed = (
            Shipment.update(next_check_at=utcnow(), claimed_until=None)
            .where(Shipment.id.in_(subquery))
            .execute()
        )
    ids = [row.id for row in chosen.select(Shipment.id).limit(RECHECK_ENQUEUE_LIMIT)]
    for batch in chunked(ids, 1000):
        enqueue_due(shipment_ids=batch, at_front=True)
    return changed


def mark(chosen, state: str) -> tuple[int, str | None]:
    """Set the follow-up state of the chosen shipments; returns (count, undo token or None)."""
    subquery = chosen.select(Shipment.id)
    with db.atomic():
        before = _states_before(chosen)
        done = (
            Shipment.update(followup=state, followup_at=utcnow())
            .where(Shipment.id.in_(subquery))
            .execute()
        )
    return done, _remember(before) if before is not None else None


def _states_before(chosen):
    """The chosen rows' follow-up states, as {state: [ids]}, or None when too many to keep."""
    rows = chosen.select(Shipment.id, Shipment.followup).limit(UNDO_LIMIT + 1).tuples()
    before: dict[str, list[int]] = {}
    for count, (ident, state) in enumerate(rows.iterator(), start=1):
        if count > UNDO_LIMIT:
            return None
        before.setdefault(state, []).append(ident)
    return before


def _remember(before: dict) -> str:
    token = secrets.token_urlsafe(12)
    key = f"parceldesk:undo:{current_user.id}:{token}"
    redis_connection(current_app.config).set(key, json.dumps(before), ex=UNDO_SECONDS)
    return token


@bp.post("/bulk/undo")
@login_required
def bulk_undo():
    """Put back the follow-up states a bulk mark changed (within UNDO_SECONDS)."""
    token = request.form.get("undo", "")[:40]
    key = f"parceldesk:undo:{current_user.id}:{token}"
    saved = redis_connection(current_app.config).getdel(key) if token.isascii() else None
    restored = 0
    if saved:
        with db.atomic():
            for state, ids in json.loads(saved).items():
                if state not in FOLLOWUP_STATES:
                    continue
                for batch in chunked(ids, 1000):
                    restored += (
                        Shipment.update(followup=state, followup_at=utcnow())
                        .where(Shipment.merchant == current_user.id, Shipment.id.in_(batch))
                        .execute()
                    )
    message = (
        f"Undone: {restored} shipment{'s' if restored != 1 else ''} back as before."
        if saved
        else "Nothing to undo (it was already undone or is too old)."
    )
    return _answer(_view(), message)


def _view() -> GridFilter:
    """The grid's view: htmx sends the filter form's fields, plain forms the action's query."""
    return GridFilter.from_args(CombinedMultiDict([request.form, request.args]))


def _answer(grid, message, **extra):
    if not wants_partial():
        flash(message)
        return redirect(url_for("shipments.index", **grid.to_args(after=grid.after)), 303)
    kept = request.form.getlist("ids") if request.form.get("scope") != "view" else ()
    context = grid_context(grid, selected=[int(i) for i in kept if i.isdigit()])
    body = render_template("shipments/_results.html", message=message, **context, **extra)
    return body, 200, {**CHANGED, "Vary": "HX-Request"}


@bp.post("/bulk")
@login_required
def bulk():
    """Re-check or mark the selected shipments, or every shipment of the filtered view.

    Marking every shipment of a view asks first (how many, with a button to go on), and every
    mark can be undone for UNDO_SECONDS.
    """
    action = request.form.get("action", "")
    if action not in BULK_ACTIONS:
        abort(400)
    grid = _view()
    chosen = _chosen(grid)
    whole_view = request.form.get("scope") == "view"
    if whole_view and action != "recheck" and request.form.get("confirmed") != "1":
        return _confirm(grid, action, chosen.count())
    if action == "recheck":
        return _answer(grid, _message(action, recheck(chosen)))
    done, undo = mark(chosen, action)
    return _answer(grid, _message(action, done), undo=undo)


def _confirm(grid, action, count):
    """The view again, with the question and a button that repeats the action, confirmed."""
    confirm = {"action": action, "count": count}
    context = grid_context(grid)
    return render("shipments/index.html", "shipments/_results.html", confirm=confirm, **context)


def _message(action, done):
    what = {"recheck": "queued for a re-check", "contacted": "marked contacted"}
    return f"{done} shipment{'s' if done != 1 else ''} {what.get(action, 'marked resolved')}."
