"""The classification engine: ordering rules, time rules, native codes, flags and reachability."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from config.settings import TIME_RULES
from jobs.tracking.classify import REASONS, STATUSES, classify, explain, is_terminal
from jobs.tracking.events import Event
from tests.carrier_texts import CORPUS

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def ev(ago: timedelta, text: str, code: str | None = None) -> Event:
    return Event(time=NOW - ago, text=text, code=code)


def run(*events, **kwargs):
    return classify(
        events=list(events),
        now=kwargs.pop("now", NOW),
        settings=kwargs.pop("settings", TIME_RULES),
        **kwargs,
    )


# (timeline oldest first, as (days ago, text), expected status, reason)
TIMELINES = [
    ([(3, "Delivered"), (2, "Return to sender")], "returned", "returning"),
    ([(3, "Held at customs"), (2, "Released by customs")], "in_transit", "customs_cleared"),
    (
        [(2.5, "Out for delivery"), (2.4, "Processed through facility")],
        "pick_up",
        "out_for_delivery",
    ),
    ([(3, "Out for delivery"), (2, "Processed through facility")], "in_transit", "in_transit"),
    ([(4, "Delivered"), (2, "Arrived at facility")], "delivered", "delivered"),
    ([(9, "Return to sender"), (3, "Delivered")], "returned", "returned_to_sender"),
    ([(9, "Return to sender"), (4, "Out for delivery")], "returned", "returning"),
    ([(9, "Return to sender"), (4, "Item lost")], "returned", "returning"),
    ([(4, "Notice left"), (3, "Available for pickup")], "pick_up", "awaiting_collection"),
    ([(4, "Delivery attempted"), (3, "Delivered")], "delivered", "delivered"),
    ([(4, "Held at customs"), (3, "Item lost")], "alert", "lost"),
    ([(4, "Delivered"), (3, "Tracking updated")], "delivered", "delivered"),
    (
        [
            (5, "Shipment information received"),
            (4, "Departed origin country"),
            (3, "Arrived in destination country"),
            (2, "Customs clearance"),
            (1.5, "Released by customs"),
            (1.2, "Out for delivery"),
            (1.1, "Delivered, Front Door/Porch"),
        ],
        "delivered",
        "left_at_door",
    ),
    (
        [(8, "已揽收"), (6, "到达寄达国"), (2, "未妥投，收件人不在")],
        "undelivered",
        "recipient_absent",
    ),
    (
        [(3, "Zustellversuch"), (2, "Die Sendung wird an den Absender zurückgeschickt.")],
        "returned",
        "returning",
    ),
]


@pytest.mark.parametrize(("timeline", "status", "reason"), TIMELINES)
def test_latest_meaningful_event_decides(timeline, status, reason):
    events = [ev(days * DAY, text) for days, text in timeline]
    result = run(*events)
    assert (result.status, result.reason) == (status, reason)
    assert (run(*reversed(events)).status, run(*reversed(events)).reason) == (status, reason)


def test_same_timestamp_more_final_state_decides():
    events = [ev(DAY, "Out for delivery"), ev(DAY, "Delivered")]
    assert run(*events).status == run(*reversed(events)).status == "delivered"


def test_same_day_is_judged_in_utc_whatever_the_event_offset():
    tokyo = timezone(timedelta(hours=9))
    out = Event(datetime(2026, 11, 19, 22, 0, tzinfo=UTC), "Out for delivery")
    # 08:00 in Tokyo on the 20th is 23:00 UTC on the 19th: same day, so the generic scan is ignored
    scan = Event(datetime(2026, 11, 20, 8, 0, tzinfo=tokyo), "Processed through facility")
    assert run(out, scan).reason == "out_for_delivery"


def test_uninformative_event_counts_for_age_but_does_not_decide():
    result = run(ev(5 * DAY, "Delivered"), ev(DAY, "Tracking number updated"))
    assert result.deciding_event.text == "Delivered"
    assert result.days_since_event == 1


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        ("DeliveryFailure_Rejected", "undelivered", "recipient_refused"),
        ("Exception_Rejected", "alert", "recipient_refused"),
        ("DeliveryFailure_NoBody", "undelivered", "recipient_absent"),
        ("Exception_NoBody", "alert", "recipient_unreachable"),
        ("AttemptFail_002", "undelivered", "recipient_absent"),
        ("Exception_003", "alert", "recipient_refused"),
    ],
)
def test_failed_attempt_is_undelivered_and_exception_is_alert(code, status, reason):
    result = run(ev(DAY, "Status update", code))
    assert (result.status, result.reason) == (status, reason)


def test_native_event_code_beats_text_and_text_refines_generic_code():
    assert run(ev(DAY, "Delivered", "Exception_Lost")).reason == "lost"
    refined = run(ev(DAY, "Delivered, In/At Mailbox", "Delivered_Other"), provider="17track")
    assert (refined.status, refined.reason) == ("delivered", "left_in_mailbox")


@pytest.mark.parametrize(
    ("kwargs", "status", "reason"),
    [
        (
            {
                "provider": "17track",
                "native_status": "Delivered",
                "native_substatus": "Delivered_Other",
            },
            "delivered",
            "delivered",
        ),
        (
            {
                "provider": "aftership",
                "native_status": "Exception",
                "native_substatus": "Exception_013",
            },
            "alert",
            "lost",
        ),
        (
            {"provider": "aftership", "native_status": "AttemptFail"},
            "undelivered",
            "attempt_failed",
        ),
        (
            {
                "provider": "17track",
                "native_status": "NotFound",
                "native_substatus": "NotFound_InvalidCode",
            },
            "not_found",
            "number_expired",
        ),
        ({"provider": "17track", "native_status": "Expired"}, "expired", "no_updates"),
    ],
)
def test_parcel_native_status_decides_without_events(kwargs, status, reason):
    result = run(**kwargs)
    assert (result.status, result.reason) == (status, reason)


def test_parcel_native_status_with_events():
    event = ev(DAY, "Delivered - Signed for by: J SMITH")
    signed = run(event, provider="17track", native_status="Delivered")
    assert (signed.status, signed.reason, signed.deciding_event) == ("delivered", "signed", event)
    not_found = run(ev(DAY, "Out for delivery"), provider="aftership", native_status="Pending")
    assert not_found.status == "pick_up"  # events beat a provider that has not caught up
    returned = run(ev(DAY, "Return to sender"), provider="17track", native_status="InTransit")
    assert returned.status == "returned"  # any return event puts the parcel in returned


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"detection_reason": "invalid_number"}, "invalid_number"),
        ({"detection_reason": "carrier_unidentified"}, "carrier_unidentified"),
        ({"detection_reason": "carrier_conflict"}, "carrier_conflict"),
        ({"provider_error": "unknown_number"}, "number_expired"),
        ({"provider_error": "expired"}, "number_expired"),
        ({"provider_error": "invalid"}, "number_expired"),
        ({"provider_error": "unsupported_carrier"}, "carrier_unidentified"),
        ({}, "not_yet_scanned"),
    ],
)
def test_not_found_reasons(kwargs, reason):
    result = run(**kwargs)
    assert (result.status, result.reason, result.deciding_event) == ("not_found", reason, None)


def test_events_outweigh_a_detection_problem():
    assert run(ev(DAY, "Delivered"), detection_reason="carrier_conflict").status == "delivered"


@pytest.mark.parametrize(
    "bad", [{"detection_reason": "nope"}, {"provider_error": "nope"}, {"provider": "nope"}]
)
def test_unknown_argument_values_are_refused(bad):
    with pytest.raises(ValueError, match="nope"):
        run(**bad)


SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("ago", "status", "reason"),
    [
        (30 * DAY, "expired", "no_updates"),
        (30 * DAY - SECOND, "in_transit", "in_transit"),
    ],
)
def test_expire_after_days_boundary(ago, status, reason):
    result = run(ev(ago, "In transit"))
    assert (result.status, result.reason) == (status, reason)


@pytest.mark.parametrize("text", ["Delivered", "Returned to sender", "Return to sender"])
def test_delivered_and_returned_never_expire(text):
    assert run(ev(400 * DAY, text)).status != "expired"


@pytest.mark.parametrize("text", ["Out for delivery", "Notice left", "Item lost"])
def test_other_statuses_expire_without_updates(text):
    assert (run(ev(30 * DAY, text)).status, run(ev(30 * DAY, text)).reason) == (
        "expired",
        "no_updates",
    )


@pytest.mark.parametrize(
    ("age", "status", "reason"),
    [
        (30 * DAY, "expired", "never_found"),
        (30 * DAY - SECOND, "not_found", "not_yet_scanned"),
    ],
)
def test_not_found_expire_days_boundary(age, status, reason):
    result = run(registered_at=NOW - age)
    assert (result.status, result.reason) == (status, reason)


def test_detection_problems_do_not_age_into_never_found():
    result = run(registered_at=NOW - 90 * DAY, detection_reason="invalid_number")
    assert (result.status, result.reason) == ("not_found", "invalid_number")


@pytest.mark.parametrize(
    ("ago", "reason"),
    [(5 * DAY, "collection_deadline_near"), (5 * DAY - SECOND, "awaiting_collection")],
)
def test_pickup_warning_days_boundary(ago, reason):
    assert run(ev(ago, "Available for pickup")).reason == reason


def test_pickup_clock_starts_at_first_collection_notice():
    result = run(ev(6 * DAY, "Available for pickup"), ev(DAY, "Ready for collection"))
    assert result.reason == "collection_deadline_near"
    assert result.needs_action


@pytest.mark.parametrize(("ago", "stalled"), [(7 * DAY, True), (7 * DAY - SECOND, False)])
def test_stalled_after_days_boundary(ago, stalled):
    result = run(ev(ago, "Departed facility"))
    assert (result.status, result.stalled, result.needs_action) == ("in_transit", stalled, stalled)


def test_only_in_transit_parcels_stall():
    assert not run(ev(10 * DAY, "Available for pickup")).stalled


@pytest.mark.parametrize(("age", "needs"), [(3 * DAY + SECOND, True), (3 * DAY, False)])
def test_not_found_action_days_boundary(age, needs):
    assert run(registered_at=NOW - age).needs_action is needs


def test_time_rules_come_from_settings():
    tight = {**TIME_RULES, "EXPIRE_AFTER_DAYS": 10, "STALLED_AFTER_DAYS": 2}
    assert run(ev(10 * DAY, "In transit"), settings=tight).status == "expired"
    assert run(ev(2 * DAY, "In transit"), settings=tight).stalled
    assert run(ev(2 * DAY, "In transit"), settings={}).stalled is False  # defaults


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("Item lost", True),
        ("Notice left", True),
        ("Return to sender", True),
        ("Delivered", False),
        ("Out for delivery", False),
        ("Available for pickup", False),
        ("In transit", False),
    ],
)
def test_needs_action(text, needs):
    assert run(ev(DAY, text)).needs_action is needs


def test_days_in_transit_stops_at_delivery():
    result = run(ev(10 * DAY, "Accepted"), ev(4 * DAY, "Delivered"), shipped_at=NOW - 12 * DAY)
    assert (result.days_in_transit, result.days_since_event) == (8, 4)
    moving = run(ev(10 * DAY, "Accepted"), ev(4 * DAY, "In transit"))
    assert moving.days_in_transit == 10
    assert run().days_in_transit is None


def test_naive_times_are_read_as_utc():
    naive = Event(time=(NOW - DAY).replace(tzinfo=None), text="Delivered")
    assert run(naive, now=NOW.replace(tzinfo=None)).days_since_event == 1


def test_terminal_statuses():
    assert is_terminal("delivered", "signed") and is_terminal("expired", "no_updates")
    assert is_terminal("returned", "returned_to_sender") and not is_terminal(
        "returned", "returning"
    )
    assert not is_terminal("alert", "lost")


def test_to_json_shape():
    data = run(ev(DAY, "Avis de passage")).to_json()
    assert list(data)[:4] == ["status", "reason", "explanation", "action"]
    assert data["deciding_event"]["time"] == "2026-11-19T12:00:00Z"
    assert (data["status"], data["reason"]) == ("undelivered", "recipient_absent")


def test_statuses_follow_the_contract_order():
    assert [key for key, _ in STATUSES] == [
        "not_found",
        "in_transit",
        "pick_up",
        "undelivered",
        "delivered",
        "alert",
        "expired",
        "returned",
    ]
    assert set(REASONS) == {key for key, _ in STATUSES}


def test_every_pair_has_its_own_explanation_and_every_verdict_carries_it():
    pairs = [(status, reason) for status, reasons in REASONS.items() for reason in reasons]
    explanations = {pair: explain(*pair) for pair in pairs}
    assert len({text for text, _ in explanations.values()}) == len(pairs)  # none borrowed
    for verdict in _reached_verdicts():
        pair = (verdict.status, verdict.reason)
        assert (verdict.explanation, verdict.action) == explanations[pair], pair


def _reached_pairs():
    """Run realistic single events and the time/detection cases; collect what comes out."""
    return {(r.status, r.reason) for r in _reached_verdicts()}


def _reached_verdicts():
    """The verdicts of realistic single events and of the time and detection cases."""
    results = [run(ev(DAY, text)) for _, text, _, _ in CORPUS]
    results += [
        run(registered_at=NOW - DAY, **kw)
        for kw in (
            {"detection_reason": "invalid_number"},
            {"detection_reason": "carrier_unidentified"},
            {"detection_reason": "carrier_conflict"},
            {"provider_error": "expired"},
            {},
        )
    ]
    results += [
        run(registered_at=NOW - 40 * DAY),
        run(ev(40 * DAY, "In transit")),
        run(ev(6 * DAY, "Available for pickup")),
    ]
    return results


def test_every_status_and_reason_is_reachable():
    every = {(s, r) for s, reasons in REASONS.items() for r in reasons}
    assert every - _reached_pairs() == set()
