"""Properties: any event history gives exactly one valid status and reason, whatever its order."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from config.settings import TIME_RULES
from jobs.tracking.classify import REASONS, classify
from jobs.tracking.events import Event
from jobs.tracking.native_codes import load_codes
from tests.carrier_texts import CORPUS, LOOKALIKES

NOW = datetime(2026, 11, 20, tzinfo=UTC)
TEXTS = [text for _, text, _, _ in CORPUS] + [text for text, _, _ in LOOKALIKES]
CODES = sorted({code for codes in load_codes().values() for code in codes})

events = st.builds(
    Event,
    time=st.integers(0, 90 * 24).map(lambda hours: NOW - timedelta(hours=hours)),
    text=st.one_of(st.sampled_from(TEXTS), st.text(max_size=40)),
    location=st.one_of(st.none(), st.sampled_from(["PARIS", "深圳", "Köln"])),
    code=st.one_of(st.none(), st.sampled_from(CODES)),
)
histories = st.lists(events, max_size=12)
extras = st.fixed_dictionaries(
    {},
    optional={
        "detection_reason": st.sampled_from(
            ["invalid_number", "carrier_unidentified", "carrier_conflict"]
        ),
        "provider_error": st.sampled_from(
            ["unknown_number", "expired", "invalid", "unsupported_carrier"]
        ),
        "native_status": st.sampled_from(CODES),
        "registered_at": st.integers(0, 60).map(lambda days: NOW - timedelta(days=days)),
    },
)


@settings(max_examples=300, deadline=None)
@given(history=histories, extra=extras)
def test_any_history_gives_one_valid_status_and_reason(history, extra):
    result = classify(events=history, now=NOW, settings=TIME_RULES, **extra)
    assert result.reason in REASONS[result.status]
    assert result.explanation and result.action
    assert result.stalled is False or result.status == "in_transit"
    if result.status in ("alert", "undelivered", "returned", "expired"):
        assert result.needs_action


@settings(max_examples=300, deadline=None)
@given(history=histories, seed=st.randoms(use_true_random=False))
def test_order_of_input_events_does_not_matter(history, seed):
    shuffled = list(history)
    seed.shuffle(shuffled)
    first = classify(events=history, now=NOW, settings=TIME_RULES)
    second = classify(events=shuffled, now=NOW, settings=TIME_RULES)
    assert first == second


@settings(max_examples=200, deadline=None)
@given(history=histories)
def test_a_return_event_always_means_returned(history):
    back = Event(NOW - timedelta(hours=1), "Return to sender")
    result = classify(events=[*history, back], now=NOW, settings=TIME_RULES)
    assert result.status == "returned"
