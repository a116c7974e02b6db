"""The shipments grid over HTTP: partials and pages, filters, sorts, keyset pages, state in URLs."""

import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
import time_machine

from jobs.store.grid_query import SORTS, GridFilter, shipments_matching
from jobs.store.models import Merchant, Shipment, Upload
from tests.conftest import sign_up
from webapp.shipments.paging import grid_page

HX = {"HX-Request": "true"}
T0 = datetime(2026, 11, 1, 12, 0)


def merchant_id(email="merchant-a@example.com") -> int:
    return Merchant.get(Merchant.email == email).id


def add(merchant, number, **fields):
    """One shipment with sensible defaults; `fields` override them."""
    values = {
        "merchant": merchant,
        "tracking_number": number,
        "status": "in_transit",
        "reason": "in_transit",
        "last_event_at": T0,
        "checked_at": T0,
    }
    values.update(fields)
    return Shipment.create(**values)


def numbers_in(body: str) -> list[str]:
    """Tracking numbers of the grid's rows, in order."""
    return re.findall(r'class="detail-link"[^>]*><code>([^<]+)</code>', body)


@pytest.fixture
def sample(merchant_client):
    """A small, varied grid for merchant A, and one shipment of merchant B."""
    return make_sample()


def make_sample():
    """Five shipments of merchant-a (one per kind of row) and one of merchant-b."""
    me = merchant_id()
    upload = Upload.create(merchant=me, filename="orders.csv", state="done")
    add(me, "AAA1001", status="alert", reason="lost", needs_action=True, order_id="#1001",
        customer_name="Ann Archer", email="ann@shop.test", carrier="ups", upload=upload,
        ship_date=date(2026, 10, 1), last_event_at=T0 - timedelta(days=1))  # fmt: skip
    add(me, "BBB2002", status="undelivered", reason="recipient_absent", needs_action=True,
        order_id="#2002", customer_name="Bob Baker", email="bob@shop.test", carrier="dpd",
        ship_date=date(2026, 10, 15), last_event_at=T0 - timedelta(days=3),
        followup="contacted")  # fmt: skip
    add(me, "CCC3003", status="delivered", reason="delivered", order_id="#3003",
        customer_name="Cy Cole", email="cy@else.test", carrier="ups", upload=upload,
        ship_date=date(2026, 10, 20), last_event_at=T0 - timedelta(days=2))  # fmt: skip
    add(me, "DDD4004", stalled=True, needs_action=True, order_id="#4004", customer_name="Dee Dunn",
        carrier="gls", ship_date=date(2026, 9, 1), last_event_at=T0 - timedelta(days=20),
        followup="resolved")  # fmt: skip
    add(me, "EEE5005", status="not_found", reason="not_yet_scanned", last_event_at=None)
    other = Merchant.create(email="merchant-b@example.com", password_hash="!")
    add(other.id, "ZZZ9009", status="alert", reason="lost", needs_action=True, customer_name="Ann")
    return {"upload": upload.id, "me": me}


@pytest.mark.parametrize(
    "url",
    ["/shipments", "/shipments?status=alert&q=aaa&sort=status", "/shipments/live"],
)
def test_htmx_gets_the_partial_and_a_browser_the_whole_page(app, sample, merchant_client, url):
    partial = merchant_client.get(url, headers=HX)
    page = merchant_client.get(url)
    assert partial.status_code == page.status_code == 200
    assert "<html" not in partial.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True)
    assert "HX-Request" in partial.headers["Vary"] and "HX-Request" in page.headers["Vary"]


def test_the_page_renders_the_same_grid_as_the_partial(app, sample, merchant_client):
    """Same rows, tabs and controls; the clock is frozen so both renders share one instant."""
    url = "/shipments?status=needs_action&sort=oldest_event"
    with time_machine.travel(datetime.now(UTC), tick=False):  # live `since`, days, CSRF stamp
        partial = merchant_client.get(url, headers=HX).get_data(as_text=True)
        page = merchant_client.get(url).get_data(as_text=True)
    assert numbers_in(partial) == numbers_in(page) == ["BBB2002", "AAA1001"]
    grid = grid_outline(partial)  # htmx swaps only #results: the filter form stays in place
    assert grid == grid_outline(page)
    assert [row[0] for row in grid["rows"]] == ["BBB2002", "AAA1001"]
    assert all(row[-1] in ("Bob Baker", "Ann Archer") for row in grid["rows"])  # every cell read
    assert [tab for tab in grid["tabs"] if tab.startswith("Needs action")] == ["Needs action 2"]
    assert ("select", "sort", "oldest_event") in grid_outline(page, root="grid")["controls"]
    assert _squeezed(partial) in _squeezed(page)  # and the very same markup, frozen in time


