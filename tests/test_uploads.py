"""Upload pages: the rejected-rows download, the progress line, the upload report."""

import csv
import io
import re

from jobs.store.models import Shipment, Upload
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


COMBINED = (
    "Order,Tracking number,Customer,Email,Country,Ship date,Gift message,Weight\n"
    "#1,LX123456785CN,Ann Archer,ann@shop.test; ann.archer@work.test,Deutschland,04-Mär-25,"
    'Happy birthday,"1,5 kg"\n'
    "#2,LX123456785CN,Ann Archer,,,,,\n"
    "#3,RR123456785CN,Bob Baker,bob@shop.test,GBR,26-Feb-25,,\n"
)


def test_combined_shipping_keeps_every_order_and_the_report_says_so(app, merchant_client):
    page = upload_csv(merchant_client, COMBINED)
    run_jobs(app)
    shared = Shipment.get(Shipment.tracking_number == "LX123456785CN")
    assert (shared.order_id, shared.order_ids) == ("#1", "#1, #2")
    assert (shared.email, shared.country, str(shared.ship_date)) == (
        "ann@shop.test",
        "DE",
        "2025-03-04",
    )
    body = merchant_client.get(page).get_data(as_text=True)
    assert "1 tracking number is shared by several orders" in body
    again = "Order,Tracking number\n#9,LX123456785CN\n"  # a later file: added, nothing replaced
    upload_csv(merchant_client, again, name="later.csv")
    run_jobs(app)
    shared = Shipment.get(Shipment.tracking_number == "LX123456785CN")
    assert (shared.order_id, shared.order_ids) == ("#1", "#1, #2, #9")


def test_other_columns_are_kept_and_shown_in_the_detail_panel(app, merchant_client):
    upload_csv(merchant_client, COMBINED)
    run_jobs(app)
    shared = Shipment.get(Shipment.tracking_number == "LX123456785CN")
    html = merchant_client.get(f"/shipments/{shared.id}").get_data(as_text=True)
    assert "Orders (combined shipping)" in html and "#1, #2" in html
    assert "<dt>Gift message</dt><dd>Happy birthday</dd>" in html
    assert "<dt>Weight</dt><dd>1,5 kg</dd>" in html  # money and weights stay text
    assert "<dt>Destination</dt><dd>DE</dd>" in html


def test_reports_list_every_order_of_a_combined_shipment(app, merchant_client):
    upload_csv(merchant_client, COMBINED)
    run_jobs(app)
    text = merchant_client.get("/reports/export?format=csv").get_data(as_text=True)
    rows = {r[1]: r[0] for r in csv.reader(io.StringIO(text.lstrip("\ufeff")))}
    assert rows["LX123456785CN"] == "#1, #2"


def test_the_grid_row_lists_every_order_of_a_combined_shipment(app, merchant_client):
    upload_csv(merchant_client, COMBINED)
    run_jobs(app)
    grid = merchant_client.get("/shipments").get_data(as_text=True)
    assert '<td class="col-order">#1, #2</td>' in grid
    assert '<td class="col-order">#3</td>' in grid


def test_search_finds_a_combined_shipment_by_any_of_its_orders(app, merchant_client, monkeypatch):
    from jobs.store import search

    upload_csv(merchant_client, COMBINED.replace("#2,", "#WEB-202,"))
    run_jobs(app)
    for small in (search.SMALL_ACCOUNT, 0):  # row by row, then through the index
        monkeypatch.setattr(search, "SMALL_ACCOUNT", small)
        for q in ("#WEB-202", "web-20", "WEB-202"):
            body = merchant_client.get("/shipments", query_string={"q": q}).get_data(as_text=True)
            assert "LX123456785CN" in body and "RR123456785CN" not in body, (q, small)
