"""AfterShip adapter against a loopback server that speaks the documented shapes."""

import base64
import hashlib
import hmac
import json
import urllib.parse
from datetime import UTC, datetime

import pytest
import time_machine

from jobs.providers import get_provider
from jobs.providers.aftership import API_VERSION, AfterShip, result_from_tracking, verify_webhook
from jobs.providers.base import PermanentError, ProviderError, Query, TransientError
from tests.loopback import LoopbackServer, Reply

KEY = "asat_test_key"
PREFIX = f"/tracking/{API_VERSION}"


def usps_tracking(number="9405511202575421535949", updated="2023-01-20T17:47:10+00:00"):
    """A tracking object like the documented example (Exception_007, one checkpoint)."""
    return {
        "id": "bff5a3bac79b472991a204172473a635",
        "tracking_number": number,
        "slug": "usps",
        "tag": "Exception",
        "subtag": "Exception_007",
        "subtag_message": "Incorrect Address",
        "active": True,
        "created_at": "2023-01-18T08:47:10+00:00",
        "updated_at": updated,
        "checkpoints": [
            {
                "slug": "usps",
                "checkpoint_time": "2023-01-20T09:12:00-05:00",
                "created_at": "2023-01-20T14:30:00+00:00",
                "message": "Undeliverable as Addressed",
                "location": "BROOKLYN, NY 11201",
                "city": "BROOKLYN",
                "state": "NY",
                "country_region": "USA",
                "tag": "Exception",
                "subtag": "Exception_007",
                "raw_tag": "21",
            },
            {
                "slug": "usps",
                "checkpoint_time": "2023-01-18T10:00:00",
                "message": "Accepted",
                "location": None,
                "city": "NEW YORK",
                "state": "NY",
                "country_region": "USA",
                "tag": "InTransit",
                "subtag": "InTransit_002",
            },
            {"slug": "usps", "checkpoint_time": None, "message": "No time, dropped"},
        ],
    }


class FakeAfterShip:
    """GET /trackings?tracking_numbers=… and POST /trackings with a small in-memory store."""

    def __init__(self):
        self.store = {"9405511202575421535949": [usps_tracking()]}
        self.override = None
        self.create_reply = {}  # number prefix -> (HTTP status, meta code)

    def __call__(self, req):
        if self.override:
            return self.override
        if req.headers.get("as-api-key") != KEY:
            return Reply.of({"meta": {"code": 401, "message": "Invalid API key."}, "data": {}}, 401)
        url = urllib.parse.urlsplit(req.path)
        if req.method == "GET" and url.path == f"{PREFIX}/trackings":
            asked = urllib.parse.parse_qs(url.query).get("tracking_numbers", [""])[0]
            numbers = asked.split(",") if asked else list(self.store)
            found = [t for n in numbers for t in self.store.get(n, [])]
            data = {"pagination": {"total": len(found), "has_next_page": False}, "trackings": found}
            return Reply.of({"meta": {"code": 200}, "data": data})
        if req.method == "POST" and url.path == f"{PREFIX}/trackings":
            return self._create(req.json())
        return Reply.of({"meta": {"code": 404, "message": "Not found"}, "data": {}}, 404)

    def _create(self, body):
        number = body["tracking_number"]
        for prefix, (status, code) in self.create_reply.items():
            if number.startswith(prefix):
                return Reply.of({"meta": {"code": code, "message": "no"}, "data": {}}, status)
        tracking = {
            "id": f"id{number}",
            "tracking_number": number,
            "slug": body.get("slug", "china-ems"),
            "tag": "Pending",
            "subtag": "Pending_001",
            "checkpoints": [],
        }
        self.store[number] = [tracking]
        return Reply.of({"meta": {"code": 201}, "data": tracking}, 201)


@pytest.fixture
def fake():
    state = FakeAfterShip()
    with LoopbackServer(state) as server:
        state.server = server
        yield state


def provider(fake, key=KEY, timeout=5.0):
    return AfterShip(key, fake.server.url + PREFIX, timeout=timeout)


def test_existing_tracking_is_read_with_tag_subtag_and_checkpoints(fake):
    results = provider(fake).fetch([Query("9405511202575421535949", "usps")])
    (req,) = fake.server.requests
    assert req.method == "GET" and req.headers["as-api-key"] == KEY
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(req.path).query)
    assert query["tracking_numbers"] == ["9405511202575421535949"]
    result = results["9405511202575421535949"]
    assert (result.native_status, result.native_substatus) == ("Exception", "Exception_007")
    assert [(e.time, e.text, e.location, e.code) for e in result.events] == [
        (
            datetime(2023, 1, 18, 10, 0, tzinfo=UTC),
            "Accepted",
            "NEW YORK, NY, USA",
            "InTransit_002",
        ),
        (
            datetime(2023, 1, 20, 14, 12, tzinfo=UTC),
            "Undeliverable as Addressed",
            "BROOKLYN, NY 11201",
            "Exception_007",
        ),
    ]


def test_missing_numbers_are_created_with_slug_and_reported_pending(fake):
    queries = [Query("LZ123456789CN", "china_ems"), Query("1Z999", "s10")]  # s10: no slug known
    results = provider(fake).fetch(queries)
    get, post1, post2 = fake.server.requests
    assert get.method == "GET" and (post1.method, post1.path) == ("POST", f"{PREFIX}/trackings")
    assert post1.json() == {"tracking_number": "LZ123456789CN", "slug": "china-ems"}
    assert post2.json() == {"tracking_number": "1Z999"}
    assert post1.headers["content-type"] == "application/json"
    assert results["LZ123456789CN"].native_status == "Pending"
    assert results["LZ123456789CN"].events == [] and results["1Z999"].error is None
    provider(fake).fetch([Query("LZ123456789CN")])
    assert [r.method for r in fake.server.requests[3:]] == ["GET"]  # not created twice


