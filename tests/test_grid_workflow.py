"""Grid II (issue 17): confirmed and undoable bulk marks, counts under filters, paging back."""

import re

import pytest

from jobs.store.models import Shipment
from tests.conftest import csrf_from
from tests.test_grid import HX, add, make_sample, merchant_id, numbers_in
from tests.test_grid_actions import count_of


@pytest.fixture
def sample(merchant_client):
    """The grid tests' sample: five shipments of merchant-a, one of merchant-b."""
    return make_sample()


def test_marking_the_whole_view_asks_first_and_can_be_undone(app, sample, merchant_client):
    token = csrf_from(merchant_client, "/shipments")
    form = {"action": "resolved", "scope": "view", "status": "needs_action", "csrf_token": token}
    asked = merchant_client.post("/shipments/bulk", data=form, headers=HX).get_data(as_text=True)
    assert "Mark all 2 shipments in this view resolved?" in asked
    assert 'name="confirmed" value="1" form="bulk"' in asked
    before = {s.tracking_number: s.followup for s in Shipment.select()}
    assert before["AAA1001"] == "open"  # nothing happened yet

    done = merchant_client.post(
        "/shipments/bulk", data={**form, "confirmed": "1"}, headers=HX
    ).get_data(as_text=True)
    assert "2 shipments marked resolved." in done and ">Undo</button>" in done
    assert Shipment.get(Shipment.tracking_number == "AAA1001").followup == "resolved"
    undo = re.search(r'name="undo" value="([^"]+)"', done)[1]

    back = merchant_client.post(
        "/shipments/bulk/undo", data={"undo": undo, "csrf_token": token}, headers=HX
    ).get_data(as_text=True)
    assert "Undone: 2 shipments back as before." in back
    assert {s.tracking_number: s.followup for s in Shipment.select()} == before
    again = merchant_client.post("/shipments/bulk/undo", data={"undo": undo, "csrf_token": token})
    assert again.status_code == 303  # a second undo changes nothing


def test_tab_counts_honour_the_search_and_filters(app, sample, merchant_client):
    body = merchant_client.get("/shipments?carrier=ups", headers=HX).get_data(as_text=True)
    assert count_of(body, "all") == 2 and count_of(body, "alert") == 1
    assert count_of(body, "delivered") == 1 and count_of(body, "undelivered") == 0
    body = merchant_client.get("/shipments?q=bob", headers=HX).get_data(as_text=True)
    assert count_of(body, "all") == 1 and count_of(body, "undelivered") == 1


def test_carrier_filter_lists_only_the_merchants_carriers(app, sample, merchant_client):
    page = merchant_client.get("/shipments").get_data(as_text=True)
    select = re.search(r'<select name="carrier">(.*?)</select>', page, re.S)[1]
    values = re.findall(r'<option value="([^"]*)"', select)
    assert sorted(values) == sorted(["", "dpd", "gls", "ups", "unknown"])


def test_an_empty_search_says_so_instead_of_asking_for_an_upload(app, sample, merchant_client):
    body = merchant_client.get("/shipments?q=nobody-here", headers=HX).get_data(as_text=True)
    assert "No shipment matches “nobody-here”" in body and "Upload a list" not in body


def test_pages_show_the_total_and_go_back(app, merchant_client):
    me = merchant_id()
    for n in range(120):
        add(me, f"PAGE{n:05d}X")
    first = merchant_client.get("/shipments?sort=newest", headers=HX).get_data(as_text=True)
    assert "Shipments 1–50 of 120" in first and "Previous page" not in first
    second_url = re.search(r'href="([^"]+)"[^>]*rel="next"', first)[1].replace("&amp;", "&")
    second = merchant_client.get(second_url, headers=HX).get_data(as_text=True)
    assert "Shipments 51–100 of 120" in second
    third_url = re.search(r'href="([^"]+)"[^>]*rel="next"', second)[1].replace("&amp;", "&")
    third = merchant_client.get(third_url, headers=HX).get_data(as_text=True)
    assert "Shipments 101–120 of 120" in third and 'rel="next"' not in third
    back_url = re.search(r'href="([^"]+)"[^>]*rel="prev"', third)[1].replace("&amp;", "&")
    back = merchant_client.get(back_url, headers=HX).get_data(as_text=True)
    assert "Shipments 51–100 of 120" in back and numbers_in(back) == numbers_in(second)
    back_url = re.search(r'href="([^"]+)"[^>]*rel="prev"', back)[1].replace("&amp;", "&")
    assert numbers_in(merchant_client.get(back_url, headers=HX).get_data(as_text=True)) == (
        numbers_in(first)
    )


