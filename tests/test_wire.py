"""Shared wire helpers: Retry-After parsing, timestamps, batching."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.providers.wire import chunks, parse_time, retry_after_seconds


def test_retry_after_accepts_seconds_and_http_dates():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Thu, 26 Nov 2026 12:01:30 GMT", now) == 90.0
    assert retry_after_seconds("Thu, 26 Nov 2026 11:00:00 GMT", now) == 0.0  # already past
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2022-04-04T23:35:22Z", datetime(2022, 4, 4, 23, 35, 22, tzinfo=UTC)),
        ("2022-04-04T16:35:22-07:00", datetime(2022, 4, 4, 23, 35, 22, tzinfo=UTC)),
        ("2023-01-18T10:00:00", datetime(2023, 1, 18, 10, 0, tzinfo=UTC)),  # naive: taken as UTC
        ("not a time", None),
        ("", None),
        (None, None),
        (1700000000, None),
    ],
)
def test_parse_time_gives_aware_utc_or_none(raw, expected):
    assert parse_time(raw) == expected


@given(items=st.lists(st.integers(), max_size=200), size=st.integers(min_value=1, max_value=50))
def test_chunks_keep_order_and_size(items, size):
    parts = list(chunks(items, size))
    assert [x for part in parts for x in part] == items
    assert all(1 <= len(part) <= size for part in parts)
