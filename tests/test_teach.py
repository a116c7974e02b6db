"""Teaching the classifier, reclassification from stored events, and "status uncertain"."""

import json
from datetime import timedelta
from pathlib import Path

import pytest

from jobs.store.models import (
    Merchant,
    MerchantRule,
    Shipment,
    StatusChange,
    TrackingEvent,
    utcnow,
)
from tests.conftest import csrf_from, run_jobs
from tests.test_grid import HX

ODD = "Zxqv blorp frob 7"  # a wording no rule knows


def parcel(merchant_id, number, *texts):
    shipment = Shipment.create(
        merchant=merchant_id, tracking_number=number, carrier="ups", checked_at=utcnow()
    )
    for i, text in enumerate(texts):
        TrackingEvent.create(shipment=shipment, time=utcnow() - timedelta(hours=10 - i), text=text)
    return shipment


@pytest.fixture
def parcels(app, merchant_client):
    from jobs.reclassify import reclassify_shipments

    me = Merchant.get(Merchant.email == "merchant-a@example.com").id
    other = Merchant.create(email="merchant-b@example.com", password_hash="!").id
    made = {
        "odd": parcel(me, "AAA1", "Qqq wibble", ODD),
        "odd2": parcel(me, "AAA2", ODD),
        "known": parcel(me, "AAA3", "Delivered"),
        "theirs": parcel(other, "ZZZ9", ODD),
    }
    reclassify_shipments()
    return {k: Shipment.get_by_id(s.id) for k, s in made.items()}


def test_unknown_wording_is_in_transit_and_marked_uncertain(parcels, merchant_client):
    odd, known = parcels["odd"], parcels["known"]
    assert (odd.status, odd.reason, odd.status_inferred) == ("in_transit", "in_transit", True)
    assert (known.status, known.status_inferred) == ("delivered", False)
    grid = merchant_client.get("/shipments", headers=HX).get_data(as_text=True)  # the rows
    assert grid.count(">Uncertain</span>") == 2
    page = merchant_client.get("/shipments").get_data(as_text=True)  # the filter lives outside
    assert 'name="uncertain"' in page and "Status uncertain" in page
    only = merchant_client.get("/shipments?uncertain=1", headers=HX).get_data(as_text=True)
    assert "AAA1" in only and "AAA2" in only and "AAA3" not in only
    panel = merchant_client.get(f"/shipments/{odd.id}", headers=HX).get_data(as_text=True)
    assert "Status uncertain" in panel and ODD in panel and "This status is wrong" in panel


def test_teaching_reclassifies_that_merchants_parcels_with_the_wording(
    app, parcels, merchant_client
):
    odd = parcels["odd"]
    token = csrf_from(merchant_client, f"/shipments/{odd.id}")
    response = merchant_client.post(
        f"/shipments/{odd.id}/teach",
        data={"text": ODD, "pair": "delivered/left_at_door", "csrf_token": token},
        headers=HX,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="teach"' in body and "Reclassifying" in body
    run_jobs(app)
    for key in ("odd", "odd2"):
        mine = Shipment.get_by_id(parcels[key].id)
        assert (mine.status, mine.reason, mine.status_inferred) == (
            "delivered",
            "left_at_door",
            False,
        )
        change = (
            StatusChange.select()
            .where(StatusChange.shipment == mine.id)
            .order_by(StatusChange.id.desc())
            .first()
        )
        assert ODD in change.cause
    theirs = Shipment.get_by_id(parcels["theirs"].id)
    assert theirs.status == "in_transit"  # another merchant's parcels are not touched
    panel = merchant_client.get(f"/shipments/{odd.id}", headers=HX).get_data(as_text=True)
    assert "Reclassified by your rule" in panel
    job_id = body.split("/shipments/teach/progress/")[1].split('"')[0]
    done = merchant_client.get(f"/shipments/teach/progress/{job_id}", headers=HX)
    assert "2 changed status" in done.get_data(as_text=True)
    assert done.headers["HX-Trigger"] == "grid-changed"


def test_teaching_checks_its_input_and_the_merchant(app, parcels, merchant_client):
    odd, theirs = parcels["odd"], parcels["theirs"]
    token = csrf_from(merchant_client, f"/shipments/{odd.id}")
    bad = {"text": ODD, "pair": "delivered/lost", "csrf_token": token}
    assert merchant_client.post(f"/shipments/{odd.id}/teach", data=bad).status_code == 400
    other = {
        "text": "Not a text of this parcel",
        "pair": "delivered/delivered",
        "csrf_token": token,
    }
    assert merchant_client.post(f"/shipments/{odd.id}/teach", data=other).status_code == 400
    good = {"text": ODD, "pair": "delivered/delivered", "csrf_token": token}
    assert merchant_client.post(f"/shipments/{theirs.id}/teach", data=good).status_code == 404
    plain = merchant_client.post(f"/shipments/{odd.id}/teach", data=good)
    assert plain.status_code == 303  # without htmx: back to the detail page
    assert MerchantRule.select().count() == 1
    assert merchant_client.get("/shipments/teach/progress/teach-999-x").status_code == 404


def test_reclassify_is_idempotent(app, parcels):
    from jobs.reclassify import reclassify_shipments

    again = reclassify_shipments()
    assert again["changed"] == 0 and again["total"] == 4


def test_rules_change_enqueues_one_reclassification(app, parcels, monkeypatch):
    from redis import Redis

    from jobs import reclassify

    connection = Redis.from_url(app.config["REDIS_URL"])
    assert reclassify.reclassify_if_rules_changed(connection) is False  # first: only recorded
    assert reclassify.stored_version() == reclassify.classifier_version()
    reclassify.remember_version("old")
    assert reclassify.reclassify_if_rules_changed(connection) is True
    assert reclassify.reclassify_if_rules_changed(connection) is False
    assert reclassify.stored_version() == reclassify.classifier_version()


def test_cli_lists_and_promotes_merchant_rules(app, parcels, tmp_path, capsys):
    from jobs.tracking.phrases import load_phrases
    from webapp.cli import main

    MerchantRule.create(
        merchant=parcels["odd"].merchant_id,
        wording="zxqv blorp frob 7",
        sample=ODD,
        status="delivered",
        reason="left_at_door",
    )
    assert main(["merchant-rules"]) == 0
    row = json.loads(capsys.readouterr().out.splitlines()[0])
    assert (row["text"], row["status"], row["promoted"]) == (ODD, "delivered", False)
    rules_file = tmp_path / "phrases.json"
    rules_file.write_bytes(Path("config/phrases.json").read_bytes())
    assert (
        main(["merchant-rules", "--promote", str(row["id"]), "--rules-file", str(rules_file)]) == 0
    )
    assert load_phrases(rules_file).match(ODD) == ("delivered", "left_at_door")
    assert MerchantRule.get_by_id(row["id"]).promoted_at is not None
    assert main(["merchant-rules", "--promote", "9999"]) == 1


def test_cli_reclassify_one_merchant(app, parcels, capsys):
    from webapp.cli import main

    assert main(["reclassify", "--merchant", "merchant-a@example.com"]) == 0
    assert json.loads(capsys.readouterr().out) == {"total": 3, "done": 3, "changed": 0}