def test_see_the_shipments_after_an_upload_filters_by_it(app, sample, merchant_client):
    page = merchant_client.get(f"/uploads/{sample['upload']}").get_data(as_text=True)
    assert f'href="/shipments?upload={sample["upload"]}"' in page


@pytest.fixture
def parcels(merchant_client):
    """Shipments as real imports store them: numbers, '#' order ids, names, emails."""
    me = merchant_id()
    add(me, "1Z999AA10123456784", order_id="#1001", customer_name="Zoë Brontë",
        email="zoe.bronte@gmail.com", last_event_at=None)  # fmt: skip
    add(me, "LX123456785CN", order_id="1002", customer_name="Ann Archer",
        email="customer51@shop.test")  # fmt: skip
    add(me, "00340434161094042557", order_id="#1002-B", customer_name="Bob Baker")
    add(me, "9400111899223344556677", order_id="#3003", customer_name="Cy Cole")
    return me


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("0123456784", ["1Z999AA10123456784"]),  # the last ten digits of a number
        ("456785", ["LX123456785CN"]),  # a middle part
        ("1z999aa1", ["1Z999AA10123456784"]),  # any case
        ("3344 5566", ["9400111899223344556677"]),  # spaces as typed from a label
        ("#3003", ["9400111899223344556677"]),
        ("3003", ["9400111899223344556677"]),
        ("#1002", ["LX123456785CN", "00340434161094042557"]),  # stored without '#', and a prefix
        ("customer51", ["LX123456785CN"]),
        ("GMAIL.COM", ["1Z999AA10123456784"]),
        ("archer", ["LX123456785CN"]),
    ],
)
def test_search_finds_any_part_of_what_a_person_types(app, parcels, merchant_client, q, expected):
    body = merchant_client.get("/shipments", query_string={"q": q}, headers=HX)
    assert sorted(numbers_in(body.get_data(as_text=True))) == sorted(expected)


def test_the_exact_number_or_order_comes_first(app, parcels, merchant_client):
    add(parcels, "XX1002ZZ99", order_id="#77", customer_name="Order 1002 lookalike")
    body = merchant_client.get("/shipments?q=1002&sort=newest", headers=HX).get_data(as_text=True)
    found = numbers_in(body)
    assert found[0] == "LX123456785CN" and set(found[1:]) == {"00340434161094042557", "XX1002ZZ99"}
    exact = numbers_in(
        merchant_client.get("/shipments?q=LX123456785CN", headers=HX).get_data(as_text=True)
    )
    assert exact == ["LX123456785CN"]


def test_counts_of_a_very_broad_search_stop_at_a_cap(app, sample, merchant_client, monkeypatch):
    from webapp.shipments import counts as grid_counts

    monkeypatch.setattr(grid_counts, "COUNT_CAP", 2)
    body = merchant_client.get("/shipments?q=.test", headers=HX).get_data(as_text=True)
    assert re.search(r'tab-all[^>]*>\s*All <span class="count">2\+</span>', body)
    assert "of 2+" in body  # "Shipments 1–3 of 2+" never claims an exact total it did not count


def test_live_poll_shows_a_change_stamped_just_before_the_previous_poll(app, merchant_client):
    from datetime import timedelta

    from jobs.store.models import utcnow

    me = merchant_id()
    row = add(me, "LATE0001", status="in_transit")
    poll = utcnow()
    # A resolve batch stamped the row before that poll, but committed after it had read.
    Shipment.update(
        status="delivered", reason="delivered", checked_at=poll - timedelta(seconds=8)
    ).where(Shipment.id == row.id).execute()
    body = merchant_client.get(
        "/shipments/live", query_string={"since": poll.isoformat(), "visible": [row.id]}, headers=HX
    ).get_data(as_text=True)
    assert f'<tr id="row-{row.id}" class="row-delivered"' in body
