"""The JSON API: bearer tokens, the grid's data per merchant, answers that match OpenAPI."""

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from jobs.store.models import ApiToken, Merchant, Shipment
from tests.conftest import csrf_from, run_jobs
from webapp.api import new_token

SPEC = json.loads((Path(__file__).parents[1] / "webapp/static/openapi.json").read_text())
REGISTRY = Registry().with_resource("urn:parceldesk:openapi", DRAFT202012.create_resource(SPEC))


def conforms(response, status: int):
    """Check the answer's status and validate its body against the OpenAPI schema for it."""
    assert response.status_code == status, response.get_data(as_text=True)
    path = re.sub(r"/\d+", "/{id}", response.request.path.removeprefix("/api/v1"))
    operation = SPEC["paths"][path][response.request.method.lower()]
    content = operation["responses"][str(status)]["content"]
    assert response.mimetype in content, (response.mimetype, list(content))
    schema = {"$ref": "urn:parceldesk:openapi" + content[response.mimetype]["schema"]["$ref"]}
    Draft202012Validator(schema, registry=REGISTRY).validate(response.get_json())
    return response.get_json()


def token_for(email: str, write=True) -> dict:
    merchant = Merchant.get(Merchant.email == email)
    return {"Authorization": f"Bearer {new_token(merchant.id, 'test', write)}"}


@pytest.fixture
def api(app, two_merchants):
    """(client, A's read+write headers, B's read+write headers), both merchants resolved."""
    client = app.test_client()
    return client, token_for("merchant-a@example.com"), token_for("merchant-b@example.com")


