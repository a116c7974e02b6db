"""One shipment's detail: timeline, carrier link, explanation, status history."""

from flask import abort
from flask_login import current_user, login_required

from jobs.carriers import tracking_url
from jobs.classify import explain
from webapp.grid_query import merchant_shipments
from webapp.htmx import render
from webapp.models import FOLLOWUP_STATES, Shipment, StatusChange, TrackingEvent, utcnow
from webapp.shipments import bp

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
    }


@bp.get("/<int:shipment_id>")
@login_required
def detail(shipment_id):
    """A shipment's detail: the side panel for htmx, a page of its own otherwise."""
    shipment = merchant_shipment(shipment_id)
    return render("shipments/detail.html", "shipments/_detail.html", **detail_context(shipment))
