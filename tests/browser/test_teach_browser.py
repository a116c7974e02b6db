"""Teaching in a real browser: an uncertain status, "this status is wrong", reclassification."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.conftest import PASSWORD, run_jobs

pytestmark = pytest.mark.browser

ODD = "Zxqv blorp frob 7"  # wording no rule knows


def test_teach_a_wording_and_watch_the_parcels_reclassified(app, page):
    from jobs.reclassify import reclassify_shipments
    from jobs.store.models import Merchant, Shipment, TrackingEvent, utcnow

    page.goto("/signup")
    page.get_by_label("Shop name").fill("Teaching shop")
    page.get_by_label("Email").fill("teach@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"/uploads$"))
    me = Merchant.get(Merchant.email == "teach@example.com").id
    for number in ("TEACH0001", "TEACH0002"):
        shipment = Shipment.create(
            merchant=me, tracking_number=number, carrier="ups", checked_at=utcnow()
        )
        TrackingEvent.create(shipment=shipment, time=utcnow() - timedelta(hours=3), text=ODD)
    reclassify_shipments(me)

    page.goto("/shipments")
    page.locator("details.more-filters > summary").click()  # the filters sit behind one button
    page.get_by_label("Status uncertain").check()
    page.wait_for_url(re.compile(r"uncertain=1"))
    expect(page.locator("#grid a.detail-link")).to_have_count(2)
    expect(page.locator("#grid .flag.inferred")).to_have_count(2)
    shot(page, "teach-1-uncertain")

    page.locator("#grid a.detail-link").first.click()
    panel = page.locator("#detail")
    expect(panel.locator(".inferred-note")).to_contain_text(ODD)
    panel.get_by_text("This status is wrong").click()
    panel.get_by_label("The carrier's wording").select_option(ODD)
    panel.get_by_label("Its real status").select_option("delivered/left_at_door")
    panel.get_by_role("button", name="Teach Parceldesk").click()
    panel.get_by_text("now means").wait_for()
    shot(page, "teach-2-taught")
    run_jobs(app)  # the progress line polls and reports by itself
    expect(panel.locator(".teach-progress.done")).to_contain_text("2 changed status")
    # the grid heard "grid-changed" and refreshed its rows in place: none is uncertain now
    expect(page.locator("#grid .flag.inferred")).to_have_count(0)
    expect(page.locator("#grid tbody tr").first).to_contain_text("Delivered")
    shot(page, "teach-3-reclassified")

    page.goto("/shipments")
    expect(page.locator("#grid .flag.inferred")).to_have_count(0)
    page.locator("#grid a.detail-link").first.click()
    expect(page.locator("#detail .history")).to_contain_text("Reclassified by your rule")
    assert "Delivered" in page.locator("#detail").inner_text()
