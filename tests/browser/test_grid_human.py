"""Grid II (issue 17) in Chromium, the way a person works: typing with pauses, ticking rows,
keyboard only, on a desktop (1440×900) and a phone (390×844); axe-core on every page."""

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from jobs.store.models import Shipment, utcnow
from tests.browser.conftest import DESKTOP, PHONE, no_serious_violations, shot
from tests.conftest import PASSWORD, run_jobs

pytestmark = pytest.mark.browser

SCENARIOS = [
    ("DELIVERED", "Ann Archer", "ann.archer@gmail.com"),
    ("ALERTLOST", "Zoë Brontë", "zoe.bronte@outlook.fr"),
    ("UNDELIVEREDABSENT", "Cy Cole", "cy.cole@yahoo.co.uk"),
    ("TRANSITMOVING", "Dee Dunn", "dee@web.de"),
    ("PICKUPAWAITING", "Royal Mail Fan", "rm.fan@btinternet.com"),
    ("RETURNEDTOSENDER", "Eve Evans", "eve.evans@gmail.com"),
]


def orders_csv(copies=1):
    """A shop export: order ids with '#', realistic names and emails, sandbox numbers."""
    lines = ["Order,Tracking number,Customer,Email"]
    for n in range(copies):
        for i, (scenario, name, email) in enumerate(SCENARIOS):
            lines.append(f"#{1001 + n * 10 + i},SBX{scenario}{n:02d}{i},{name},{email}")
    return "\n".join(lines) + "\n"


