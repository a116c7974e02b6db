"""Grid II (issue 17): confirmed and undoable bulk marks, counts under filters, paging back."""

import re

import pytest

from tests.conftest import csrf_from
from tests.test_grid import HX, add, make_sample, merchant_id, numbers_in
from tests.test_grid_actions import count_of
from webapp.models import Shipment


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
