"""The sandbox and the classifier agree: every scenario ends in the status it is meant to show."""

from datetime import UTC, datetime, timedelta

import pytest

from config.settings import TIME_RULES
from jobs.providers.base import Query
from jobs.providers.sandbox import MAGIC_NUMBERS, SCENARIO_CHECK_HOURS, SCENARIOS, SandboxProvider
from jobs.tracking.classify import classify

REGISTERED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_is_classified_as_intended(name):
    now = REGISTERED + timedelta(hours=SCENARIO_CHECK_HOURS[name])
    number = MAGIC_NUMBERS[name]
    result = SandboxProvider(now=lambda: now).fetch([Query(number, None, REGISTERED)])[number]
    verdict = classify(
        events=result.events,
        now=now,
        settings=TIME_RULES,
        provider="sandbox",
        provider_error=result.error,
        registered_at=REGISTERED,
    )
    assert (verdict.status, verdict.reason) == SCENARIOS[name], [e.text for e in result.events]


def test_a_parcel_moves_forward_as_time_passes():
    number = MAGIC_NUMBERS["delivered"]
    seen = []
    for hours in (0, 24, 48, 96, 200):
        now = REGISTERED + timedelta(hours=hours)
        result = SandboxProvider(now=lambda now=now: now).fetch([Query(number, "ups", REGISTERED)])
        seen.append(classify(events=result[number].events, now=now, settings=TIME_RULES).status)
    assert seen[-1] == "delivered"
    assert "in_transit" in seen[:-1]
