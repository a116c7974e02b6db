"""Upload pages: the rejected-rows download, the progress line, the upload report."""

import csv
import io
import re

from tests.conftest import run_jobs
from tests.test_thin_path import upload_csv
from webapp.models import Shipment, Upload

FILE = (
    "Order,Tracking number,Customer\n"
    "#1,LX123456785CN,Ann\n"
    "#2,N/A,Bob\n"
    "#3,=1+1,Cy\n"
    "#4,ann@shop.test,Dee\n"
)


def test_rejected_rows_download_as_csv_with_reasons(app, merchant_client):
    page = upload_csv(merchant_client, FILE)
    run_jobs(app)
    response = merchant_client.get(page + "/rejected.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["row", "value", "reason", "explanation"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("3", "N/A", "placeholder"),
        ("4", "'=1+1", "formula"),  # neutralised: the spreadsheet shows it, never runs it
        ("5", "ann@shop.test", "email_address"),
    ]
    assert all(r[3].endswith(".") for r in rows[1:])


def test_rows_read_agrees_with_the_progress_line_while_parsing(app, merchant_client):
    page = upload_csv(merchant_client, FILE)
    run_jobs(app)  # the import job leaves its last count in its RQ meta
    Upload.update(state="parsing", rows_total=0).execute()  # as seen while the job runs
    body = merchant_client.get(page, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "4 rows so far." in body
    assert re.search(r"<dt>Rows read</dt><dd>4</dd>", body)


def test_the_report_says_where_a_cut_off_file_ends(app, merchant_client):
    page = upload_csv(merchant_client, "Tracking number,Customer\nLX123456785CN,Ann\nRR1234")
    run_jobs(app)
    body = merchant_client.get(page).get_data(as_text=True)
    assert "The file ends in the middle of row 3" in body
    assert Shipment.select().count() == 1
