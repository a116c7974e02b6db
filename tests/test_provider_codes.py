"""Every documented 17TRACK and AfterShip code maps onto a valid (status, reason)."""

from datetime import UTC, datetime, timedelta

import pytest

from jobs.tracking.classify import TIME_RULES, classify
from jobs.tracking.native_codes import load_codes, native_pair, parcel_pair
from jobs.tracking.taxonomy import REASONS

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

# From shared/reference/tracking-providers.md sections 2.1 and 2.2.
SEVENTEEN_TRACK = {
    "NotFound": ["Other", "InvalidCode"],
    "InfoReceived": [],
    "InTransit": [
        "PickedUp",
        "Departure",
        "Arrival",
        "CustomsProcessing",
        "CustomsReleased",
        "CustomsRequiringInformation",
        "Other",
    ],
    "Expired": ["Other"],
    "AvailableForPickup": ["Other"],
    "OutForDelivery": ["Other"],
    "DeliveryFailure": ["NoBody", "Security", "Rejected", "InvalidAddress", "Other"],
    "Delivered": ["Other"],
    "Exception": [
        "Returning",
        "Returned",
        "NoBody",
        "Security",
        "Damage",
        "Rejected",
        "Delayed",
        "Lost",
        "Destroyed",
        "Cancel",
        "Other",
    ],
}
AFTERSHIP = {
    "Pending": range(1, 7),
    "InfoReceived": [1],
    "InTransit": range(1, 10),
    "OutForDelivery": [1, 2, 3, 4],
    "AvailableForPickup": [1],
    "AttemptFail": [1, 2, 3],
    "Delivered": range(1, 6),
    "Exception": [*range(1, 14), 16, 17, 18],
    "Expired": [1],
}
DOCUMENTED = (
    [("17track", main) for main in SEVENTEEN_TRACK]
    + [("17track", f"{main}_{sub}") for main, subs in SEVENTEEN_TRACK.items() for sub in subs]
    + [
        ("17track", stage)
        for stage in ("PickedUp", "Departure", "Arrival", "Returning", "Returned")
    ]
    + [("17track", legacy) for legacy in ("0", "10", "20", "30", "35", "40", "50")]
    + [("aftership", tag) for tag in AFTERSHIP]
    + [("aftership", f"{tag}_{n:03d}") for tag, subs in AFTERSHIP.items() for n in subs]
)


@pytest.mark.parametrize(("provider", "code"), DOCUMENTED)
def test_documented_code_maps_to_a_valid_pair(provider, code):
    status, reason = native_pair(code, provider)
    assert reason in REASONS[status]


@pytest.mark.parametrize(
    ("provider", "code", "pair"),
    [(p, code, pair) for p, codes in load_codes().items() for code, pair in codes.items()],
)
def test_a_parcel_reported_with_a_mapped_code_gets_its_pair(provider, code, pair):
    """What the provider says of a parcel without events decides its status and reason."""
    verdict = classify(
        events=[], now=NOW, settings=TIME_RULES, provider=provider, native_status=code,
        registered_at=NOW - timedelta(days=1),
    )  # fmt: skip
    assert (verdict.status, verdict.reason) == pair


@pytest.mark.parametrize(
    ("provider", "code", "pair"),
    [
        ("17track", "InTransit_CustomsRequiringInformation", ("alert", "customs_issue")),
        ("17track", "OutForDelivery_Other", ("pick_up", "out_for_delivery")),
        ("17track", "Exception_Returning", ("returned", "returning")),
        ("17track", "DeliveryFailure_InvalidAddress", ("undelivered", "address_not_found")),
        ("aftership", "Exception_006", ("alert", "tax_refused")),
        ("aftership", "Exception_011", ("returned", "returned_to_sender")),
        ("aftership", "Delivered_005", ("delivered", "left_with_neighbour")),
        ("aftership", "InTransit_007", ("in_transit", "departed_origin")),
        (None, "Exception_Lost", ("alert", "lost")),
        ("sandbox", "delivered/left_at_door", ("delivered", "left_at_door")),
    ],
)
def test_key_mappings(provider, code, pair):
    assert native_pair(code, provider) == pair


def test_unknown_codes_say_nothing():
    assert native_pair("Teleported", "17track") is None
    assert native_pair("Delivered_Other", "aftership") is None  # another provider's vocabulary
    assert native_pair(None) is None


def test_substatus_is_preferred_to_main_status():
    assert parcel_pair("17track", "Exception", "Exception_Lost") == ("alert", "lost")
    assert parcel_pair("17track", "Exception", "Exception_Unheard") == ("alert", "exception")
