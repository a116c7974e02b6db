"""The column-mapping step: files without a confident tracking column, and remembered choices."""

import io
import re

from jobs.store.models import ColumnMapping, Shipment, Upload
from tests.conftest import csrf_from, run_jobs

UNCLEAR = "Ref,Value\nabc1,SBXDELIVERED01\nabc2,SBXALERTLOST01\n"


def post_file(client, text, name="export.csv"):
    token = csrf_from(client, "/uploads")
    return client.post(
        "/uploads",
        data={"file": (io.BytesIO(text.encode()), name), "csrf_token": token},
        content_type="multipart/form-data",
    )


def test_unclear_file_asks_for_the_column_then_imports_and_remembers(app, merchant_client):
    response = post_file(merchant_client, UNCLEAR)
    assert response.status_code == 303 and response.headers["Location"].endswith("/mapping")
    page = merchant_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "SBXDELIVERED01" in page and 'name="tracking_number"' in page  # preview + choice
    url = response.headers["Location"]
    token = csrf_from(merchant_client, url)
    missing = merchant_client.post(
        url, data={"csrf_token": token, "tracking_number": ""}, headers={"HX-Request": "true"}
    )
    assert missing.status_code == 422 and "<html" not in missing.get_data(as_text=True)
    assert Upload.get().state == "mapping"

    chosen = merchant_client.post(
        url,
        data={"csrf_token": token, "tracking_number": "1", "order_id": "0"},
        headers={"HX-Request": "true"},
    )
    assert chosen.headers["HX-Redirect"].endswith(f"/uploads/{Upload.get().id}")
    run_jobs(app)
    assert {(s.tracking_number, s.order_id) for s in Shipment.select()} == {
        ("SBXDELIVERED01", "abc1"),
        ("SBXALERTLOST01", "abc2"),
    }
    assert ColumnMapping.select().count() == 1

    again = post_file(merchant_client, "Ref,Value\nabc3,SBXRETURNEDTOSENDER01\n", "next.csv")
    assert not again.headers["Location"].endswith("/mapping")  # the same headers: remembered
    run_jobs(app)
    assert Shipment.select().where(Shipment.order_id == "abc3").count() == 1


SHOPIFY_ORDERS = (  # a Shopify orders export: no tracking column at all
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,"
    "Currency,Subtotal,Shipping,Taxes,Total\n"
    "#1001,ann@shop.test,paid,2025-03-04 10:00:00 +0100,fulfilled,2025-03-05 09:00:00 +0100,"
    "no,EUR,20.00,4.90,3.80,28.70\n"
    "#1002,bob@shop.test,paid,2025-03-04 11:00:00 +0100,unfulfilled,,yes,EUR,"
    "10.00,4.90,1.90,16.80\n"
)


def _mapping_url(client, text, name="orders_export.csv"):
    response = post_file(client, text, name)
    assert response.headers["Location"].endswith("/mapping")
    return response.headers["Location"]


def test_a_file_without_tracking_numbers_says_so_plainly(app, merchant_client):
    url = _mapping_url(merchant_client, SHOPIFY_ORDERS)
    page = merchant_client.get(url).get_data(as_text=True)
    assert "None of the columns in this file holds tracking numbers" in page
    assert 'class="preview-scroll"' in page  # the preview scrolls inside its own box


def test_a_column_of_mostly_junk_is_imported_only_after_a_warning_and_not_remembered(
    app, merchant_client
):
    url = _mapping_url(merchant_client, SHOPIFY_ORDERS)
    token = csrf_from(merchant_client, url)
    data = {"csrf_token": token, "tracking_number": "0"}  # "Name": order numbers
    warned = merchant_client.post(url, data=data, headers={"HX-Request": "true"})
    body = warned.get_data(as_text=True)
    assert warned.status_code == 422 and "are not tracking numbers" in body
    assert "Import this column anyway" in body and Upload.get().state == "mapping"
    confirmed = merchant_client.post(
        url, data={**data, "confirm": "1"}, headers={"HX-Request": "true"}
    )
    assert confirmed.headers["HX-Redirect"].endswith(f"/uploads/{Upload.get().id}")
    run_jobs(app)
    assert Shipment.select().count() == 0  # every value refused by the gate, with a reason
    assert ColumnMapping.select().count() == 0


