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


def test_a_new_digest_address_is_used_only_once_confirmed_by_email(app, merchant_client):
    import re

    from jobs.store.models import Merchant
    from tests.smtp_sink import SmtpSink

    with SmtpSink() as sink:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port, SMTP_STARTTLS=False)
        token = csrf_from(merchant_client, "/settings/digest")
        data = {"digest_opt_in": "y", "digest_email": "Ops@Shop.test", "csrf_token": token}
        assert merchant_client.post("/settings/digest", data=data).status_code == 303
        merchant = Merchant.get()
        assert merchant.digest_opt_in and merchant.digest_email == ""  # not yet confirmed
        [(envelope, message)] = sink.messages
        assert message["To"] == "ops@shop.test"
    link = re.search(r"http://localhost(/settings/digest/confirm/\S+)", message.get_content())
    stranger = app.test_client()  # the mailbox's owner need not be logged in
    page = stranger.get(link.group(1))
    assert page.status_code == 200 and Merchant.get().digest_email == ""  # GET changes nothing
    done = stranger.post(link.group(1), data={"csrf_token": csrf_from(stranger, link.group(1))})
    assert done.status_code == 200 and Merchant.get().digest_email == "ops@shop.test"
    assert stranger.get("/settings/digest/confirm/forged").status_code == 404
