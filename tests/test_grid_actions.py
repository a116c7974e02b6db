"""Follow-up, bulk actions and live updates of the grid: CSRF, merchant isolation, refresh."""

import re
from datetime import timedelta

import pytest

from jobs.store.models import Shipment, StatusChange, Upload, utcnow
from tests.conftest import csrf_from, run_jobs
from tests.test_grid import HX, make_sample, numbers_in
from tests.test_schedule import queued_jobs
from tests.test_thin_path import upload_csv


@pytest.fixture
def sample(merchant_client):
    """The grid tests' sample: five shipments of merchant-a, one of merchant-b."""
    return make_sample()


def ids(*numbers):
    return [Shipment.get(Shipment.tracking_number == n).id for n in numbers]


def count_of(body, tab):
    return int(
        re.search(rf'class="tab tab-{tab}[^"]*"[^>]*>\s*[^<]+<span class="count">(\d+)', body)[1]
    )


def test_followup_needs_csrf_and_stays_within_the_merchant(app, sample, merchant_client):
    mine, theirs = ids("AAA1001", "ZZZ9009")
    assert (
        merchant_client.post(f"/shipments/{mine}/followup", data={"state": "resolved"}).status_code
        == 400
    )
    token = csrf_from(merchant_client, "/shipments")
    response = merchant_client.post(
        f"/shipments/{theirs}/followup", data={"state": "resolved", "csrf_token": token}
    )
    assert response.status_code == 404
    assert Shipment.get_by_id(theirs).followup == "open"


