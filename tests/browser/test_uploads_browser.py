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
