"""Connections in a real browser: a feed is tested, connected, pulled, and its parcels listed."""

import re

import pytest

from jobs import runtime
from tests.conftest import PASSWORD, run_jobs
from tests.fake_shops import FakeFeed

pytestmark = pytest.mark.browser

FEED = (
    "Order,Tracking number,Customer\n"
    "#7001,1Z999AA10123456784,Ann Archer\n"
    "#7002,TBD,Bob\n"
    "#7003,LX123456785CN,Cy\n"
)


def test_a_feed_connection_fills_the_grid_without_an_upload(app, page):
    app.config["ALLOW_PRIVATE_URLS"] = runtime.setup()["ALLOW_PRIVATE_URLS"] = True
    policy_errors = []
    page.on(
        "console", lambda m: "Content Security Policy" in m.text and policy_errors.append(m.text)
    )
    page.goto("/signup")
    page.get_by_label("Shop name").fill("Feed shop")
    page.get_by_label("Email").fill("feed@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"/uploads$"))
    page.get_by_role("link", name="Connections").click()
    feed_form = page.locator("section", has=page.get_by_role("heading", name="Add a file feed"))
    with FakeFeed(FEED) as feed:
        feed_form.get_by_label("File address (CSV or XLSX)").fill(feed.url)
        feed_form.get_by_role("button", name="Test connection").click()
        page.get_by_text("tracking numbers in “Tracking number”").wait_for()
        feed_form.get_by_role("button", name="Connect", exact=True).click()
        page.get_by_text("Feed connected").wait_for()
        run_jobs(app)  # the worker: the pull, then its shipments' first check
        page.get_by_text("2 new, 1 refused").wait_for()  # the row polled until the pull ended
    page.get_by_role("link", name="Shipments").click()
    page.get_by_text("1Z999AA10123456784").first.wait_for()
    page.get_by_text("LX123456785CN").first.wait_for()
    assert page.get_by_text("#7001").count() >= 1
    assert policy_errors == []


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_person_connects_a_feed_on_desktop_and_phone(app, open_page, axe_source, size):
    from tests.browser.conftest import DESKTOP, PHONE, no_serious_violations, shot

    app.config["ALLOW_PRIVATE_URLS"] = runtime.setup()["ALLOW_PRIVATE_URLS"] = True
    page = open_page(PHONE if size == "phone" else DESKTOP)
    page.goto("/signup")
    page.get_by_label("Shop name").press_sequentially("Feed shop", delay=60)
    page.get_by_label("Email").press_sequentially(f"feed-{size}@example.com", delay=60)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"/uploads$"))
    page.goto("/settings/connections")
    feed_form = page.locator("section", has=page.get_by_role("heading", name="Add a file feed"))
    with FakeFeed(FEED) as feed:
        address = feed_form.get_by_label("File address (CSV or XLSX)")
        address.press_sequentially(feed.url, delay=40)  # a person typing the address
        assert address.input_value() == feed.url
        feed_form.get_by_role("button", name="Test connection").click()
        page.get_by_text("tracking numbers in “Tracking number”").wait_for()
        feed_form.get_by_role("button", name="Connect", exact=True).click()
        page.get_by_text("Feed connected").wait_for()
        run_jobs(app)
        page.get_by_text("2 new, 1 refused").wait_for()
    no_serious_violations(page, axe_source, f"connections {size}")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, "the page scrolls sideways"
    shot(page, f"connections-{size}")
