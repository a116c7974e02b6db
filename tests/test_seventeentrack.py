"""17TRACK v2.2 adapter against a loopback server that speaks the documented shapes."""

import hashlib
import json
import socket
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.providers import get_provider
from jobs.providers.base import PermanentError, ProviderError, Query, TransientError
from jobs.providers.carrier_codes import CarrierCodesError, load_codes
from jobs.providers.seventeentrack import SeventeenTrack, result_from_item, verify_webhook
from tests.loopback import LoopbackServer, Reply

KEY = "test-17token"


def _event(time_utc, time_iso, text, location, sub_status):
    return {
        "time_iso": time_iso,
        "time_utc": time_utc,
        "time_raw": {"date": None, "time": None, "timezone": None},
        "description": text,
        "location": location,
        "stage": None,
        "sub_status": sub_status,
    }


def track_item(number):
    """A gettrackinfo accepted item shaped like the API's sample (events newest first)."""
    events = [
        _event(
            "2026-11-03T17:35:22Z",
            "2026-11-03T09:35:22-08:00",
            "Delivered, Front Door",
            "GASQUET, CA, US",
            "Delivered_Other",
        ),
        _event(
            "2026-11-03T14:10:00Z",
            "2026-11-03T06:10:00-08:00",
            "Out For Delivery Today",
            "Crescent City, CA, US",
            "OutForDelivery_Other",
        ),
        _event(None, "2026-11-01T12:00:00+08:00", "Departed Facility", None, "InTransit_Other"),
        _event(None, None, "Event without any time", None, None),
    ]
    return {
        "number": number,
        "carrier": 100002,
        "param": None,
        "tag": None,
        "track_info": {
            "latest_status": {
                "status": "Delivered",
                "sub_status": "Delivered_Other",
                "sub_status_descr": None,
            },
            "misc_info": {"weight_kg": "22.32"},
            "tracking": {
                "providers_hash": 1,
                "providers": [
                    {"provider": {"key": 100002, "name": "UPS"}, "events": events},
                    {"provider": {"key": 3011, "name": "China Post"}, "events": events[2:3]},
                ],
            },
        },
    }


class Fake17Track:
    """Register / gettrackinfo with per-number behaviour chosen by the number's prefix."""

    def __init__(self):
        self.registered = set()
        self.override = None  # a Reply returned for every request when set
        self.upper = False  # answer with upper-cased numbers, as a real API may

    def __call__(self, req):
        if self.override:
            return self.override
        if req.headers.get("17token") != KEY:
            return Reply.of({"code": -18010002, "data": {"errors": [{"code": -18010002}]}}, 401)
        items = req.json()
        if req.path.endswith("/getquota"):
            quota = {"quota_total": 100, "quota_used": 3, "quota_remain": 97}
            return Reply.of({"code": 0, "data": quota})
        if len(items) > 40:
            return Reply.of({"code": -18010014, "data": {}})
        endpoint = req.path.rsplit("/", 1)[-1]
        accepted, rejected = [], []
        for item in items:
            number = item["number"].upper() if self.upper else item["number"]
            code = self._code(endpoint, number)
            if code:
                msg = f"error for '{number}'"
                rejected.append({"number": number, "error": {"code": code, "message": msg}})
            elif endpoint == "register":
                self.registered.add(number)
                accepted.append({"origin": 1, "number": number, "carrier": 3011})
            else:
                accepted.append(track_item(number))
        return Reply.of({"code": 0, "data": {"accepted": accepted, "rejected": rejected}})

    def _code(self, endpoint, number):
        if number.startswith("BAD"):
            return -18010012
        if number.startswith("NOCARRIER"):
            return -18019903
        if number.startswith("QUOTA") and endpoint == "register":
            return -18019908
        if endpoint == "register" and number in self.registered:
            return -18019901
        if endpoint == "gettrackinfo" and number.startswith("GHOST"):
            return -18019902
        return None


@pytest.fixture
def fake():
    state = Fake17Track()
    with LoopbackServer(state) as server:
        state.server = server
        yield state


def provider(fake, key=KEY, timeout=5.0):
    return SeventeenTrack(key, fake.server.url + "/track/v2.2", timeout=timeout)


