"""Uploads in a real browser: the rejected rows download and read back."""

import csv
import io
import re

import pytest

from tests.conftest import PASSWORD, run_jobs

pytestmark = pytest.mark.browser

FILE = (
    "Order,Tracking number,Customer\n"
    "#1001,SBXDELIVERED01,Ann Archer\n"
    "#1002,TBD,Bob Baker\n"
    '#1003,=HYPERLINK("https://x.test","1Z"),Cy Cole\n'
    "#1004,+44 7700 900123,Dee Dunn\n"
)


def test_the_rejected_rows_csv_downloads_and_lists_each_reason(app, page):
    page.goto("/signup")
    page.get_by_label("Shop name").fill("Browser shop")
    page.get_by_label("Email").fill("browser@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"/uploads$"))
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "orders.csv", "mimeType": "text/csv", "buffer": FILE.encode()}],
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_url(re.compile(r"/uploads/\d+$"))
    run_jobs(app)
    link = page.get_by_role("link", name=re.compile(r"Download all 3 rejected rows"))
    link.wait_for()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None
    text = download.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [(r[0], r[2]) for r in rows[1:]] == [
        ("3", "placeholder"),
        ("4", "formula"),
        ("5", "phone_number"),
    ]
    assert rows[1][3].startswith("This is a placeholder")


def test_the_mapping_step_fits_the_screen_and_can_be_cancelled(app, page):
    headers = ["Order", "Notes"] + [f"Long column heading number {i}" for i in range(60)]
    row = ["#1", "x" * 300] + ["some rather long cell text"] * 60
    text = ",".join(headers) + "\n" + ",".join(row) + "\n"
    page.goto("/signup")
    page.get_by_label("Shop name").fill("Browser shop")
    page.get_by_label("Email").fill("browser@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"/uploads$"))
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "wide.csv", "mimeType": "text/csv", "buffer": text.encode()}],
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_url(re.compile(r"/mapping$"))
    page.get_by_text("None of the columns in this file holds tracking numbers").wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1400  # the preview scrolls inside its box, the page does not
    page.get_by_role("button", name="Import with these columns").click()
    error = page.get_by_text("Choose the column that holds the tracking numbers.")
    error.wait_for()
    assert error.is_visible() and error.bounding_box()["y"] < 900  # in view, near the choice
    page.get_by_role("button", name="Cancel this upload").click()
    page.wait_for_url(re.compile(r"/uploads$"))
    page.get_by_text("nothing was imported").wait_for()