def test_same_number_under_two_couriers_takes_the_latest_updated(fake):
    older = usps_tracking("DUP1", updated="2023-01-01T00:00:00+00:00")
    newer = {**usps_tracking("DUP1", updated="2023-02-01T00:00:00+00:00"), "tag": "Delivered"}
    fake.store["DUP1"] = [older, newer]
    assert provider(fake).fetch([Query("DUP1")])["DUP1"].native_status == "Delivered"


def test_partial_failures_become_per_number_errors(fake):
    fake.create_reply = {
        "NOCOURIER": (400, 4012),
        "BAD": (400, 4011),
        "RACE": (409, 4003),
        "GONE": (404, 4004),
        "FMT": (400, 4017),
    }
    numbers = ["NOCOURIER1", "BAD1", "RACE1", "GONE1", "FMT1", "9405511202575421535949"]
    results = provider(fake).fetch([Query(n) for n in numbers])
    assert {n: r.error for n, r in results.items()} == {
        "NOCOURIER1": "unsupported_carrier",
        "BAD1": "invalid",
        "RACE1": None,
        "GONE1": "unknown_number",
        "FMT1": "invalid",
        "9405511202575421535949": None,
    }


def test_batches_of_at_most_40_numbers(fake):
    numbers = [f"NEW{i:04d}" for i in range(85)]
    results = provider(fake).fetch([Query(n) for n in numbers])
    gets = [r for r in fake.server.requests if r.method == "GET"]
    sizes = [
        len(
            urllib.parse.parse_qs(urllib.parse.urlsplit(r.path).query)["tracking_numbers"][0].split(
                ","
            )
        )
        for r in gets
    ]
    assert sizes == [40, 40, 5] and set(results) == set(numbers)


@pytest.mark.parametrize(
    "reply, error, retry_after",
    [
        (Reply.of({"meta": {"code": 429}}, 429, {"Retry-After": "3"}), TransientError, 3.0),
        (Reply.of({"meta": {"code": 500}}, 500), TransientError, None),
        (Reply(502, b"Bad Gateway"), TransientError, None),
        (Reply(200, b"{not json"), TransientError, None),
        (Reply.of({"meta": {"code": 200}, "data": {"trackings": "nope"}}), TransientError, None),
        (Reply.of({"meta": {"code": 200}}), TransientError, None),
        (Reply.of({"meta": {"code": 402, "message": "quota"}}, 402), PermanentError, None),
        (Reply.of({"meta": {"code": 403}}, 403), PermanentError, None),
        (Reply.of({"meta": {"code": 4001, "message": "bad request"}}, 400), ProviderError, None),
    ],
)
def test_whole_request_failures_map_onto_the_error_taxonomy(fake, reply, error, retry_after):
    fake.override = reply
    with pytest.raises(error) as caught:
        provider(fake).fetch([Query("9405511202575421535949")])
    if error is TransientError:
        assert caught.value.retry_after == retry_after


def test_rate_limit_reset_header_is_used_without_retry_after(fake):
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    reset = str(int(now.timestamp()) + 3600)
    fake.override = Reply.of({"meta": {"code": 429}}, 429, {"X-RateLimit-Reset": reset})
    with time_machine.travel(now, tick=False), pytest.raises(TransientError) as caught:
        provider(fake).fetch([Query("X1")])
    assert caught.value.retry_after == 3600


def test_bad_key_is_permanent(fake):
    with pytest.raises(PermanentError):
        provider(fake, key="wrong").fetch([Query("X1")])


def test_timeout_is_transient(fake):
    fake.override = Reply.of({"meta": {"code": 200}, "data": {"trackings": []}}, hang=True)
    with pytest.raises(TransientError, match="timeout"):
        provider(fake, timeout=0.2).fetch([Query("X1")])


def test_webhook_signature_good_and_tampered():
    secret = "webhook-secret"
    body = json.dumps({"event": "tracking_update", "msg": usps_tracking()}).encode()
    sig = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    assert verify_webhook(body, sig, secret)
    assert not verify_webhook(body.replace(b"Exception", b"Delivered"), sig, secret)
    assert not verify_webhook(body, sig, "other-secret")
    assert not verify_webhook(body, "", secret)


def test_webhook_msg_translates_like_the_api():
    result = result_from_tracking({"event": "tracking_update", "msg": usps_tracking()}["msg"])
    assert result.number == "9405511202575421535949" and len(result.events) == 2


def test_get_provider_builds_aftership_with_dated_base_url():
    built = get_provider({"TRACKING_PROVIDER": "aftership", "PROVIDER_API_KEY": KEY})
    assert isinstance(built, AfterShip)
    assert built.base_url == f"https://api.aftership.com/tracking/{API_VERSION}"
    with pytest.raises(PermanentError):
        get_provider({"TRACKING_PROVIDER": "aftership", "PROVIDER_API_KEY": ""})
    with pytest.raises(ValueError):
        get_provider({"TRACKING_PROVIDER": "carrier-pigeon"})


def test_check_connection_accepts_a_good_key_and_rejects_a_bad_one(fake):
    assert provider(fake).check_connection().startswith("AfterShip key accepted")
    with pytest.raises(PermanentError):
        provider(fake, key="wrong").check_connection()