def test_register_then_gettrackinfo_with_documented_request_shape(fake):
    queries = [
        Query("1Z2617V10397725789", "ups"),
        Query("RR123456789CN", "3011"),
        Query("LX123456789DE", "s10"),
    ]  # a mapped key, a 17TRACK key, an unmapped key
    results = provider(fake).fetch(queries)
    reg, info = fake.server.requests
    assert (reg.method, reg.path, info.path) == (
        "POST",
        "/track/v2.2/register",
        "/track/v2.2/gettrackinfo",
    )
    assert reg.headers["17token"] == KEY and reg.headers["content-type"] == "application/json"
    assert reg.json() == [
        {"number": "1Z2617V10397725789", "carrier": 100002},
        {"number": "RR123456789CN", "carrier": 3011},
        {"number": "LX123456789DE"},
    ]
    result = results["1Z2617V10397725789"]
    assert (result.native_status, result.native_substatus) == ("Delivered", "Delivered_Other")
    assert result.provider == "17track" and result.error is None
    assert [(e.time, e.text, e.location, e.code) for e in result.events] == [
        (datetime(2026, 11, 1, 4, 0, tzinfo=UTC), "Departed Facility", None, "InTransit_Other"),
        (
            datetime(2026, 11, 3, 14, 10, tzinfo=UTC),
            "Out For Delivery Today",
            "Crescent City, CA, US",
            "OutForDelivery_Other",
        ),
        (
            datetime(2026, 11, 3, 17, 35, 22, tzinfo=UTC),
            "Delivered, Front Door",
            "GASQUET, CA, US",
            "Delivered_Other",
        ),
    ]


def test_already_registered_numbers_are_fetched_normally(fake):
    provider(fake).fetch([Query("LX123456789DE")])
    again = provider(fake).fetch([Query("LX123456789DE")])
    assert again["LX123456789DE"].events and again["LX123456789DE"].error is None


def test_partial_batch_failures_become_per_number_errors(fake):
    numbers = ["OK1234567", "BAD12", "NOCARRIER99", "GHOST42"]
    results = provider(fake).fetch([Query(n) for n in numbers])
    assert {n: r.error for n, r in results.items()} == {
        "OK1234567": None,
        "BAD12": "invalid",
        "NOCARRIER99": "unsupported_carrier",
        "GHOST42": "unknown_number",
    }
    info = fake.server.requests[1].json()
    assert [i["number"] for i in info] == ["OK1234567", "GHOST42"]  # rejected ones not re-asked


# Requests are cleared per example; registrations carried over are harmless (-18019901).
FIXTURE_OK = [HealthCheck.function_scoped_fixture]


@settings(max_examples=12, deadline=None, suppress_health_check=FIXTURE_OK)
@given(count=st.integers(min_value=0, max_value=130))
def test_batches_never_exceed_40_and_every_number_gets_a_result(fake, count):
    fake.server.requests.clear()
    numbers = [f"PD{count:03d}{i:05d}" for i in range(count)]
    results = provider(fake).fetch([Query(n) for n in numbers])
    assert set(results) == set(numbers)
    assert all(1 <= len(r.json()) <= 40 for r in fake.server.requests)
    sent = [
        i["number"] for r in fake.server.requests if r.path.endswith("register") for i in r.json()
    ]
    assert sorted(sent) == sorted(numbers)


@pytest.mark.parametrize(
    "reply, error, retry_after",
    [
        (Reply.of({"code": 0}, 429, {"Retry-After": "7"}), TransientError, 7.0),
        (Reply.of({}, 429), TransientError, None),
        (Reply.of({"message": "oops"}, 500), TransientError, None),
        (Reply(503, b"Service Unavailable"), TransientError, None),
        (Reply(200, b"<html>gateway</html>"), TransientError, None),
        (Reply.of([1, 2, 3]), TransientError, None),
        (Reply.of({"code": 0, "data": "garbage"}), TransientError, None),
        (Reply.of({"code": -18010003, "data": {}}), TransientError, None),
        (Reply.of({"code": -18010002, "data": {}}), PermanentError, None),
        (Reply.of({"code": -18010001, "data": {}}), PermanentError, None),
        (Reply.of({"code": -18010004, "data": {}}, 401), PermanentError, None),
        (Reply.of({"code": -18010014, "data": {}}), ProviderError, None),
        (Reply.of({"code": 0}, 404), ProviderError, None),
    ],
)
def test_whole_request_failures_map_onto_the_error_taxonomy(fake, reply, error, retry_after):
    fake.override = reply
    with pytest.raises(error) as caught:
        provider(fake).fetch([Query("LX123456789DE")])
    if error is TransientError:
        assert caught.value.retry_after == retry_after


def test_bad_token_is_permanent(fake):
    with pytest.raises(PermanentError):
        provider(fake, key="wrong").fetch([Query("LX123456789DE")])


