"""The overview: numbers that match the data, and every chart element opens the matching grid."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from jobs.store.grid_query import GridFilter, shipments_matching
from jobs.store.models import Merchant
from tests.report_data import STATES, other_merchant, seed

LINK = re.compile(r'<a href="([^"]+)" class="chart-link"[^>]*aria-label="([^"]+)"')


@pytest.fixture
def merchant(app, merchant_client):
    other_merchant()
    merchant = Merchant.get(Merchant.email == "merchant-a@example.com")
    seed(merchant.id)
    return merchant


def chart_links(html: str, key: str) -> dict:
    """{aria-label: query args} of the links in one chart section."""
    section = html.split(f'id="chart-{key}"', 1)[1].split("</section>", 1)[0]
    return {
        unescape(label): {k: v[0] for k, v in parse_qs(urlsplit(unescape(href)).query).items()}
        for href, label in LINK.findall(section)
    }


def grid_count(merchant_id, args) -> int:
    return shipments_matching(merchant_id, GridFilter.from_args(args)).count()


def test_overview_numbers_match_the_data_and_links_open_that_slice(merchant, merchant_client):
    html = merchant_client.get("/overview").get_data(as_text=True)
    assert "<html" in html and 'id="overview"' in html and "style=" not in html
    statuses = chart_links(html, "status")
    assert statuses["Alert: 1"] == {"status": "alert"}
    assert statuses["In transit: 2"] == {"status": "in_transit"}
    assert statuses["Not found: 2"] == {"status": "not_found"}
    for chart in ("status", "needs-action", "idle"):
        for label, args in chart_links(html, chart).items():
            shown = int(label.rsplit(": ", 1)[1])
            assert grid_count(merchant.id, args) == shown, (chart, label, args)


def test_needs_action_by_carrier(merchant, merchant_client):
    html = merchant_client.get("/overview").get_data(as_text=True)
    links = chart_links(html, "needs-action")
    assert links["UPS: 4"] == {"status": "needs_action", "carrier": "ups"}
    assert links["Unknown carrier: 1"] == {"status": "needs_action", "carrier": "unknown"}
    assert sum(int(label.rsplit(": ", 1)[1]) for label in links) == 7


def test_days_without_update_histogram(merchant, merchant_client):
    html = merchant_client.get("/overview").get_data(as_text=True)
    links = chart_links(html, "idle")
    assert links["2-3 days: 1"] == {"status": "in_transit", "idle": "2-3"}
    assert links["8-14 days: 1"] == {"status": "in_transit", "idle": "8-14"}
    assert links["0-1 days: 0"]["idle"] == "0-1"


def test_median_transit_by_carrier(merchant, merchant_client):
    html = merchant_client.get("/overview").get_data(as_text=True)
    ((label, args),) = chart_links(html, "transit").items()
    assert re.fullmatch(r"UPS: \d+ d · 1 parcel", label)
    assert args == {"status": "delivered", "carrier": "ups"}


def test_charts_partial_for_htmx_and_isolation(merchant, merchant_client):
    partial = merchant_client.get("/overview", headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<div id="overview"')
    assert "HX-Request" in partial.headers["Vary"]
    assert "Other shop" not in body
    total = sum(int(label.rsplit(": ", 1)[1]) for label in chart_links(body, "status"))
    assert total == len(STATES)  # merchant B's parcel is not counted


def test_empty_overview_says_so(app, merchant_client):
    html = merchant_client.get("/overview").get_data(as_text=True)
    assert "No parcels yet." in html and "<svg" not in html
