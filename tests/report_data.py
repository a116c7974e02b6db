"""Shipments in every report-relevant state, written straight to the database for report tests."""

from datetime import date, timedelta

from jobs.store.models import Merchant, Shipment, TrackingEvent, Upload, utcnow
from webapp.auth import create_merchant

HOSTILE = {  # text a spreadsheet would run as a formula, in customer names and notes
    "EXALERT01": ("=cmd|' /C calc'!A0", "+1"),
    "EXUNDEL01": ("-2", "@SUM(A1:A9)"),
    "OKDELIV01": ("\tTabbed", "\rCarriage"),
}

# tracking number: (status, reason, stalled, days since last event, days since upload, carrier)
STATES = {
    "EXALERT01": ("alert", "lost", False, 2, 10, "ups"),
    "EXUNDEL01": ("undelivered", "recipient_absent", False, 1, 10, "dhl-express"),
    "EXRETUR01": ("returned", "returning", False, 3, 10, "ups"),
    "EXEXPIR01": ("expired", "no_updates", False, 40, 50, None),
    "EXNOTFD01": ("not_found", "not_yet_scanned", False, None, 10, "usps"),
    "EXPICKD01": ("pick_up", "collection_deadline_near", False, 6, 12, "ups"),
    "EXSTALL01": ("in_transit", "in_transit", True, 9, 12, "ups"),
    "OKNOTFD01": ("not_found", "not_yet_scanned", False, None, 1, "usps"),
    "OKPICKA01": ("pick_up", "awaiting_collection", False, 1, 4, "dhl-express"),
    "OKTRANS01": ("in_transit", "departed_origin", False, 2, 5, "ups"),
    "OKDELIV01": ("delivered", "delivered", False, 1, 8, "ups"),
}
EXCEPTIONS = {number for number in STATES if number.startswith("EX")}


def other_merchant() -> Merchant:
    """A second merchant with one alert parcel that must never show up for the first."""
    merchant = create_merchant("merchant-b@example.com", "another long password")
    Shipment.create(
        merchant=merchant, tracking_number="SECRETB01", status="alert", reason="lost",
        needs_action=True, customer_name="Other shop's customer", carrier="ups",
    )  # fmt: skip
    return merchant


def seed(merchant_id: int, now=None) -> dict:
    """Store STATES for `merchant_id` (two events each when it has any); return number → id."""
    now = now or utcnow()
    upload = Upload.create(merchant=merchant_id, filename="november.csv", state="done")
    ids = {}
    for number, (status, reason, stalled, idle, age, carrier) in STATES.items():
        last = now - timedelta(days=idle, hours=1) if idle is not None else None
        name, note = HOSTILE.get(number, (f"Customer {number}", ""))
        shipment = Shipment.create(
            merchant=merchant_id, upload=upload, tracking_number=number, carrier=carrier,
            order_id=f"#{number[-2:]}{len(ids)}", customer_name=name, note=note,
            email=f"{number.lower()}@example.com", country="FR", status=status, reason=reason,
            stalled=stalled, needs_action=number in EXCEPTIONS, last_event_at=last,
            last_event_text=f"Last word on {number}" if last else None,
            last_event_location="PARIS" if last else None, created_at=now - timedelta(days=age),
            ship_date=date(2026, 1, 1) if number == "OKDELIV01" else None,
        )  # fmt: skip
        if last is not None:
            TrackingEvent.create(shipment=shipment, time=last - timedelta(days=3), text="Shipped")
            TrackingEvent.create(shipment=shipment, time=last, text=f"Last word on {number}")
        ids[number] = shipment.id
    return ids