def test_quota_exhausted_is_permanent(fake):
    with pytest.raises(PermanentError, match="quota"):
        provider(fake).fetch([Query("OK1"), Query("QUOTA1")])


def test_timeout_is_transient(fake):
    fake.override = Reply.of({"code": 0, "data": {}}, hang=True)
    with pytest.raises(TransientError, match="timeout"):
        provider(fake, timeout=0.2).fetch([Query("LX123456789DE")])


def test_unreachable_server_is_transient():
    # A port bound here but never listening refuses every connection; a port merely freed
    # could meanwhile be taken by another process's server on a shared machine.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/track/v2.2"
        with pytest.raises(TransientError):
            SeventeenTrack(KEY, url, timeout=1.0).fetch([Query("LX123456789DE")])


def test_missing_key_is_permanent():
    with pytest.raises(PermanentError):
        SeventeenTrack("")


def test_empty_batch_makes_no_request(fake):
    assert provider(fake).fetch([]) == {}
    assert fake.server.requests == []


def test_webhook_signature_good_and_tampered():
    body = json.dumps({"event": "TRACKING_UPDATED", "data": track_item("1Z1")}).encode()
    sign = hashlib.sha256(body + b"/" + KEY.encode()).hexdigest()
    assert verify_webhook(body, sign, KEY)
    assert verify_webhook(body, sign.upper(), KEY)
    assert not verify_webhook(body + b" ", sign, KEY)
    assert not verify_webhook(body, sign, "another-key")
    assert not verify_webhook(body, "", KEY)


def test_webhook_data_translates_like_gettrackinfo():
    result = result_from_item({"event": "TRACKING_UPDATED", "data": track_item("1Z1")}["data"])
    assert result.number == "1Z1" and len(result.events) == 3
    stopped = result_from_item({"number": "1234567890", "carrier": 1001, "param": None})
    assert stopped.events == [] and stopped.native_status is None


def test_get_provider_builds_17track_from_settings(fake):
    built = get_provider(
        {
            "TRACKING_PROVIDER": "17track",
            "PROVIDER_API_KEY": KEY,
            "PROVIDER_BASE_URL": fake.server.url,
        }
    )
    assert isinstance(built, SeventeenTrack) and built.max_batch == 40
    assert (
        get_provider(
            {"TRACKING_PROVIDER": "17track", "PROVIDER_API_KEY": KEY, "PROVIDER_BASE_URL": ""}
        ).base_url
        == "https://api.17track.net/track/v2.2"
    )


def test_results_are_keyed_by_the_number_as_asked(fake):
    fake.upper = True
    results = provider(fake).fetch([Query("lx123456789de"), Query("bad-one")])
    assert set(results) == {"lx123456789de", "bad-one"}
    assert results["lx123456789de"].events and results["lx123456789de"].number == "lx123456789de"
    assert results["bad-one"].error == "invalid"
    info = fake.server.requests[1].json()
    assert [i["number"] for i in info] == ["lx123456789de"]  # the rejected one is not re-asked


def test_a_malformed_carrier_code_file_is_rejected(tmp_path):
    path = tmp_path / "codes.json"
    path.write_text(json.dumps({"17track": {"ups": "100002"}, "aftership": {}}))
    with pytest.raises(CarrierCodesError, match="17track.ups must be int"):
        load_codes(path)
    path.write_text("{")
    with pytest.raises(CarrierCodesError):
        load_codes(path)


def test_check_connection_reports_quota_or_rejects_the_key(fake):
    assert provider(fake).check_connection().endswith(": 97 of 100 tracking quota left")
    assert fake.server.requests[0].path == "/track/v2.2/getquota"
    with pytest.raises(PermanentError):
        provider(fake, key="wrong").check_connection()


def test_repeated_scans_are_dropped_in_linear_time(monkeypatch):
    """A push listing thousands of events must not compare every event with every other."""
    from jobs.tracking.events import Event

    calls = []
    original = Event.__eq__
    monkeypatch.setattr(Event, "__eq__", lambda a, b: calls.append(1) or original(a, b))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    events = [
        _event((start + timedelta(seconds=i)).isoformat(), None, f"s{i}", None, None)
        for i in range(3000)
    ]
    item = track_item("1Z1")
    item["track_info"]["tracking"]["providers"] = [{"events": events}, {"events": events[:10]}]
    result = result_from_item(item)
    assert len(result.events) == 3000  # the ten listed twice are kept once
    assert len(calls) < 10 * len(events)
