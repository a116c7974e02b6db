"""Hostile input answers 4xx, never 500: redirect targets, absurd ids, control characters."""

import re
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD, csrf_from, sign_up

OFF_SITE = [
    "//evil.test/x",
    "/%09/evil.test",
    "/\t/evil.test",
    "/%0d%0a/evil.test",
    "/\\evil.test",
    "/%5Cevil.test",
    "https://evil.test/",
    "javascript:alert(1)",
    "/%00",
    "/\x7f/evil.test",
]


def log_in(client, next_param):
    client.post("/logout", data={"csrf_token": csrf_from(client, "/uploads")})
    token = csrf_from(client, "/login")
    return client.post(
        "/login",
        query_string={"next": next_param},
        data={"email": "a@example.com", "password": PASSWORD, "csrf_token": token},
    )


def same_origin_path(location: str) -> bool:
    parts = urlsplit(location)
    browser_view = re.sub(r"[\t\n\r]", "", location)  # browsers drop these inside URLs
    return (
        parts.netloc in ("", "localhost")
        and not browser_view.startswith(("//", "/\\"))
        and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in location)
    )


@pytest.mark.parametrize("target", OFF_SITE)
def test_log_in_redirects_only_to_paths_of_this_site(client, target):
    sign_up(client, "a@example.com")
    response = log_in(client, target)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert same_origin_path(location), location
    assert location.endswith("/shipments")


def test_log_in_keeps_a_genuine_next_page(client):
    sign_up(client, "a@example.com")
    response = log_in(client, "/shipments?status=alert&q=a b")
    assert response.headers["Location"] == "/shipments?status=alert&q=a%20b"


@pytest.mark.parametrize(
    "path",
    [
        "/shipments?q=%00%09",
        "/shipments?q=a%00b&carrier=%00",
        "/uploads/%0a1",
        "/shipments/%01",
        "/webhooks/17track/ab%00cd",
        "/login?next=%00",
        "/login?next=/%00",
    ],
)
def test_control_characters_in_visited_urls_never_give_500(client, path):
    assert client.open(path, method="POST" if "webhooks" in path else "GET").status_code < 500
    sign_up(client, "a@example.com")
    assert client.get(path).status_code < 500


@pytest.mark.parametrize("field", ["email", "password"])
def test_nul_characters_in_forms_never_give_500(client, field):
    sign_up(client, "a@example.com")
    client.post("/logout", data={"csrf_token": csrf_from(client, "/uploads")})
    data = {"email": "a@example.com", "password": PASSWORD} | {field: "a\x00@example.com"}
    response = client.post("/login", data=data | {"csrf_token": csrf_from(client, "/login")})
    assert 400 <= response.status_code < 500


ABSURD_IDS = ["9" * 23, str(2**63), "-1", "0"]


def test_every_route_answers_absurd_ids_with_4xx(app, merchant_client):
    """Every rule of the URL map with a numeric part, called with ids no database can hold."""
    token = csrf_from(merchant_client, "/uploads")
    checked = 0
    for rule in app.url_map.iter_rules():
        numeric = [name for name, conv in rule._converters.items() if conv.regex == r"\d+"]
        if not numeric:
            continue
        for absurd in ABSURD_IDS:
            values = {name: 1 for name in rule.arguments} | dict.fromkeys(numeric, absurd)
            path = rule.rule
            for name, value in values.items():
                path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), path)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = merchant_client.open(
                    path, method=method, data={"csrf_token": token}, headers={"X-CSRFToken": token}
                )
                assert response.status_code < 500, (method, path, response.status_code)
                checked += 1
    assert checked > 10


def wrong_typed_17track(number):
    return [
        [],
        "TRACKING_UPDATED",
        {"event": ["TRACKING_UPDATED"], "data": {}},
        {"event": "TRACKING_UPDATED", "data": []},
        {"event": "TRACKING_UPDATED", "data": {"number": 5}},
        {"event": "TRACKING_UPDATED", "data": {"number": [number]}},
        {"event": "TRACKING_UPDATED", "data": {"number": number, "track_info": "x"}},
        {"event": "TRACKING_UPDATED", "data": {"number": number, "track_info": {"tracking": 1}}},
        {
            "event": "TRACKING_UPDATED",
            "data": {"number": number, "track_info": {"tracking": {"providers": [None, 3]}}},
        },
        {
            "event": "TRACKING_UPDATED",
            "data": {
                "number": number,
                "track_info": {"tracking": {"providers": [{"events": [7, {"time_utc": 9}]}]}},
            },
        },
    ]


def wrong_typed_aftership(number):
    return [
        [],
        {"event": "tracking_update", "msg": []},
        {"event": "tracking_update", "msg": {"tracking_number": 5}},
        {"event": "tracking_update", "msg": {"tracking_number": number, "checkpoints": "x"}},
        {"event": "tracking_update", "msg": {"tracking_number": number, "checkpoints": [1, None]}},
        {
            "event": "tracking_update",
            "msg": {"tracking_number": number, "checkpoints": [{"checkpoint_time": 5}]},
        },
        {"event": "tracking_update", "msg": {"tracking_number": number, "tag": ["x"]}},
    ]


@pytest.mark.parametrize("provider", ["17track", "aftership"])
def test_wrong_typed_webhook_payloads_answer_without_a_500(app, merchant_client, provider):
    from tests.test_webhooks import AS_SECRET, merchant_with, post, sign_17track, sign_aftership

    number = "LX123456785CN"
    if provider == "17track":
        token = merchant_with(merchant_client, "17track", number)
        payloads, signer = wrong_typed_17track(number), sign_17track
    else:
        token = merchant_with(merchant_client, "aftership", number, webhook_secret=AS_SECRET)
        payloads, signer = wrong_typed_aftership(number), sign_aftership
    for payload in payloads:
        response = post(merchant_client, f"/webhooks/{provider}/{token}", payload, signer)
        assert response.status_code < 500, payload
