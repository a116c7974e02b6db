"""The whole path over HTTP: sign up, upload, run the workers, work the grid."""

import io
import re

from jobs.store.models import Shipment, Upload
from tests.conftest import csrf_from, run_jobs

SAMPLE = (
    "Order,Tracking number,Customer\n"
    "#1001,SBXDELIVERED01,Ann Archer\n"
    "#1002,SBXALERTLOST01,Bob Baker\n"
    "#1003,SBXUNDELIVEREDABSENT01,Cy Cole\n"
    "#1004,sbxdelivered01 ,Ann Archer\n"  # the first row again, written differently
    "#1005,9.4001E+21,Dee Dunn\n"  # damaged by a spreadsheet
)


def upload_csv(client, text=SAMPLE, name="orders.csv"):
    """Post a CSV through the upload form; return the upload page's path."""
    token = csrf_from(client, "/uploads")
    response = client.post(
        "/uploads",
        data={"file": (io.BytesIO(text.encode()), name), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def test_upload_resolve_and_filter_the_grid(app, merchant_client):
    page = upload_csv(merchant_client)
    waiting = merchant_client.get(page).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in waiting  # the progress bar polls while jobs run

    run_jobs(app)

    done = merchant_client.get(page, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in done  # polling stops once the upload is finished
    assert "<html" not in done  # htmx gets only the partial
    assert "9.4001E+21" in done and "format the column as text" in done.lower()
    upload = Upload.get()
    assert (upload.state, upload.imported, upload.duplicates, upload.rejected) == ("done", 3, 1, 1)

    grid = merchant_client.get("/shipments").get_data(as_text=True)
    counts = dict(
        re.findall(r'class="tab tab-(\w+)[^"]*"[^>]*>\s*[^<]+<span class="count">(\d+)', grid)
    )
    assert counts["all"] == "3"
    assert (counts["delivered"], counts["alert"], counts["undelivered"]) == ("1", "1", "1")
    assert counts["needs_action"] == "2"
    repeated = Shipment.get(Shipment.tracking_number == "SBXDELIVERED01")
    assert (repeated.order_id, repeated.order_ids) == ("#1001", "#1001, #1004")  # none lost


def test_status_tab_is_a_partial_for_htmx_and_a_page_otherwise(app, merchant_client):
    upload_csv(merchant_client)
    run_jobs(app)
    partial = merchant_client.get("/shipments?status=alert", headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert "<html" not in body and 'id="results"' in body
    assert "SBXALERTLOST01" in body and "SBXDELIVERED01" not in body
    assert 'class="row-alert hot"' in body
    assert "HX-Request" in partial.headers["Vary"]
    full = merchant_client.get("/shipments?status=alert").get_data(as_text=True)
    assert "<html" in full and "SBXALERTLOST01" in full and "SBXDELIVERED01" not in full


def test_search_finds_by_order_and_customer(app, merchant_client):
    upload_csv(merchant_client)
    run_jobs(app)
    by_customer = merchant_client.get("/shipments?q=baker").get_data(as_text=True)
    assert "SBXALERTLOST01" in by_customer and "SBXDELIVERED01" not in by_customer
    by_order = merchant_client.get("/shipments?q=1003").get_data(as_text=True)
    assert "SBXUNDELIVEREDABSENT01" in by_order and "SBXALERTLOST01" not in by_order


def test_a_refused_file_stores_nothing(app, merchant_client):
    token = csrf_from(merchant_client, "/uploads")
    response = merchant_client.post(
        "/uploads",
        data={"file": (io.BytesIO(b""), "empty.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert Upload.select().count() == 0
    assert Shipment.select().count() == 0


def test_progress_shows_rows_read_while_parsing(app, merchant_client):
    page = upload_csv(merchant_client)
    run_jobs(app)  # the import job leaves its last count in its RQ meta
    Upload.update(state="parsing").execute()  # as the page looks while that job is running
    body = merchant_client.get(page, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Reading the file… 5 rows so far." in body
    assert 'hx-trigger="every 1s"' in body
