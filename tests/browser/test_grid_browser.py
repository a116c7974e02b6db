"""The grid in a real browser: sign up, upload, watch, filter, search, open, resolve, go back."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.conftest import PASSWORD, run_jobs

pytestmark = pytest.mark.browser

CSV = (
    "Order,Tracking number,Customer,Email\n"
    "#1001,SBXDELIVERED01,Ann Archer,ann@shop.test\n"
    "#1002,SBXALERTLOST01,Bob Baker,bob@shop.test\n"
    "#1003,SBXUNDELIVEREDABSENT01,Cy Cole,cy@shop.test\n"
    "#1004,SBXDELIVERED02,Dee Dunn,dee@shop.test\n"
)


def sign_up_and_upload(page, app):
    page.goto("/signup")
    page.get_by_label("Shop name").fill("Browser shop")
    page.get_by_label("Email").fill("browser@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"/uploads$"))
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "orders.csv", "mimeType": "text/csv", "buffer": CSV.encode()}],
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_url(re.compile(r"/uploads/\d+$"))
    shot(page, "1-upload-progress")
    run_jobs(app)  # the page keeps polling meanwhile and shows the result by itself
    page.get_by_text("Done: 4 shipments checked").wait_for()
    shot(page, "2-upload-done")


def rows(page):
    return page.locator("#grid a.detail-link code").all_inner_texts()


def test_triage_a_problem_parcel(app, page):
    sign_up_and_upload(page, app)
    page.get_by_role("link", name="See the shipments").click()
    page.wait_for_url(re.compile(r"/shipments\?upload=\d+$"))
    assert len(rows(page)) == 4
    shot(page, "3-grid-all")

    page.locator("#tabs a.tab-alert").click()
    page.wait_for_url(re.compile(r"status=alert"))
    expect(page.locator("#grid a.detail-link")).to_have_count(1)
    assert rows(page) == ["SBXALERTLOST01"]
    shot(page, "4-grid-alert")

    page.locator("#tabs a.tab-all").click()
    page.wait_for_url(re.compile(r"/shipments\?upload=\d+$"))
    expect(page.locator("#grid a.detail-link")).to_have_count(4)
    page.locator("#tabs a.tab-all[aria-current]").wait_for()  # the swap has settled
    search = page.get_by_label("Search")
    search.fill("SBXUNDELIVEREDABSENT01")
    search.press("Enter")  # submits the filter form too, in case a swap raced the typing
    page.wait_for_url(re.compile(r"q=SBXUNDELIVEREDABSENT01"))
    expect(page.locator("#grid a.detail-link")).to_have_count(1)
    assert rows(page) == ["SBXUNDELIVEREDABSENT01"]

    page.locator("#grid a.detail-link").first.click()
    panel = page.locator("#detail")
    panel.get_by_role("heading", name="Tracking events").wait_for()
    assert panel.locator(".timeline li").count() >= 1
    assert "Undelivered" in panel.inner_text()
    expect(page.locator("#detail-title")).to_be_focused()  # focus moved to it (after the swap)
    shot(page, "5-detail-panel")

    needs_before = int(page.locator("#tabs a.tab-needs_action .count").inner_text())
    panel.get_by_label("Note").fill("Called the customer, redelivery booked")
    panel.get_by_role("button", name="Mark resolved").click()
    panel.locator(".followup-resolved").first.wait_for()
    needs_count = page.locator("#tabs a.tab-needs_action .count")
    expect(needs_count).to_have_text(str(needs_before - 1))  # counts refreshed by themselves
    expect(page.locator("#grid tbody tr").first).to_contain_text("Resolved")  # the row, in place
    shot(page, "6-resolved")

    page.go_back()
    page.wait_for_url(re.compile(r"/shipments\?upload=\d+$"))
    expect(page.locator("#grid a.detail-link")).to_have_count(4)
    page.go_back()
    page.wait_for_url(re.compile(r"status=alert"))
    expect(page.locator("#grid a.detail-link")).to_have_count(1)
    assert rows(page) == ["SBXALERTLOST01"]
    page.go_forward()
    page.wait_for_url(re.compile(r"/shipments\?upload=\d+$"))
    expect(page.locator("#grid a.detail-link")).to_have_count(4)
    page.reload()
    assert len(rows(page)) == 4


def _focus_path(page, presses):
    """Describe the focused element after each Tab press."""
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                """() => { const e = document.activeElement;
                return [e.tagName, e.getAttribute('name') || '', e.className || '',
                        e.getAttribute('type') || '',
                        (e.textContent || '').trim().slice(0, 30)]; }"""
            )
        )
    return seen


def test_keyboard_alone_reaches_every_control(app, page):
    sign_up_and_upload(page, app)
    page.goto("/shipments")
    page.locator(".more-filters summary").focus()
    page.keyboard.press("Enter")  # the filters sit behind one button (issue 17)
    page.keyboard.press("Shift+Tab")  # back to the search field, then forwards through it all
    path = [("INPUT", page.evaluate("document.activeElement.name"), "", "", "")]
    path += _focus_path(page, 60)
    kinds = {(tag, name) for tag, name, *_ in path}
    classes = " ".join(cls for _, _, cls, _, _ in path)
    assert "tab tab-all" in classes and "tab-alert" in classes and "detail-link" in classes
    for control in [("INPUT", "q"), ("SELECT", "carrier"), ("SELECT", "upload"),
                    ("INPUT", "shipped_from"), ("SELECT", "followup"), ("INPUT", "stalled"),
                    ("SELECT", "sort"), ("BUTTON", "action"), ("INPUT", "ids")]:  # fmt: skip
        assert control in kinds, control
    # Open a row's detail with the keyboard, then reach its follow-up buttons.
    page.locator("#results a.detail-link").first.focus()
    page.keyboard.press("Enter")
    page.locator("#detail h2").wait_for()
    texts = [text for *_, text in _focus_path(page, 12)]
    assert "Mark contacted" in texts and "Mark resolved" in texts
    shot(page, "7-keyboard-focus")


def test_download_the_filtered_view(app, page, tmp_path):
    sign_up_and_upload(page, app)
    page.goto("/shipments?status=alert")
    page.get_by_text("Download", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="This view as CSV").click()
    saved = tmp_path / "view.csv"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert "SBXALERTLOST01" in text
    assert "SBXDELIVERED01" not in text and "SBXUNDELIVEREDABSENT01" not in text