class _Outline(HTMLParser):
    """What a merchant sees of one region: row texts, tab labels, form controls with values."""

    def __init__(self, root: str):
        super().__init__()
        self.root, self.tag = root, None
        self.depth = 0  # > 0 inside the element whose id is `root`
        self.rows, self.tabs, self.controls = [], [], []
        self.text, self.until, self.select = None, None, None  # text collects until </until>

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth == 0:
            if attrs.get("id") == self.root:
                self.depth, self.tag = 1, tag
            return
        self.depth += tag == self.tag
        if tag == "tr" and (attrs.get("id") or "").startswith("row-"):
            self.rows.append([])
            self.text, self.until = self.rows[-1], "tr"
        elif tag == "a" and "tab" in (attrs.get("class") or "").split():
            self.tabs.append([])
            self.text, self.until = self.tabs[-1], "a"
        elif tag == "input":
            checked = "checked" in attrs if attrs.get("type") in ("checkbox", "radio") else None
            self.controls.append(("input", attrs.get("name"), attrs.get("value"), checked))
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and "selected" in attrs:
            self.controls.append(("select", self.select, attrs.get("value")))

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= tag == self.tag
            if tag == self.until:
                self.text = self.until = None

    def handle_data(self, data):
        if self.depth and self.text is not None and data.strip():
            self.text.append(data.strip())


def grid_outline(html: str, root: str = "results") -> dict:
    """The rows (cell texts), tabs (label and count) and controls inside the element `root`."""
    outline = _Outline(root)
    outline.feed(html)
    return {
        "rows": outline.rows,
        "tabs": [" ".join(tab) for tab in outline.tabs],
        "controls": outline.controls,
    }


def _squeezed(html):
    return re.sub(r"\s+", " ", html).strip()


def test_detail_is_a_partial_or_a_page_and_404_for_another_merchant(app, sample, merchant_client):
    mine = Shipment.get(Shipment.tracking_number == "AAA1001").id
    theirs = Shipment.get(Shipment.tracking_number == "ZZZ9009").id
    partial = merchant_client.get(f"/shipments/{mine}", headers=HX).get_data(as_text=True)
    assert partial.lstrip().startswith('<aside id="detail"') and "<html" not in partial
    assert "<html" in merchant_client.get(f"/shipments/{mine}").get_data(as_text=True)
    for headers in ({}, HX):
        response = merchant_client.get(f"/shipments/{theirs}", headers=headers)
        assert response.status_code == 404
        assert "ZZZ9009" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", {"AAA1001", "BBB2002", "CCC3003", "DDD4004", "EEE5005"}),
        ("status=alert", {"AAA1001"}),
        ("status=needs_action", {"AAA1001", "BBB2002"}),  # DDD4004 is resolved
        ("status=not_found", {"EEE5005"}),
        ("q=AAA1001", {"AAA1001"}),  # a whole number
        ("q=aaa", {"AAA1001"}),  # prefix, any case
        ("q=3003", {"CCC3003"}),  # substring of number and order
        ("q=%231001", {"AAA1001"}),  # order id
        ("q=baker", {"BBB2002"}),  # customer name, substring, any case
        ("q=else.test", {"CCC3003"}),  # email
        ("q=nobody", set()),
        ("carrier=ups", {"AAA1001", "CCC3003"}),
        ("upload={upload}", {"AAA1001", "CCC3003"}),
        ("shipped_from=2026-10-01&shipped_to=2026-10-15", {"AAA1001", "BBB2002"}),
        ("shipped_from=2026-10-16", {"CCC3003"}),
        ("followup=contacted", {"BBB2002"}),
        ("followup=resolved", {"DDD4004"}),
        ("stalled=1", {"DDD4004"}),
        ("status=alert&carrier=dpd", set()),
        ("status=bogus&sort=bogus&upload=x&shipped_from=never", None),  # unknown → defaults
    ],
)
def test_filters(app, sample, merchant_client, args, expected):
    url = "/shipments?" + args.format(upload=sample["upload"])
    body = merchant_client.get(url, headers=HX).get_data(as_text=True)
    if expected is None:
        expected = {"AAA1001", "BBB2002", "CCC3003", "DDD4004", "EEE5005"}
    assert set(numbers_in(body)) == expected
    assert "ZZZ9009" not in body


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("last_event", ["AAA1001", "CCC3003", "BBB2002", "DDD4004", "EEE5005"]),
        ("oldest_event", ["DDD4004", "BBB2002", "CCC3003", "AAA1001", "EEE5005"]),
        ("status", ["AAA1001", "CCC3003", "DDD4004", "EEE5005", "BBB2002"]),
        ("ship_date", ["CCC3003", "BBB2002", "AAA1001", "DDD4004", "EEE5005"]),
        ("newest", ["EEE5005", "DDD4004", "CCC3003", "BBB2002", "AAA1001"]),
    ],
)
def test_sorts_put_missing_values_last(app, sample, merchant_client, sort, expected):
    body = merchant_client.get(f"/shipments?sort={sort}", headers=HX).get_data(as_text=True)
    assert numbers_in(body) == expected