def test_resolving_takes_a_parcel_out_of_needs_action_and_refreshes_counts(
    app, sample, merchant_client
):
    (mine,) = ids("AAA1001")
    token = csrf_from(merchant_client, "/shipments")
    response = merchant_client.post(
        f"/shipments/{mine}/followup",
        data={"state": "resolved", "note": "Refunded the customer", "csrf_token": token},
        headers=HX,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "grid-changed"
    assert body.lstrip().startswith('<aside id="detail"') and "Refunded the customer" in body
    assert f'<tr id="row-{mine}"' in body and 'hx-swap-oob="true"' in body  # the updated row
    shipment = Shipment.get_by_id(mine)
    assert (shipment.followup, shipment.note) == ("resolved", "Refunded the customer")
    grid = merchant_client.get("/shipments?status=needs_action").get_data(as_text=True)
    assert numbers_in(grid) == ["BBB2002"] and count_of(grid, "needs_action") == 1


def test_a_form_post_without_htmx_redirects_to_the_detail(app, sample, merchant_client):
    (mine,) = ids("BBB2002")
    token = csrf_from(merchant_client, "/shipments")
    response = merchant_client.post(
        f"/shipments/{mine}/followup", data={"state": "contacted", "csrf_token": token}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/{mine}")


def test_a_new_status_brings_a_resolved_parcel_back(app, merchant_client):
    upload_csv(merchant_client)
    run_jobs(app)
    shipment = Shipment.get(Shipment.tracking_number == "SBXALERTLOST01")
    token = csrf_from(merchant_client, "/shipments")
    merchant_client.post(
        f"/shipments/{shipment.id}/followup", data={"state": "resolved", "csrf_token": token}
    )
    assert "SBXALERTLOST01" not in merchant_client.get("/shipments?status=needs_action").get_data(
        as_text=True
    )
    Shipment.update(status="in_transit", reason="in_transit", next_check_at=utcnow()).where(
        Shipment.id == shipment.id
    ).execute()
    from jobs.resolve import resolve_batch

    resolve_batch([shipment.id])  # the sandbox still says lost: a status change again
    assert Shipment.get_by_id(shipment.id).followup == "open"
    assert "SBXALERTLOST01" in merchant_client.get("/shipments?status=needs_action").get_data(
        as_text=True
    )


def test_bulk_marks_the_selection_and_ignores_other_merchants_ids(app, sample, merchant_client):
    token = csrf_from(merchant_client, "/shipments")
    chosen = ids("AAA1001", "CCC3003", "ZZZ9009")
    assert (
        merchant_client.post(
            "/shipments/bulk", data={"action": "contacted", "ids": chosen}
        ).status_code
        == 400
    )
    response = merchant_client.post(
        "/shipments/bulk",
        data={"action": "contacted", "ids": chosen, "csrf_token": token, "status": "all"},
        headers=HX,
    )
    body = response.get_data(as_text=True)
    assert (
        response.headers["HX-Trigger"] == "grid-changed" and "2 shipments marked contacted" in body
    )
    states = {s.tracking_number: s.followup for s in Shipment.select()}
    assert states["AAA1001"] == states["CCC3003"] == "contacted" and states["ZZZ9009"] == "open"
    assert re.search(rf'value="{chosen[0]}" form="bulk"[^>]*checked', body)  # selection kept


def test_bulk_on_the_whole_view_and_the_no_javascript_redirect(app, sample, merchant_client):
    token = csrf_from(merchant_client, "/shipments")
    form = {"action": "resolved", "scope": "view", "carrier": "ups", "csrf_token": token}
    asked = merchant_client.post("/shipments/bulk", data=form)
    assert asked.status_code == 200 and "Mark all 2 shipments in this view resolved?" in (
        asked.get_data(as_text=True)
    )
    assert Shipment.select().where(Shipment.followup == "resolved").count() == 1  # as before
    response = merchant_client.post("/shipments/bulk", data={**form, "confirmed": "1"})
    assert response.status_code == 303 and "carrier=ups" in response.headers["Location"]
    resolved = {s.tracking_number for s in Shipment.select().where(Shipment.followup == "resolved")}
    assert resolved == {"AAA1001", "CCC3003", "DDD4004"}


def test_bulk_recheck_leases_and_queues_only_the_merchants_shipments(app, sample, merchant_client):
    token = csrf_from(merchant_client, "/shipments")
    later = utcnow() + timedelta(days=3)
    Shipment.update(next_check_at=later).execute()
    chosen = ids("AAA1001", "ZZZ9009")
    merchant_client.post(
        "/shipments/bulk",
        data={"action": "recheck", "ids": chosen, "csrf_token": token},
        headers=HX,
    )
    mine, theirs = Shipment.get_by_id(chosen[0]), Shipment.get_by_id(chosen[1])
    assert mine.next_check_at <= utcnow() and mine.claimed_until is not None  # leased: queued
    assert theirs.next_check_at == later and theirs.claimed_until is None
    assert queued_jobs(app) == 1


def test_live_polls_fast_while_jobs_run_and_keeps_polling_after(app, merchant_client):
    upload_csv(merchant_client)
    waiting = merchant_client.get("/shipments", headers=HX).get_data(as_text=True)
    assert re.search(r'id="live"[^>]*hx-trigger="every 2s', waiting)
    run_jobs(app)
    assert Upload.get().state == "done"
    done = merchant_client.get("/shipments/live", headers=HX).get_data(as_text=True)
    # Scheduled checks and webhooks change statuses after the import too: it keeps polling.
    assert "every 2s" not in done and "every 5s" in done and "grid-changed from:body" in done


def test_live_returns_counts_and_only_the_visible_rows_that_changed(app, sample, merchant_client):
    before = utcnow() - timedelta(seconds=1)
    a, b, c = ids("AAA1001", "BBB2002", "CCC3003")
    Shipment.update(checked_at=utcnow(), status="delivered", reason="delivered").where(
        Shipment.id.in_([a, c])
    ).execute()
    StatusChange.create(
        shipment=a,
        old_status="alert",
        old_reason="lost",
        new_status="delivered",
        new_reason="delivered",
    )
    response = merchant_client.get(
        "/shipments/live",
        query_string={"since": before.isoformat(), "visible": [a, b], "ids": [a]},
        headers=HX,
    )
    body = response.get_data(as_text=True)
    assert (
        f'<tr id="row-{a}"' in body and f'id="row-{b}"' not in body and f'id="row-{c}"' not in body
    )
    assert re.search(rf'value="{a}" form="bulk"[^>]*checked', body)  # the selection survives
    assert '<nav id="tabs"' in body and 'hx-swap-oob="true"' in body
    assert count_of(body, "delivered") == 2 and count_of(body, "alert") == 0
