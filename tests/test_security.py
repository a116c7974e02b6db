"""Accounts and sessions: headers, throttling, password rules and changes, export and deletion."""

import json

import pytest

from jobs.store.models import Merchant, Shipment, StatusChange, TrackingEvent, Upload, UploadChunk
from tests.conftest import PASSWORD, csrf_from, run_jobs, sign_up
from tests.test_thin_path import upload_csv
from webapp.auth import password_problem


def log_in(client, email, password=PASSWORD):
    token = csrf_from(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def log_out(client):
    client.post("/logout", data={"csrf_token": csrf_from(client, "/account")})


def test_every_response_carries_the_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.get_data(as_text=True)  # no inline script to allow


def test_log_in_is_throttled_per_account(client):
    sign_up(client, "a@example.com")
    log_out(client)
    for _ in range(5):
        assert log_in(client, "a@example.com", "wrong password!").status_code == 422
    blocked = log_in(client, "a@example.com")  # even the right password waits
    assert blocked.status_code == 429
    assert "Too many failed log-ins" in blocked.get_data(as_text=True)
    assert client.get("/shipments").status_code == 302


def test_log_in_is_throttled_per_address(client):
    sign_up(client, "a@example.com")
    log_out(client)
    for i in range(20):
        log_in(client, f"nobody{i}@example.com", "wrong password!")
    assert log_in(client, "a@example.com").status_code == 429


def test_a_successful_log_in_forgives_earlier_failures(client):
    sign_up(client, "a@example.com")
    log_out(client)
    for _ in range(4):
        log_in(client, "a@example.com", "wrong password!")
    assert log_in(client, "a@example.com").status_code == 303
    log_out(client)
    for _ in range(4):
        log_in(client, "a@example.com", "wrong password!")
    assert log_in(client, "a@example.com").status_code == 303


def test_log_in_starts_a_fresh_session(client):
    sign_up(client, "a@example.com")
    log_out(client)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    log_in(client, "a@example.com")
    with client.session_transaction() as session:
        assert "planted" not in session
    log_out(client)
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.parametrize(
    "password, problem",
    [
        ("short", "at least 10"),
        ("password123", "too easy"),
        ("aaaaaaaaaaaa", "too easy"),
        ("shopkeeper-2026!", "email"),
        ("correct horse battery", None),
    ],
)
def test_password_rules(password, problem):
    found = password_problem(password, "shopkeeper@example.com")
    assert (found is None) if problem is None else (problem in found)


def test_password_change_needs_the_current_password(merchant_client):
    token = csrf_from(merchant_client, "/account")
    wrong = merchant_client.post(
        "/account/password",
        data={"current": "not my password", "new": "another fine password", "csrf_token": token},
    )
    assert wrong.status_code == 422
    right = merchant_client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "another fine password", "csrf_token": token},
    )
    assert right.status_code == 303
    log_out(merchant_client)
    assert log_in(merchant_client, "merchant-a@example.com").status_code == 422
    assert (
        log_in(merchant_client, "merchant-a@example.com", "another fine password").status_code
        == 303
    )


def test_export_holds_all_of_my_data_and_none_of_anyone_elses(merchant_client, two_merchants):
    lines = [json.loads(line) for line in merchant_client.get("/account/export").data.splitlines()]
    shipments = [line for line in lines if line["type"] == "shipment"]
    assert sorted(s["tracking_number"] for s in shipments) == [
        "SBXALERTLOST01",
        "SBXDELIVERED01",
        "SBXUNDELIVEREDABSENT01",
    ]
    assert all(s["events"] and s["status_history"] for s in shipments)
    assert [line["filename"] for line in lines if line["type"] == "upload"] == ["orders.csv"]


def test_delete_account_removes_everything_of_it_and_only_that(app, merchant_client):
    upload_csv(merchant_client)
    other = app.test_client()
    sign_up(other, "merchant-b@example.com")
    upload_csv(other, "tracking\nSBXRETURNEDTOSENDER01\n", name="b.csv")
    run_jobs(app)
    stored = Upload.get(Upload.filename == "orders.csv").id
    assert UploadChunk.select().where(UploadChunk.upload == stored).exists()
    b_shipment = Shipment.get(Shipment.tracking_number == "SBXRETURNEDTOSENDER01").id
    b_events = TrackingEvent.select().where(TrackingEvent.shipment == b_shipment).count()
    b_changes = StatusChange.select().where(StatusChange.shipment == b_shipment).count()
    assert TrackingEvent.select().count() > b_events > 0  # A has events of its own to lose
    assert StatusChange.select().count() > b_changes > 0
    token = csrf_from(merchant_client, "/account")
    refused = merchant_client.post("/account/delete", data={"confirm": "nope", "csrf_token": token})
    assert refused.status_code == 422 and Merchant.select().count() == 2
    done = merchant_client.post("/account/delete", data={"confirm": PASSWORD, "csrf_token": token})
    assert done.status_code == 303
    assert [m.email for m in Merchant.select()] == ["merchant-b@example.com"]
    assert [s.tracking_number for s in Shipment.select()] == ["SBXRETURNEDTOSENDER01"]
    assert TrackingEvent.select().count() == b_events  # A's are gone, B's all kept
    assert StatusChange.select().count() == b_changes
    assert not UploadChunk.select().where(UploadChunk.upload == stored).exists()  # the file too
    assert UploadChunk.select().count() > 0  # B's file stays
    assert merchant_client.get("/shipments").status_code == 302