def sign_up_and_upload(page, app, copies=1):
    page.goto("/signup")
    page.get_by_label("Shop name").fill("Human shop")
    page.get_by_label("Email").fill("human@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"/uploads$"))
    page.set_input_files(
        "input[type=file]",
        files=[
            {"name": "orders.csv", "mimeType": "text/csv", "buffer": orders_csv(copies).encode()}
        ],
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_url(re.compile(r"/uploads/\d+$"))
    run_jobs(app)
    page.get_by_text(f"Done: {len(SCENARIOS) * copies} shipments checked").wait_for()


def open_grid(page, url="/shipments"):
    page.goto(url)
    page.locator("#results").wait_for()


def rows(page):
    return page.locator("#results a.detail-link code").all_inner_texts()


def view_url(**args):
    """The grid's address for exactly these arguments, as a pattern for expect(page)."""
    return re.compile(re.escape("/shipments?" + urlencode(args)) + "$")


def settled(page):
    """Wait until htmx has no request in flight."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def test_ticked_rows_survive_polls_and_the_bulk_action_acts_on_them(app, open_page, axe_source):
    page = open_page(DESKTOP)
    sign_up_and_upload(page, app)
    open_grid(page)
    boxes = page.locator("#results input[name=ids]")
    boxes.nth(0).check()
    boxes.nth(2).check()
    # A live poll and a tab round-trip later the rows are still ticked.
    with page.expect_response(re.compile(r"/shipments/live")):
        pass  # waits for the next live poll to come back and swap
    settled(page)
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(2)).to_be_checked()
    expect(page.locator("#bulk .selected-count")).to_have_text("(2 selected)")
    shot(page, "h01-two-ticked")
    page.get_by_role("button", name="Mark contacted").click()
    expect(page.locator("#results .flash")).to_contain_text("2 shipments marked contacted.")
    assert Shipment.select().where(Shipment.followup == "contacted").count() == 2
    no_serious_violations(page, axe_source, "grid after bulk")
    shot(page, "h01-bulk-done")


def test_typing_with_pauses_loses_no_character(app, open_page):
    page = open_page(DESKTOP)
    sign_up_and_upload(page, app)
    open_grid(page)
    search = page.get_by_label("Search", exact=True)
    search.click()
    for chunk, typed in [("Roy", "Roy"), ("al M", "Royal M"), ("ail", "Royal Mail")]:
        search.press_sequentially(chunk, delay=90)  # ordinary pauses: each one fires a search
        # The person pauses until that search's answer has landed (the view's URL is pushed
        # with the swap), however long a loaded machine takes, then types on.
        expect(page).to_have_url(view_url(q=typed))
    settled(page)
    expect(search).to_have_value("Royal Mail")
    expect(search).to_be_focused()
    expect(page.locator("#results a.detail-link")).to_have_count(1)
    expect(page).to_have_url(view_url(q="Royal Mail"))  # the whole view, nothing more
    shot(page, "h02-typed")


def test_keyboard_tab_change_keeps_focus_on_the_tab(app, open_page, axe_source):
    page = open_page(DESKTOP)
    sign_up_and_upload(page, app)
    open_grid(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.locator("#tabs a.tab-alert").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"status=alert"))
    settled(page)
    expect(page.locator(":focus")).to_have_attribute("data-key", "tab-alert")
    page.keyboard.press("Tab")  # the next tab, not the top of the page
    assert page.evaluate("document.activeElement.dataset.key") == "tab-expired"
    no_serious_violations(page, axe_source, "alert tab")
    shot(page, "h03-keyboard-tab")


@pytest.mark.parametrize(
    ("q", "expected"),
    [("RNEDTOSENDER00", "SBXRETURNEDTOSENDER005"), ("#1002", "SBXALERTLOST001"),
     ("bronte@outlook", "SBXALERTLOST001"), ("Cole", "SBXUNDELIVEREDABSENT002")],
)  # fmt: skip
def test_search_finds_parts_of_numbers_orders_and_emails(app, open_page, q, expected):
    page = open_page(DESKTOP)
    sign_up_and_upload(page, app)
    open_grid(page)
    search = page.get_by_label("Search", exact=True)
    search.press_sequentially(q, delay=60)
    search.press("Enter")
    settled(page)
    expect(page.locator("#results a.detail-link")).to_have_count(1)
    assert rows(page) == [expected]


def test_tab_counts_follow_the_filters(app, open_page):
    page = open_page(DESKTOP)
    sign_up_and_upload(page, app)
    Shipment.update(carrier="royal-mail").where(
        Shipment.customer_name.in_(["Ann Archer", "Cy Cole"])
    ).execute()
    open_grid(page)
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Carrier").select_option("royal-mail")
    page.wait_for_url(re.compile(r"carrier=royal-mail"))
    settled(page)
    expect(page.locator("#tabs a.tab-all .count")).to_have_text("2")
    expect(page.locator("#results a.detail-link")).to_have_count(2)
    expect(page.locator("#results-summary")).to_contain_text("of 2")
    options = page.locator("select[name=carrier] option").all_inner_texts()
    # Only the merchant's carriers (Royal Mail, the sandbox's), not all 65 the rules know.
    assert options == ["Any", "Royal Mail", "Sandbox (test numbers)", "Carrier not known"]
    shot(page, "h05-carrier-counts")


def test_live_updates_after_the_import_do_not_disturb_typing(app, open_page):
    page = open_page(DESKTOP)
    sign_up_and_upload(page, app)
    open_grid(page)
    search = page.get_by_label("Search", exact=True)
    search.click()
    search.press_sequentially("SBXTRANS", delay=80)  # typing: a search fires at each pause
    settled(page)
    search.press_sequentially("IT", delay=80)  # and the merchant goes on typing
    moving = Shipment.get(Shipment.tracking_number == "SBXTRANSITMOVING003")
    Shipment.update(status="delivered", reason="delivered", checked_at=utcnow()).where(
        Shipment.id == moving.id
    ).execute()  # as a scheduled check would, long after the import ended
    row = page.locator(f"#row-{moving.id}")
    expect(row.locator(".col-status .badge")).to_contain_text("Delivered")  # at a live poll
    expect(search).to_have_value("SBXTRANSIT")
    expect(search).to_be_focused()
    shot(page, "h06-live-update")


def test_phone_layout_shows_status_and_number_and_scrolls_tabs(app, open_page, axe_source):
    page = open_page(PHONE)
    sign_up_and_upload(page, app)
    open_grid(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    first = page.locator("#results tbody tr").first
    expect(first.locator("a.detail-link")).to_be_visible()
    expect(first.locator(".phone-only .badge")).to_be_visible()
    box = first.bounding_box()
    assert box["y"] < 700, box  # the first row is on the first screen
    tabs = page.locator("#tabs")
    assert tabs.evaluate("t => t.scrollWidth > t.clientWidth")  # scrolls sideways
    expect(page.locator("select[name=carrier]")).to_be_hidden()  # behind one button
    page.get_by_text("Filters", exact=True).click()
    expect(page.locator("select[name=carrier]")).to_be_visible()
    no_serious_violations(page, axe_source, "phone grid")
    shot(page, "h07-phone-grid")


def test_marking_the_whole_view_resolved_asks_and_undoes(app, open_page, axe_source):
    page = open_page(DESKTOP)
    sign_up_and_upload(page, app)
    open_grid(page, "/shipments?status=needs_action")
    count = len(rows(page))
    page.get_by_label("every shipment in this view").check()
    page.get_by_role("button", name="Mark resolved").click()
    question = page.locator("#results .confirm")
    expect(question).to_contain_text(f"Mark all {count} shipments in this view resolved?")
    assert Shipment.select().where(Shipment.followup == "resolved").count() == 0
    no_serious_violations(page, axe_source, "confirm")
    shot(page, "h08-confirm")
    question.get_by_role("button", name=re.compile("Yes, mark")).click()
    expect(page.locator("#results .flash")).to_contain_text(f"{count} shipments marked resolved")
    shot(page, "h08-undo-offered")
    page.get_by_role("button", name="Undo").click()
    expect(page.locator("#results .flash")).to_contain_text("Undone")
    assert Shipment.select().where(Shipment.followup == "resolved").count() == 0


def test_escape_closes_the_detail_and_focus_returns_to_the_row(app, open_page, axe_source):
    page = open_page(DESKTOP)
    sign_up_and_upload(page, app)
    open_grid(page)
    link = page.locator("#results a.detail-link").first
    number = link.inner_text()
    link.focus()
    page.keyboard.press("Enter")
    page.locator("#detail h2").wait_for()
    expect(page.locator("#detail-title")).to_be_focused()
    no_serious_violations(page, axe_source, "detail panel")
    shot(page, "h09-detail")
    page.keyboard.press("Escape")
    expect(page.locator("#detail")).to_be_hidden()
    expect(page.locator(":focus")).to_have_text(number)


def test_pages_next_previous_total_and_back_to_the_top(app, open_page):
    page = open_page(DESKTOP)
    sign_up_and_upload(page, app, copies=10)  # 60 shipments
    open_grid(page)
    expect(page.locator("#results-summary")).to_have_text(re.compile(r"Shipments 1–50 of 60"))
    nxt = page.get_by_role("link", name="Next page →")
    nxt.scroll_into_view_if_needed()
    nxt.click()
    expect(page.locator("#results-summary")).to_have_text(re.compile(r"Shipments 51–60 of 60"))
    settled(page)
    page.wait_for_function("() => window.scrollY < 300")  # back at the top of the results
    shot(page, "h10-page-two")
    page.get_by_role("link", name="← Previous page").click()
    expect(page.locator("#results-summary")).to_have_text(re.compile(r"Shipments 1–50 of 60"))


def test_column_headers_sort(app, open_page):
    page = open_page(DESKTOP)
    sign_up_and_upload(page, app)
    open_grid(page)
    page.get_by_role("link", name="Status").click()
    page.wait_for_url(re.compile(r"sort=status"))
    settled(page)
    expect(page.locator("th[aria-sort]")).to_have_count(1)
    statuses = page.locator("#results td.col-status .badge").evaluate_all(
        "bs => bs.map(b => b.className)"
    )
    assert statuses == sorted(statuses)
    expect(page.locator("select[name=sort]")).to_have_value("status")


def test_see_the_shipments_after_an_upload_shows_that_upload(app, open_page, axe_source):
    page = open_page(DESKTOP)
    sign_up_and_upload(page, app)
    no_serious_violations(page, axe_source, "upload done")
    page.get_by_role("link", name="See the shipments").click()
    page.wait_for_url(re.compile(r"/shipments\?upload=\d+$"))
    expect(page.locator("#results a.detail-link")).to_have_count(len(SCENARIOS))
    expect(page.locator("select[name=upload]")).not_to_have_value("")


def test_an_empty_search_says_nothing_matched(app, open_page, axe_source):
    page = open_page(PHONE)
    sign_up_and_upload(page, app)
    open_grid(page, "/shipments?q=nothing-like-this")
    expect(page.locator("#results .empty")).to_contain_text("No shipment matches")
    expect(page.locator("#results .empty")).not_to_contain_text("Upload a list")
    no_serious_violations(page, axe_source, "empty search")
    shot(page, "h13-empty-phone")


@pytest.mark.parametrize(
    "path", ["/overview", "/settings/provider", "/settings/digest", "/account", "/uploads"]
)
def test_other_pages_have_no_serious_accessibility_violations(app, open_page, axe_source, path):
    page = open_page(DESKTOP)
    sign_up_and_upload(page, app)
    page.goto(path)
    no_serious_violations(page, axe_source, path)
    shot(page, f"h14-{path.strip('/').replace('/', '-')}")


def test_set_the_carrier_by_hand_from_the_detail_panel(app, open_page, axe_source):
    page = open_page(DESKTOP)
    sign_up_and_upload(page, app)
    open_grid(page)
    page.locator("#results a.detail-link").first.click()
    panel = page.locator("#detail")
    panel.get_by_text("Set it by hand").click()
    panel.get_by_label("Carrier", exact=True).select_option("royal-mail")
    no_serious_violations(page, axe_source, "set carrier")
    panel.get_by_role("button", name="Save and re-check").click()
    expect(panel.locator(".facts")).to_contain_text("Royal Mail")
    shot(page, "h15-carrier-set")
    assert Shipment.select().where(Shipment.carrier == "royal-mail").count() == 1
