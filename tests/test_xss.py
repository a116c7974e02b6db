"""Hostile text in every merchant- or carrier-supplied field is shown, never run."""

import io

from markupsafe import escape
from openpyxl import load_workbook

from jobs.store.models import Shipment, TrackingEvent, Upload, utcnow
from tests.conftest import csrf_from, run_jobs

SCRIPT = "<script>alert('x')</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE_FILE = "<img src=x onerror=alert(1)>.csv"  # a browser would send a quote as %22


def plant(app, client):
    """An upload with a hostile file name, then hostile values in every shown field."""
    token = csrf_from(client, "/uploads")
    client.post(
        "/uploads",
        data={
            "file": (io.BytesIO(b"tracking number\nSBXALERTLOST01\n"), HOSTILE_FILE),
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    run_jobs(app)
    shipment = Shipment.get()
    Shipment.update(
        customer_name=SCRIPT,
        order_id=IMG,
        email=f"{IMG}@x.test",
        note=SCRIPT,
        last_event_text=SCRIPT,
        last_event_location=IMG,
    ).execute()
    TrackingEvent.create(shipment=shipment, time=utcnow(), text=SCRIPT, location=IMG)
    return shipment, Upload.get()


def test_html_shows_hostile_values_escaped(app, merchant_client):
    shipment, upload = plant(app, merchant_client)
    pages = [
        "/uploads",
        f"/uploads/{upload.id}",
        "/shipments",
        "/shipments?status=alert",
        f"/shipments?q={shipment.tracking_number}",
        f"/shipments/{shipment.id}",
        "/shipments/live",
        "/overview",
    ]
    for url in pages:
        for headers in ({}, {"HX-Request": "true"}):
            body = merchant_client.get(url, headers=headers).get_data(as_text=True)
            assert SCRIPT not in body and IMG not in body and HOSTILE_FILE not in body, url
    grid = merchant_client.get("/shipments").get_data(as_text=True)
    assert str(escape(SCRIPT)) in grid and str(escape(IMG)) in grid  # shown, as text
    detail = merchant_client.get(f"/shipments/{shipment.id}").get_data(as_text=True)
    assert detail.count(str(escape(SCRIPT))) >= 2  # the event text and the customer
    assert str(escape(HOSTILE_FILE)) in merchant_client.get("/uploads").get_data(as_text=True)


def test_reports_carry_hostile_values_as_plain_text(app, merchant_client, tmp_path):
    plant(app, merchant_client)
    csv_text = merchant_client.get("/reports/export?format=csv").data.decode("utf-8-sig")
    assert SCRIPT in csv_text  # inert in a CSV: kept as the merchant wrote it
    xlsx = tmp_path / "r.xlsx"
    xlsx.write_bytes(merchant_client.get("/reports/export?format=xlsx").data)
    sheet = load_workbook(xlsx).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert SCRIPT in values and IMG in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