def test_cancel_removes_the_pending_upload_and_its_file(app, merchant_client):
    from jobs.store.models import UploadChunk

    url = _mapping_url(merchant_client, SHOPIFY_ORDERS)
    assert UploadChunk.select().count() > 0
    token = csrf_from(merchant_client, url)
    cancel = url.replace("/mapping", "/cancel")
    response = merchant_client.post(cancel, data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/uploads")
    assert Upload.select().count() == 0 and UploadChunk.select().count() == 0
    assert "cancelled" in merchant_client.get("/uploads").get_data(as_text=True)


def test_a_remembered_mapping_is_shown_on_settings_and_can_be_forgotten(app, merchant_client):
    url = _mapping_url(merchant_client, UNCLEAR)
    token = csrf_from(merchant_client, url)
    merchant_client.post(url, data={"csrf_token": token, "tracking_number": "1", "order_id": "0"})
    settings = merchant_client.get("/settings/provider").get_data(as_text=True)
    assert "Remembered column choices" in settings
    assert "tracking number = “Value”" in settings and "order id = “Ref”" in settings
    saved = ColumnMapping.get()
    forget = merchant_client.post(
        f"/uploads/mappings/{saved.id}/forget", data={"csrf_token": token}
    )
    assert forget.status_code == 303 and ColumnMapping.select().count() == 0
    again = post_file(merchant_client, "Ref,Value\nabc3,SBXRETURNEDTOSENDER01\n", "next.csv")
    assert again.headers["Location"].endswith("/mapping")  # asked again


def test_a_very_wide_file_is_refused_at_once_with_a_clear_message(app, merchant_client):
    wide = ",".join(f"c{i}" for i in range(2_000)) + "\n" + "x," * 1_999 + "x\n"
    response = post_file(merchant_client, wide, "wide.csv")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "2,000 columns" in body
    assert len(body) < 100_000 and Upload.select().count() == 0


def test_the_real_shopify_export_gets_no_guessed_tracking_column(app, merchant_client):
    """All 79 columns of Shopify's orders export (tests/exports): Id, Payment ID, phones and
    SKUs are not offered as the tracking column, and the page says so plainly."""
    from tests.test_exports import EXPORTS

    text = (EXPORTS / "shopify_orders_export.csv").read_text(encoding="utf-8")
    url = _mapping_url(merchant_client, text)
    page = merchant_client.get(url).get_data(as_text=True)
    assert "None of the columns in this file holds tracking numbers" in page
    choice = re.search(r'<select name="tracking_number".*?</select>', page, re.S).group(0)
    assert "selected" not in choice


def test_choosing_shopifys_order_id_column_warns_before_importing(app, merchant_client):
    """Shopify's "Id" (13-digit order ids) passes the gate's shape test, but no carrier writes
    such numbers: choosing it warns first instead of importing orders as parcels."""
    from tests.exports.build import SHOPIFY_HEADER
    from tests.test_exports import EXPORTS

    text = (EXPORTS / "shopify_orders_export.csv").read_text(encoding="utf-8")
    url = _mapping_url(merchant_client, text)
    token = csrf_from(merchant_client, url)
    data = {"csrf_token": token, "tracking_number": str(SHOPIFY_HEADER.index("Id"))}
    warned = merchant_client.post(url, data=data, headers={"HX-Request": "true"})
    body = warned.get_data(as_text=True)
    assert warned.status_code == 422 and "Import this column anyway" in body
    assert "no carrier we know" in body and Upload.get().state == "mapping"
