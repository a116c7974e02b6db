"""The sandbox provider: deterministic, moving forward with time, every reason reachable."""

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.providers import get_provider
from jobs.providers.base import Query
from jobs.providers.sandbox import (
    MAGIC_NUMBERS,
    SCENARIO_CHECK_HOURS,
    SCENARIO_FILE,
    SCENARIOS,
    SandboxProvider,
    ScenarioFileError,
    language_for,
    load_scenarios,
    scenario_for,
)
from tests.shared_spec import require_shared

REGISTERED = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
# Decided by carrier detection before any provider is asked, so no provider history gives them.
DETECTION_ONLY = {
    ("not_found", "invalid_number"),
    ("not_found", "carrier_unidentified"),
    ("not_found", "carrier_conflict"),
}
PHRASES = load_scenarios()["phrases"]

numbers = st.text(alphabet="ABCDEFGHJKLMNPRSTUVWXYZ0123456789", min_size=6, max_size=30)
hours = st.floats(min_value=-2000, max_value=2000, allow_nan=False)


def fetch_at(number, at, speed=1.0, carrier=None, registered=REGISTERED):
    provider = SandboxProvider(clock_speed=speed, now=lambda: at)
    return provider.fetch([Query(number, carrier, registered)])[number]


def complete(name):
    """The history of a scenario's magic number once it is complete."""
    at = REGISTERED + timedelta(hours=SCENARIO_CHECK_HOURS[name])
    return fetch_at(MAGIC_NUMBERS[name], at)


def documented_reasons():
    """(status, reason) pairs from the shared statuses table."""
    pairs = set()
    for line in require_shared("statuses.md").read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 4 and re.fullmatch(r"`[a-z_]+`", cells[1]):
            status = cells[1].strip("`")
            pairs |= {(status, r) for r in re.findall(r"`([a-z_]+)`", cells[4])}
    return pairs


@given(number=numbers, h=hours)
def test_same_number_same_history(number, h):
    at = REGISTERED + timedelta(hours=h)
    assert fetch_at(number, at) == fetch_at(number, at)


@given(number=numbers, h1=hours, h2=hours, speed=st.sampled_from([1.0, 2.5, 60.0]))
def test_later_checks_only_add_events(number, h1, h2, speed):
    early, late = sorted([h1, h2])
    before = fetch_at(number, REGISTERED + timedelta(hours=early), speed)
    after = fetch_at(number, REGISTERED + timedelta(hours=late), speed)
    assert after.events[: len(before.events)] == before.events
    assert before.error == after.error


@given(number=numbers, h=hours)
def test_events_are_past_utc_and_in_time_order(number, h):
    at = REGISTERED + timedelta(hours=h)
    events = fetch_at(number, at).events
    assert all(e.time <= at and e.time.tzinfo is not None and e.code is None for e in events)
    assert [e.time for e in events] == sorted(e.time for e in events)


def test_a_faster_clock_shows_progress_sooner():
    at = REGISTERED + timedelta(hours=2)
    slow = fetch_at(MAGIC_NUMBERS["delivered"], at, speed=1.0)
    fast = fetch_at(MAGIC_NUMBERS["delivered"], at, speed=100.0)
    assert slow.events[-1].text == "Picked up by carrier"
    assert fast.events[-1].text == "Delivered"
    assert fast.events[:2] == slow.events[:2]  # pre-registration history is not compressed


def test_progress_in_transit_then_out_for_delivery_then_delivered():
    seen = [
        fetch_at(MAGIC_NUMBERS["delivered"], REGISTERED + timedelta(hours=h)).events[-1].text
        for h in (0, 40, 50, 60)
    ]
    assert seen == [
        "Picked up by carrier",
        "Processed at sorting facility",
        "Out for delivery",
        "Delivered",
    ]


def test_failed_attempt_then_pickup_then_return():
    texts = [e.text for e in complete("returned_to_sender").events]
    assert texts[-4:] == [
        "Delivery attempted - recipient not at home",
        "Available for pickup at post office",
        "Unclaimed - not collected in time, returning to sender",
        "Returned to sender - delivered back to shipper",
    ]


