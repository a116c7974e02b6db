"""Costly actions are rate-limited; pages with customer data are never cached; an over-size
upload gets the upload form back with a message."""

import io

import pytest

from tests.conftest import csrf_from
from tests.test_thin_path import upload_csv


def post_file(client, size, name="orders.csv"):
    token = csrf_from(client, "/uploads")
    return client.post(
        "/uploads",
        data={"file": (io.BytesIO(b"tracking\n" + b"x" * size), name), "csrf_token": token},
        content_type="multipart/form-data",
    )


def test_uploads_are_rate_limited_per_merchant(app, merchant_client):
    app.config["UPLOAD_RATE_LIMIT"] = 2
    upload_csv(merchant_client)
    token = csrf_from(merchant_client, "/uploads")
    pasted = merchant_client.post(
        "/uploads/paste", data={"numbers": "SBXDELIVERED01", "csrf_token": token}
    )
    assert pasted.status_code == 303
    refused = post_file(merchant_client, 10)
    assert refused.status_code == 429
    assert "Too many uploads" in refused.get_data(as_text=True)
    token = csrf_from(merchant_client, "/uploads")
    again = merchant_client.post(
        "/uploads/paste", data={"numbers": "SBXDELIVERED01", "csrf_token": token}
    )
    assert again.status_code == 429


def test_connection_tests_are_rate_limited_per_merchant(app, merchant_client):
    app.config["CONNECTION_TEST_RATE_LIMIT"] = 2
    token = csrf_from(merchant_client, "/settings/provider")
    data = {"provider": "sandbox", "csrf_token": token}
    for _ in range(2):
        assert merchant_client.post("/settings/provider/test", data=data).status_code == 200
    refused = merchant_client.post(
        "/settings/provider/test", data=data, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 429 and "Too many tests" in refused.get_data(as_text=True)


def test_an_over_size_upload_gets_the_form_with_a_message(app, merchant_client):
    app.config["MAX_CONTENT_LENGTH"] = 64 << 10
    response = post_file(merchant_client, 100 << 10)
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in text and "larger than" in text


@pytest.mark.parametrize(
    "path", ["/shipments", "/uploads", "/account", "/account/export", "/reports/export?format=csv"]
)
def test_pages_and_downloads_with_customer_data_are_never_cached(merchant_client, path):
    response = merchant_client.get(path)
    assert response.status_code < 400, path
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_still_be_cached(client):
    with client.get("/static/parceldesk.css") as response:
        assert response.headers.get("Cache-Control") != "no-store"
