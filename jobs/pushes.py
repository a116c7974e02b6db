"""Provider pushes (webhooks), applied off the request path: the view verifies and enqueues."""

import logging

from jobs import runtime
from jobs.merchant_provider import choice_for
from jobs.providers import Result
from jobs.providers import aftership as aftership_api
from jobs.providers import seventeentrack as seventeentrack_api
from jobs.resolve import apply_results
from jobs.store.models import Merchant, Shipment, utcnow

log = logging.getLogger(__name__)


def count_events(provider: str, item: dict) -> int:
    """How many events a push carries, counted without translating them (cheap, linear)."""
    if provider == "17track":
        info = item.get("track_info")
        tracking = info.get("tracking") if isinstance(info, dict) else None
        sources = tracking.get("providers") if isinstance(tracking, dict) else None
        return sum(
            len(s["events"])
            for s in (sources if isinstance(sources, list) else [])
            if isinstance(s, dict) and isinstance(s.get("events"), list)
        )
    checkpoints = item.get("checkpoints")
    return len(checkpoints) if isinstance(checkpoints, list) else 0


def translate(provider: str, item: dict) -> Result:
    """The provider-neutral Result of a push's item (17TRACK `data`, AfterShip `msg`)."""
    if provider == "17track":
        return seventeentrack_api.result_from_item(item)
    return aftership_api.result_from_tracking(item)


def apply_push(merchant_id: int, provider: str, item: dict) -> dict:
    """Store and classify one verified push for the merchant's shipment with that number.

    Safe to re-run (RQ retries, a provider pushing the same update twice): events are unique
    per (shipment, time, text), and a push older than what is stored changes nothing.
    """
    settings = runtime.setup()
    merchant = Merchant.get_or_none(Merchant.id == merchant_id)
    if merchant is None or merchant.provider != provider:
        return {"applied": 0}  # the account went away, or switched provider, since the push
    try:
        result = translate(provider, item)
    except (AttributeError, TypeError, ValueError) as error:
        log.warning("%s push for merchant %s not understood: %s", provider, merchant_id, error)
        return {"applied": 0}
    result.events = result.events[-int(settings["WEBHOOK_MAX_EVENTS"]) :]  # the newest
    number = (result.number or "").strip()
    shipment = Shipment.get_or_none(
        Shipment.merchant == merchant.id, Shipment.tracking_number.in_({number, number.upper()})
    )
    if shipment is None:
        return {"applied": 0}  # not one of this merchant's parcels
    choice = choice_for(merchant, settings)
    changed = apply_results(
        [shipment],
        {shipment.tracking_number: result},
        choice.name,
        choice.settings(settings),
        utcnow(),
        only_newer=True,
    )
    return {"applied": changed}