def test_parcels_can_ship_before_the_upload():
    result = fetch_at(MAGIC_NUMBERS["delivered"], REGISTERED)
    assert result.events and all(e.time < REGISTERED for e in result.events)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_magic_number_gives_its_scenario_and_a_complete_history(name):
    assert scenario_for(MAGIC_NUMBERS[name]).name == name
    result = complete(name)
    scenario = scenario_for(MAGIC_NUMBERS[name])
    if scenario.error:
        assert result.error == scenario.error and result.events == []
    else:
        assert result.error is None and len(result.events) == len(scenario.steps)


def test_magic_numbers_survive_normalization_and_any_digits():
    assert scenario_for("sbx-alert-lost-01").name == "alert_lost"
    assert scenario_for("SBX ALERTLOST 7731").name == "alert_lost"
    # an unknown scenario code is an ordinary number: its hash picks, so they spread out
    unknown = [f"SBXNOSUCH{word}01" for word in ("THING", "PLACE", "ROUTE", "PARCEL", "VAN")]
    unknown += [f"SBXMADEUP{n:04d}01" for n in range(40)]
    assert len({scenario_for(number).name for number in unknown}) >= 3
    assert scenario_for("sbx-nosuch-thing-01") == scenario_for("SBXNOSUCHTHING01")


def test_magic_numbers_cannot_look_like_carrier_numbers():
    for number in MAGIC_NUMBERS.values():
        assert re.fullmatch(r"SBX[A-Z]{5,}01", number)


def test_every_documented_status_and_reason_is_reachable():
    documented = documented_reasons()
    assert len(documented) > 40  # the table was parsed
    assert documented - DETECTION_ONLY <= set(SCENARIOS.values())
    assert set(SCENARIOS.values()) <= documented


def test_hashed_numbers_reach_every_scenario():
    counts = Counter(scenario_for(f"PD{i:08d}XX").name for i in range(30000))
    assert set(counts) == set(SCENARIOS)
    assert counts.most_common(1)[0][0].startswith("delivered")  # most parcels simply arrive


@pytest.mark.parametrize(
    "number, carrier, lang",
    [
        ("RR123456789CN", None, "zh"),
        ("EJ123456789JP", None, "ja"),
        ("CX123456789DE", None, "de"),
        ("LA123456789FR", None, "fr"),
        ("PQ123456789ES", None, "es"),
        ("1Z999AA10123456784", None, "en"),
        ("00340434161234567890", "deutsche_post", "de"),
        ("123456789012", "yamato", "ja"),
        ("6A12345678901", "colissimo", "fr"),
        ("RR123456789US", None, "en"),
    ],
)
def test_language_follows_carrier_then_s10_country(number, carrier, lang):
    assert language_for(number, carrier) == lang
    result = fetch_at(number, REGISTERED + timedelta(days=60), carrier=carrier)
    phrases = {kind: texts[lang] for kind, texts in PHRASES.items()}
    assert all(e.text in phrases.values() for e in result.events)


def test_phrases_are_distinct_within_each_language():
    for lang in ("en", "de", "fr", "es", "zh", "ja"):
        texts = [texts[lang] for texts in PHRASES.values()]
        assert len(texts) == len(set(texts)), lang


def test_get_provider_defaults_to_sandbox_with_clock_speed():
    provider = get_provider({"SANDBOX_CLOCK_SPEED": 12.0})
    assert isinstance(provider, SandboxProvider) and provider.clock_speed == 12.0
    assert "12x" in provider.check_connection()
    with pytest.raises(ValueError):
        SandboxProvider(clock_speed=0)


def _broken(tmp_path, mutate):
    data = json.loads(SCENARIO_FILE.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "scenarios.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["phrases"]["delivered"].pop("ja"), "phrase 'delivered'"),
        (lambda d: d["scenarios"]["delivered"]["steps"].append([1, "delivered", "d"]), "1 hour"),
        (
            lambda d: d["scenarios"]["delivered"]["steps"].append([999, "teleported", "d"]),
            "bad step",
        ),
        (lambda d: d["scenarios"]["delivered"].update(route="hyperloop"), "unknown route"),
        (lambda d: d["scenarios"]["notfound_unknown"].update(error="boom"), "error must be"),
        (lambda d: d.pop("places"), "places"),
    ],
)
def test_a_broken_scenario_file_is_rejected_with_a_clear_message(tmp_path, mutate, message):
    with pytest.raises(ScenarioFileError, match=message):
        load_scenarios(_broken(tmp_path, mutate))
