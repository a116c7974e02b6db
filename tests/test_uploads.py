"""Upload pages: the rejected-rows download, the progress line, the upload report."""

import csv
import io

from tests.conftest import run_jobs
from tests.test_thin_path import upload_csv

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
