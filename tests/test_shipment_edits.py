"""Issue 17 item 8: set the carrier by hand from the detail panel; delete a shipment."""

from jobs.store.models import Merchant, Shipment, TrackingEvent, utcnow
from tests.conftest import csrf_from
from tests.test_grid import HX, add, merchant_id


def test_the_merchant_sets_the_carrier_by_hand_and_it_is_checked_again(app, merchant_client):
    shipment = add(merchant_id(), "06908826011129", carrier=None,
                   detection_reason="carrier_conflict")  # fmt: skip
    panel = merchant_client.get(f"/shipments/{shipment.id}", headers=HX).get_data(as_text=True)
    assert "Set the carrier by hand" in panel and '<option value="dpd"' in panel
    token = csrf_from(merchant_client, "/shipments")
    answer = merchant_client.post(
        f"/shipments/{shipment.id}/carrier", data={"carrier": "dpd", "csrf_token": token},
        headers=HX,
    )  # fmt: skip
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "grid-changed"
    stored = Shipment.get_by_id(shipment.id)
    assert stored.carrier == "dpd" and stored.next_check_at <= utcnow()
    wrong = merchant_client.post(
        f"/shipments/{shipment.id}/carrier", data={"carrier": "nope", "csrf_token": token},
        headers=HX,
    )  # fmt: skip
    assert wrong.status_code == 422 and "Pick a carrier." in wrong.get_data(as_text=True)


def test_a_shipment_is_deleted_only_when_confirmed_and_only_the_merchants(app, merchant_client):
    mine = add(merchant_id(), "DEL0001")
    TrackingEvent.create(shipment=mine.id, time=utcnow(), text="Accepted")
    other = Merchant.create(email="b@example.com", password_hash="!")
    theirs = add(other.id, "DEL0002")
    token = csrf_from(merchant_client, "/shipments")
    assert merchant_client.post(
        f"/shipments/{mine.id}/delete", data={"csrf_token": token}
    ).status_code == 400  # fmt: skip
    assert merchant_client.post(
        f"/shipments/{theirs.id}/delete", data={"csrf_token": token, "confirm": "1"}
    ).status_code == 404  # fmt: skip
    gone = merchant_client.post(
        f"/shipments/{mine.id}/delete", data={"csrf_token": token, "confirm": "1"}, headers=HX
    )
    assert gone.status_code == 200 and f'id="row-{mine.id}" hx-swap-oob="delete"' in (
        gone.get_data(as_text=True)
    )
    assert not Shipment.select().where(Shipment.id == mine.id).exists()
    assert not TrackingEvent.select().exists() and Shipment.get_by_id(theirs.id)


def test_the_merchant_timezone_is_used_for_the_dates_shown(app, merchant_client):
    from datetime import datetime

    add(merchant_id(), "TZ0001", last_event_at=datetime(2026, 11, 20, 23, 30))
    token = csrf_from(merchant_client, "/account")
    assert 'id="timezone-name"' in merchant_client.get("/account").get_data(as_text=True)
    merchant_client.post(
        "/shipments/timezone", data={"timezone": "Nowhere/Else", "csrf_token": token}
    )
    assert Merchant.get_by_id(merchant_id()).timezone == "UTC"
    merchant_client.post(
        "/shipments/timezone", data={"timezone": "Europe/Berlin", "csrf_token": token}
    )
    assert Merchant.get_by_id(merchant_id()).timezone == "Europe/Berlin"
    grid = merchant_client.get("/shipments", headers=HX).get_data(as_text=True)
    assert "2026-11-21 00:30" in grid and "2026-11-20 23:30" not in grid


def test_the_digest_page_shows_a_readable_schedule_in_the_merchant_timezone(app, merchant_client):
    Merchant.update(timezone="Europe/Berlin").where(Merchant.id == merchant_id()).execute()
    page = merchant_client.get("/settings/digest").get_data(as_text=True)
    assert "Every day at 07:00 (Europe/Berlin); next on" in page and "0 6 * * *" not in page