def test_no_token_or_a_wrong_one_is_401_problem_json(api):
    client, _, _ = api
    for headers in ({}, {"Authorization": "Bearer pd_nope"}, {"Authorization": "Basic eDp5"}):
        response = client.get("/api/v1/shipments", headers=headers)
        body = conforms(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert body["status"] == 401


def test_list_pages_through_every_shipment_of_the_merchant_only(api):
    client, a, _ = api
    mine = {
        s.tracking_number
        for s in Shipment.select().join(Merchant).where(Merchant.email == "merchant-a@example.com")
    }
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = conforms(client.get("/api/v1/shipments", query_string=query, headers=a), 200)
        seen += [item["tracking_number"] for item in body["items"]]
        cursor = body["next"]
        if not cursor:
            break
    assert sorted(seen) == sorted(mine) and len(seen) == len(set(seen))
    assert "SBXRETURNEDTOSENDER01" not in seen  # merchant B's


def test_list_filters_like_the_grid(api):
    client, a, _ = api
    body = conforms(
        client.get("/api/v1/shipments", query_string={"status": "alert"}, headers=a), 200
    )
    assert body["items"] and all(item["status"] == "alert" for item in body["items"])
    body = conforms(
        client.get("/api/v1/shipments", query_string={"q": "SBXDELIVERED01"}, headers=a), 200
    )
    assert [item["tracking_number"] for item in body["items"]] == ["SBXDELIVERED01"]


def test_one_shipment_has_events_history_and_followup(api):
    client, a, _ = api
    shipment = Shipment.get(Shipment.tracking_number == "SBXDELIVERED01")
    body = conforms(client.get(f"/api/v1/shipments/{shipment.id}", headers=a), 200)
    assert body["id"] == shipment.id and body["status"] == "delivered"
    assert body["events"] and body["status_history"][0]["new_status"] == "delivered"
    assert body["followup"] == "open"


def test_another_merchants_shipment_is_404_for_every_route(api):
    client, _, b = api
    shipment = Shipment.get(Shipment.tracking_number == "SBXDELIVERED01")  # A's
    before = (shipment.followup, shipment.note, shipment.next_check_at)
    conforms(client.get(f"/api/v1/shipments/{shipment.id}", headers=b), 404)
    followup = {"state": "resolved", "note": "B was here"}
    conforms(
        client.post(f"/api/v1/shipments/{shipment.id}/followup", json=followup, headers=b), 404
    )
    conforms(client.post(f"/api/v1/shipments/{shipment.id}/recheck", headers=b), 404)
    after = Shipment.get_by_id(shipment.id)
    assert (after.followup, after.note, after.next_check_at) == before


def test_followup_and_recheck_act(api):
    client, a, _ = api
    shipment = Shipment.get(Shipment.tracking_number == "SBXALERTLOST01")
    body = conforms(
        client.post(
            f"/api/v1/shipments/{shipment.id}/followup",
            json={"state": "contacted", "note": "Emailed the customer"},
            headers=a,
        ),
        200,
    )
    assert (body["followup"], body["note"]) == ("contacted", "Emailed the customer")
    bad = client.post(f"/api/v1/shipments/{shipment.id}/followup", json={"state": "x"}, headers=a)
    conforms(bad, 422)
    conforms(client.post(f"/api/v1/shipments/{shipment.id}/recheck", headers=a), 202)
    assert Shipment.get_by_id(shipment.id).claimed_until is not None  # leased: queued now


def test_a_read_only_token_cannot_write(api):
    client, _, _ = api
    read_only = token_for("merchant-a@example.com", write=False)
    shipment = Shipment.get(Shipment.tracking_number == "SBXALERTLOST01")
    response = client.post(
        f"/api/v1/shipments/{shipment.id}/followup", json={"state": "resolved"}, headers=read_only
    )
    conforms(response, 403)
    assert Shipment.get_by_id(shipment.id).followup == "open"
    conforms(client.get("/api/v1/counts", headers=read_only), 200)


def test_counts_match_the_grid(api):
    client, a, _ = api
    body = conforms(client.get("/api/v1/counts", headers=a), 200)
    mine = Shipment.select().join(Merchant).where(Merchant.email == "merchant-a@example.com")
    assert body["all"] == mine.count()
    assert body["alert"] == mine.where(Shipment.status == "alert").count()


def test_create_answers_per_item_through_the_upload_rules(app, api):
    client, a, _ = api
    items = [
        {"tracking_number": "SBXINTRANSIT77", "order_id": "#9001", "customer_name": "Cy"},
        {"tracking_number": "SBXDELIVERED01", "order_id": "#1002"},  # A has it already
        {"tracking_number": ""},
    ]
    body = conforms(client.post("/api/v1/shipments", json={"shipments": items}, headers=a), 207)
    results = {r["index"]: r for r in body["results"]}
    assert results[0]["result"] == "created"
    created = Shipment.get_by_id(results[0]["id"])
    assert (created.tracking_number, created.order_id) == ("SBXINTRANSIT77", "#9001")
    assert results[1]["result"] == "merged"
    assert results[2]["result"] == "rejected" and results[2]["reason"]
    run_jobs(app)
    assert Shipment.get_by_id(created.id).checked_at is not None  # resolved like an upload


def test_create_rejects_malformed_bodies_with_problems(api):
    client, a, _ = api
    conforms(client.post("/api/v1/shipments", data="nope", headers=a), 400)
    conforms(client.post("/api/v1/shipments", json={"shipments": []}, headers=a), 422)
    conforms(client.post("/api/v1/shipments", json={"shipments": [7]}, headers=a), 422)
    too_many = {"shipments": [{"tracking_number": "X"}] * 1001}
    conforms(client.post("/api/v1/shipments", json=too_many, headers=a), 413)


def test_rate_limited_per_token_with_retry_after(app, api):
    client, a, b = api
    app.config["API_RATE_PER_MINUTE"] = 3
    answers = [client.get("/api/v1/counts", headers=a).status_code for _ in range(4)]
    assert answers[-1] == 429 and answers[:3] == [200, 200, 200]
    limited = client.get("/api/v1/counts", headers=a)
    conforms(limited, 429)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/counts", headers=b).status_code == 200  # B has its own budget


def test_tokens_are_created_once_stored_hashed_and_revoked_from_settings(app, merchant_client):
    token = csrf_from(merchant_client, "/settings/integrations")
    page = merchant_client.post(
        "/settings/integrations/tokens",
        data={"name": "helpdesk", "scope": "write", "csrf_token": token},
    ).get_data(as_text=True)
    shown = page.split('id="new-token" class="secret">')[1].split("<")[0]
    assert shown.startswith("pd_")
    stored = ApiToken.get(ApiToken.name == "helpdesk")
    assert shown not in json.dumps(list(ApiToken.select().dicts()), default=str)
    assert shown not in merchant_client.get("/settings/integrations").get_data(as_text=True)
    client = app.test_client()
    assert (
        client.get("/api/v1/counts", headers={"Authorization": f"Bearer {shown}"}).status_code
        == 200
    )
    merchant_client.post(
        f"/settings/integrations/tokens/{stored.id}/revoke", data={"csrf_token": token}
    )
    assert (
        client.get("/api/v1/counts", headers={"Authorization": f"Bearer {shown}"}).status_code
        == 401
    )


def test_openapi_file_is_served_and_names_every_api_route(app, client):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.get_json()["openapi"].startswith("3.1")
    routes = {
        rule.rule.removeprefix("/api/v1").replace("<int:shipment_id>", "{id}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"
    }
    assert routes == set(SPEC["paths"])


def test_cli_creates_a_token_printed_alone(app, merchant_client, monkeypatch, capsys):
    from webapp.cli import main

    for key in ("PARCELDESK_HOME", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.setenv(key, app.config[key])
    argv = ["api-token", "create", "--merchant", "merchant-a@example.com", "--name", "script"]
    assert main([*argv, "--scope", "write"]) == 0
    token = capsys.readouterr().out
    assert token.startswith("pd_") and token.endswith("\n") and token.count("\n") == 1
    headers = {"Authorization": f"Bearer {token.strip()}"}
    assert app.test_client().get("/api/v1/counts", headers=headers).status_code == 200
    assert ApiToken.get(ApiToken.name == "script").can_write
    assert main(["api-token", "create", "--merchant", "nobody@example.com", "--name", "x"]) == 1


def test_set_the_carrier_by_hand_and_delete(api):
    client, a, b = api
    shipment = Shipment.get(Shipment.tracking_number == "SBXALERTLOST01")
    url = f"/api/v1/shipments/{shipment.id}"
    conforms(client.post(f"{url}/carrier", json={"carrier": "nope"}, headers=a), 422)
    conforms(client.post(f"{url}/carrier", json={"carrier": "ups"}, headers=b), 404)
    body = conforms(client.post(f"{url}/carrier", json={"carrier": "ups"}, headers=a), 200)
    assert body["carrier"] == "ups" and Shipment.get_by_id(shipment.id).claimed_until is None
    assert client.delete(url, headers=b).status_code == 404
    assert client.delete(url, headers=a).status_code == 204
    assert Shipment.get_or_none(Shipment.id == shipment.id) is None
    conforms(client.get(url, headers=a), 404)
