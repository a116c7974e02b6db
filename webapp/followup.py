"""The follow-up workflow: mark parcels contacted or resolved, one at a time or in bulk."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from playhouse.shortcuts import chunked

from jobs.schedule import enqueue_due
from webapp.grid_query import GridFilter, shipments_in_view
from webapp.htmx import wants_partial
from webapp.models import FOLLOWUP_STATES, Shipment, db, utcnow
from webapp.shipment_detail import detail_context, merchant_shipment
from webapp.shipments import HIGHLIGHT, bp, grid_context

NOTE_LIMIT = 2000
BULK_ACTIONS = {"recheck", "contacted", "resolved"}
RECHECK_ENQUEUE_LIMIT = 10_000  # the sweep enqueues the rest: they are all due now
CHANGED = {"HX-Trigger": "grid-changed"}


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


def mark(chosen, state: str) -> int:
    """Set the follow-up state of the chosen shipments."""
    subquery = chosen.select(Shipment.id)
    with db.atomic():
        return (
            Shipment.update(followup=state, followup_at=utcnow())
            .where(Shipment.id.in_(subquery))
            .execute()
        )


@bp.post("/bulk")
@login_required
def bulk():
    """Re-check or mark the selected shipments, or every shipment of the filtered view."""
    action = request.form.get("action", "")
    if action not in BULK_ACTIONS:
        abort(400)
    grid = GridFilter.from_args(request.form)
    chosen = _chosen(grid)
    done = recheck(chosen) if action == "recheck" else mark(chosen, action)
    message = _message(action, done)
    if not wants_partial():
        flash(message)
        return redirect(url_for("shipments.index", **grid.to_args(after=grid.after)), 303)
    selected = request.form.getlist("ids") if request.form.get("scope") != "view" else ()
    context = grid_context(grid, selected=[int(i) for i in selected if i.isdigit()])
    body = render_template("shipments/_grid.html", message=message, **context)
    return body, 200, {**CHANGED, "Vary": "HX-Request"}


def _message(action, done):
    what = {"recheck": "queued for a re-check", "contacted": "marked contacted"}
    return f"{done} shipment{'s' if done != 1 else ''} {what.get(action, 'marked resolved')}."
