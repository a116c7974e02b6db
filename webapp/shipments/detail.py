"""One shipment's detail: timeline, carrier link, explanation, status history."""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from jobs.store.grid_query import merchant_shipments
from jobs.store.models import FOLLOWUP_STATES, Shipment, StatusChange, TrackingEvent, db, utcnow
from jobs.tracking.carriers import known_carriers, tracking_url
from jobs.tracking.classify import explain
from webapp.htmx import render, wants_partial
from webapp.shipments.blueprint import CHANGED, bp

TIMELINE_LIMIT = 200


def merchant_shipment(shipment_id: int) -> Shipment:
    """The current merchant's shipment, or 404 (never another merchant's)."""
    shipment = merchant_shipments(current_user.id).where(Shipment.id == shipment_id).first()
    if shipment is None:
        abort(404)
    return shipment


def _explanation(shipment):
    try:
        return explain(shipment.status, shipment.reason)
    except ValueError:  # a pair the taxonomy does not know: say so rather than fail the page
        return ("No explanation is recorded for this state.", "Check the carrier's page.")


def _days(later, earlier):
    return (later - earlier).days if earlier else None


def detail_context(shipment: Shipment) -> dict:
    """Everything _detail.html shows about one shipment."""
    now = utcnow()
    explanation, action = _explanation(shipment)
    first = shipment.ship_date or (shipment.created_at.date() if shipment.created_at else None)
    return {
        "s": shipment,
        "events": TrackingEvent.select()
        .where(TrackingEvent.shipment == shipment.id)
        .order_by(TrackingEvent.time.desc(), TrackingEvent.id.desc())
        .limit(TIMELINE_LIMIT),
        "changes": StatusChange.select()
        .where(StatusChange.shipment == shipment.id)
        .order_by(StatusChange.at.desc(), StatusChange.id.desc()),
        "explanation": explanation,
        "action": action,
        "carrier_url": tracking_url(shipment.carrier, shipment.tracking_number)
        if shipment.carrier
        else None,
        "days_since_event": _days(now, shipment.last_event_at),
        "days_in_transit": _days(now.date(), first),
        "followup_states": FOLLOWUP_STATES,
        "all_carriers": sorted(known_carriers(), key=lambda pair: pair[1].lower()),
    }


@bp.get("/<int:shipment_id>")
@login_required
def detail(shipment_id):
    """A shipment's detail: the side panel for htmx, a page of its own otherwise."""
    shipment = merchant_shipment(shipment_id)
    return render("shipments/detail.html", "shipments/_detail.html", **detail_context(shipment))


def assign_carrier(shipment: Shipment, carrier: str) -> None:
    """Set the carrier by hand (the old one kept as the detected one) and make it due now."""
    with db.atomic():
        Shipment.update(
            carrier=carrier,
            detected_carrier=shipment.carrier if shipment.carrier != carrier else None,
            detection_reason=None,
            next_check_at=utcnow(),
            claimed_until=None,
        ).where(Shipment.id == shipment.id).execute()


def delete_shipment(shipment: Shipment) -> None:
    """Delete one shipment with its events and status history."""
    with db.atomic():
        TrackingEvent.delete().where(TrackingEvent.shipment == shipment.id).execute()
        StatusChange.delete().where(StatusChange.shipment == shipment.id).execute()
        Shipment.delete().where(Shipment.id == shipment.id).execute()


@bp.post("/<int:shipment_id>/carrier")
@login_required
def set_carrier(shipment_id):
    """Set the carrier by hand (detection could not decide, or decided wrong); re-check now."""
    shipment = merchant_shipment(shipment_id)
    carrier = request.form.get("carrier", "")
    if carrier not in dict(known_carriers()):
        context = detail_context(shipment)
        body = render_template("shipments/_detail.html", carrier_error="Pick a carrier.", **context)
        return body, 422
    assign_carrier(shipment, carrier)

    if not wants_partial():
        return redirect(url_for("shipments.detail", shipment_id=shipment.id), 303)
    context = detail_context(merchant_shipment(shipment_id))
    return render_template("shipments/_detail.html", **context), 200, CHANGED


@bp.post("/<int:shipment_id>/delete")
@login_required
def delete(shipment_id):
    """Delete one shipment with its events and history (the merchant ticked to confirm)."""
    shipment = merchant_shipment(shipment_id)
    if request.form.get("confirm") != "1":
        abort(400)
    delete_shipment(shipment)
    if not wants_partial():
        return redirect(url_for("shipments.index"), 303)
    closed = '<aside id="detail" class="detail-panel" aria-label="Shipment detail" hidden></aside>'
    row_gone = f'<tr id="row-{shipment.id}" hx-swap-oob="delete"></tr>'

    return closed + f"<template>{row_gone}</template>", 200, CHANGED