def test_tabs_show_counts_and_alert_stands_out_with_icon_and_text(app, sample, merchant_client):
    body = merchant_client.get("/shipments").get_data(as_text=True)
    counts = dict(
        re.findall(r'class="tab tab-(\w+)[^"]*"[^>]*>\s*[^<]+<span class="count">(\d+)', body)
    )
    assert (counts["all"], counts["needs_action"], counts["alert"], counts["delivered"]) == (
        "5", "2", "1", "1")  # fmt: skip
    alert_tab = re.search(r'<a [^>]*class="tab tab-alert hot"[^>]*>(.*?)</a>', body, re.S).group(1)
    assert "Alert" in alert_tab and "⚠" in alert_tab
    row = re.search(r'<tr id="row-\d+" class="row-alert hot".*?</tr>', body, re.S).group(0)
    assert "⚠" in row and "Alert" in row and "Lost" in row


def _walk(merchant, grid, size):
    pages, seen = 0, []
    while True:
        rows, cursor = grid_page(merchant, grid, size)
        seen += [r.id for r in rows]
        pages += 1
        if not cursor:
            return seen, pages
        grid = GridFilter(**{**grid.__dict__, "after": cursor})


@pytest.fixture
def ties(merchant_client):
    """57 shipments whose sort values repeat a lot, some of them missing."""
    me = merchant_id()
    for n in range(57):
        add(me, f"TIE{n:04d}", status=["alert", "delivered", "in_transit"][n % 3],
            last_event_at=None if n % 7 == 0 else T0 + timedelta(hours=n % 4),
            ship_date=None if n % 5 == 0 else date(2026, 10, 1 + n % 3))  # fmt: skip
    return me


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("status", ["all", "alert", "needs_action"])
@pytest.mark.parametrize("size", [1, 4, 10, 100])
def test_keyset_pages_skip_and_repeat_nothing(app, ties, sort, status, size):
    grid = GridFilter(status=status, sort=sort)
    seen, pages = _walk(ties, grid, size)
    expected = [s.id for s in shipments_matching(ties, grid)]
    assert seen == expected  # same rows, same order, none twice
    assert pages == max(1, -(-len(expected) // size))


def test_next_links_walk_every_row_over_http(app, ties, merchant_client):
    url, seen = "/shipments?sort=ship_date", []
    while url:
        body = merchant_client.get(url, headers=HX).get_data(as_text=True)
        seen += numbers_in(body)
        found = re.search(r'<a href="([^"]+)"[^>]*rel="next"', body)
        url = found.group(1).replace("&amp;", "&") if found else None
        if url:
            page = merchant_client.get(url).get_data(as_text=True)  # reload: the same rows
            assert numbers_in(page) == numbers_in(
                merchant_client.get(url, headers=HX).get_data(as_text=True)
            )
    assert len(seen) == len(set(seen)) == 57


def test_a_malformed_cursor_is_harmless(app, ties, merchant_client):
    for cursor in ("garbage", "~x", "2026-13-45~3", "~~~"):
        response = merchant_client.get(f"/shipments?after={cursor}", headers=HX)
        assert response.status_code == 200


def test_the_url_state_round_trips():
    grid = GridFilter(status="alert", q="baker", sort="ship_date", carrier="ups", upload=3,
                      shipped_from="2026-10-01", shipped_to="2026-10-31", followup="open",
                      stalled=True, after="x~1")  # fmt: skip
    assert GridFilter.from_args(grid.to_args(after=grid.after)) == grid
    assert GridFilter.from_args(grid.to_args()).after == ""  # a new filter starts at page one
    assert GridFilter().to_args() == {}


def test_uploads_page_links_each_upload_to_its_grid(app, sample, merchant_client):
    body = merchant_client.get("/uploads").get_data(as_text=True)
    assert f'href="/shipments?upload={sample["upload"]}"' in body


def test_another_merchant_sees_none_of_it(app, sample, client):
    other = client.application.test_client()
    sign_up(other, "merchant-c@example.com")
    body = other.get("/shipments?q=AAA").get_data(as_text=True)
    assert numbers_in(body) == []
