"""No merchant can see, change or download another merchant's data: every route is tried."""

import re

from jobs.store.models import (
    ApiToken,
    Connection,
    Merchant,
    Shipment,
    StatusChange,
    TrackingEvent,
    Upload,
    WebhookEndpoint,
    WebhookEvent,
)
from tests.conftest import csrf_from
from webapp.api import new_token

A_MARKERS = (
    "SBXALERTLOST01",
    "SBXDELIVERED01",
    "orders.csv",
    "Bob Baker",
    "Ann Archer",
    "a.example",
)
SKIPPED = {"static", "auth.logout", "account.delete"}  # these would end B's own session


def snapshot():
    """Everything of merchant A that B must not be able to change."""
    a = Merchant.get(Merchant.email == "merchant-a@example.com")
    rows = Shipment.select().where(Shipment.merchant == a).order_by(Shipment.id).dicts()
    keep = ("id", "status", "followup", "note", "next_check_at", "order_id", "customer_name")
    return (
        [{k: r[k] for k in keep} for r in rows],
        [(u.id, u.filename, u.state) for u in Upload.select().where(Upload.merchant == a)],
        TrackingEvent.select().count(),
        StatusChange.select().count(),
        a.password_hash,
        [(t.id, t.name) for t in ApiToken.select().where(ApiToken.merchant == a)],
        [
            (e.id, e.url, e.active)
            for e in WebhookEndpoint.select().where(WebhookEndpoint.merchant == a)
        ],
        [(e.id, e.state, e.attempts) for e in WebhookEvent.select()],
        [
            (c.id, c.url, c.credentials, c.next_run_at, c.last_run_at)
            for c in Connection.select().where(Connection.merchant == a)
        ],
    )


def ids_of_a():
    """Merchant A's ids, by the URL argument names routes use."""
    a = Merchant.get(Merchant.email == "merchant-a@example.com")
    shipment = Shipment.select().where(Shipment.merchant == a).first()
    upload = Upload.select().where(Upload.merchant == a).first()
    new_token(a.id, "a's script", True)
    endpoint = WebhookEndpoint.create(merchant=a, url="https://a.example/hook", secret="x")
    event = WebhookEvent.create(
        endpoint=endpoint, event_id="msg_a", payload="{}", state="delivered"
    )
    connection = Connection.create(
        merchant=a, kind="feed", url="https://a.example/orders.csv", credentials="sealed"
    )
    return {
        "connection_id": connection.id,
        "token_id": ApiToken.get(ApiToken.merchant == a).id,
        "endpoint_id": endpoint.id,
        "event_id": event.id,
        "upload_id": upload.id,
        "shipment_id": shipment.id,
        "merchant_id": a.id,
        "id": shipment.id,
        "token": a.webhook_token or "no-token",
    }


def url_for_rule(rule, ids):
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:\w+:)?{name}>", str(ids.get(name, 1)), url)
    return url


def valid_form(endpoint, ids, token) -> dict:
    """A form the route accepts (as its owner would send it), so B's try reaches the scoping."""
    forms = {
        "shipments.followup": {"state": "resolved", "note": "B was here"},
        "shipments.bulk": {"action": "contacted", "scope": "selected", "ids": ids["shipment_id"]},
        "uploads.mapping": {"tracking_number": "0"},
    }
    generic = {"ids": ids["shipment_id"], "shipment_id": ids["shipment_id"], "state": "resolved"}
    return {"csrf_token": token, **forms.get(endpoint, generic)}


def post(client, rule, ids, token, headers=None):
    url = url_for_rule(rule, ids)
    form = valid_form(rule.endpoint, ids, token)
    return client.post(url, data=form, headers={"X-CSRFToken": token, **(headers or {})})


def test_every_route_as_another_merchant_shows_and_changes_nothing(app, two_merchants):
    other = two_merchants
    ids = ids_of_a()
    before = snapshot()
    token = csrf_from(other, "/uploads")
    b = Merchant.get(Merchant.email == "merchant-b@example.com")
    # B's own read+write API token on every request, so the JSON API is walked as B too.
    bearer = {"Authorization": f"Bearer {new_token(b.id, 'walk', True)}"}
    tried = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        url = url_for_rule(rule, ids)
        for method in sorted(rule.methods & {"GET", "POST", "DELETE"}):
            if method == "GET":
                response = other.get(url, headers=bearer)
            elif method == "DELETE":
                response = other.delete(url, headers=bearer)
            elif rule.rule.startswith("/api/"):  # JSON bodies, valid but for the scoping
                body = {"state": "resolved", "carrier": "ups"}
                response = other.post(url, json=body, headers=bearer)
            else:
                response = post(other, rule, ids, token, bearer)
            tried += 1
            body = response.get_data(as_text=True)
            leaked = [m for m in A_MARKERS if m in body]
            assert not leaked, (method, url, response.status_code, leaked)
            if rule.arguments and rule.endpoint.split(".")[0] not in ("webhooks",):
                assert response.status_code in (400, 403, 404, 405, 422), (method, url)
    assert tried > 20
    assert snapshot() == before
    assert other.get("/shipments").status_code == 200  # B stayed logged in throughout


def test_the_forms_b_tried_change_a_shipment_when_a_sends_them(app, two_merchants, merchant_client):
    """The same forms are valid: B was stopped by the merchant scoping, not by validation."""
    ids, token = ids_of_a(), csrf_from(merchant_client, "/uploads")
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    for endpoint in ("shipments.followup", "shipments.bulk"):
        before = snapshot()
        response = post(merchant_client, rules[endpoint], ids, token)
        assert response.status_code == 303, (endpoint, response.status_code)
        assert snapshot() != before, endpoint
    assert Shipment.get_by_id(ids["shipment_id"]).followup == "contacted"


def test_merchant_b_sees_only_its_own_rows_everywhere(app, two_merchants):
    other = two_merchants
    for url in (
        "/shipments",
        "/shipments?status=returned",
        "/shipments?q=SBX",
        "/uploads",
        "/overview",
        "/reports/export?format=csv",
        "/reports/export?format=csv&preset=exceptions",
        "/account/export",
    ):
        body = other.get(url).get_data(as_text=True)
        assert not [m for m in A_MARKERS if m in body], url
    assert "SBXRETURNEDTOSENDER01" in other.get("/shipments").get_data(as_text=True)
