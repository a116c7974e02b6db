"""The column-mapping step: files without a confident tracking column, and remembered choices."""

import io

from tests.conftest import csrf_from, run_jobs
from webapp.models import ColumnMapping, Shipment, Upload

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
