"""Settings → Connections: add, test, pull now and delete, as a merchant does in the browser."""

import pytest

from jobs import runtime
from jobs.store.models import Connection, Shipment
from tests.conftest import csrf_from, run_jobs
from tests.fake_shops import FakeFeed, FakeShopify, shopify_order

FEED = "Order,Tracking number\nW-1,1Z999AA10123456784\nW-2,see email\nW-3,LX123456785CN\n"
HX = {"HX-Request": "true"}


@pytest.fixture
def allowed(app):
    app.config["ALLOW_PRIVATE_URLS"] = True
    runtime.setup()["ALLOW_PRIVATE_URLS"] = True


def add(client, kind, **fields):
    token = csrf_from(client, "/settings/connections")
    data = {f"{kind}-{k}": v for k, v in fields.items()}
    data.setdefault(f"{kind}-every_minutes", "60")
    return client.post(f"/settings/connections/{kind}", data={**data, "csrf_token": token})


def test_a_feed_connected_in_settings_brings_its_shipments_to_the_grid(
    app, merchant_client, allowed
):
    with FakeFeed(FEED, user="shop", password="feed-password-1234") as feed:
        response = add(
            merchant_client, "feed", url=feed.url, username="shop", password="feed-password-1234"
        )
        assert response.status_code == 303, response.get_data(as_text=True)
        run_jobs(app)  # the pull queued on saving, then the resolution of its shipments
    page = merchant_client.get("/settings/connections").get_data(as_text=True)
    assert "2 new, 1 refused" in page and "never" not in page.split("<tbody>")[1]
    assert "feed-password-1234" not in page and "secret …1234" in page
    grid = merchant_client.get("/shipments").get_data(as_text=True)
    assert "1Z999AA10123456784" in grid and "LX123456785CN" in grid
    details = page.split('">details</a>')[0].rsplit('href="', 1)[1]
    refused = merchant_client.get(details).get_data(as_text=True)
    assert "see email" in refused


def test_test_connection_on_the_add_form_is_a_partial_that_says_what_is_wrong(
    app, merchant_client, allowed
):
    with FakeShopify([shopify_order(1)]) as shop:
        token = csrf_from(merchant_client, "/settings/connections")
        form = {"csrf_token": token, "shopify-url": shop.url, "shopify-every_minutes": "60"}
        wrong = merchant_client.post(
            "/settings/connections/shopify/test",
            data={**form, "shopify-token": "shpat_wrong"},
            headers=HX,
        )
        right = merchant_client.post(
            "/settings/connections/shopify/test",
            data={**form, "shopify-token": "shpat_good"},
            headers=HX,
        )
        whole = merchant_client.post(
            "/settings/connections/shopify/test", data={**form, "shopify-token": "shpat_good"}
        )
    body = wrong.get_data(as_text=True)
    assert body.startswith('<p id="shopify-test"') and "refused the access token" in body
    assert "reads orders" in right.get_data(as_text=True)
    assert "<h1>Connections</h1>" in whole.get_data(as_text=True)  # without htmx: the page
    assert Connection.select().count() == 0  # testing saves nothing


def test_connection_tests_are_rate_limited(app, merchant_client, allowed):
    app.config["CONNECTION_TEST_RATE_LIMIT"] = 1
    with FakeShopify([]) as shop:
        add(merchant_client, "shopify", url=shop.url, token="shpat_good")
        connection = Connection.get()
        url = f"/settings/connections/{connection.id}/test"
        token = csrf_from(merchant_client, "/settings/connections")
        first = merchant_client.post(url, data={"csrf_token": token}, headers=HX)
        second = merchant_client.post(url, data={"csrf_token": token}, headers=HX)
    assert first.status_code == 200 and "reads orders" in first.get_data(as_text=True)
    assert second.status_code == 429 and "Too many tests" in second.get_data(as_text=True)


def test_pull_now_returns_the_row_polling_until_the_pull_is_done(app, merchant_client, allowed):
    with FakeShopify([shopify_order(1)]) as shop:
        add(merchant_client, "shopify", url=shop.url, token="shpat_good")
        run_jobs(app)
        connection = Connection.get()
        token = csrf_from(merchant_client, "/settings/connections")
        shop.orders.append(shopify_order(2))
        row = merchant_client.post(
            f"/settings/connections/{connection.id}/pull", data={"csrf_token": token}, headers=HX
        ).get_data(as_text=True)
        assert row.startswith(f'<tr id="connection-{connection.id}"') and "every 2s" in row
        run_jobs(app)
    done = merchant_client.get(f"/settings/connections/{connection.id}", headers=HX)
    assert "every 2s" not in done.get_data(as_text=True)
    assert "1 new, 0 refused" in done.get_data(as_text=True)
    assert Shipment.select().count() == 2


def test_unsafe_addresses_and_bad_schedules_are_refused_on_the_form(app, merchant_client):
    response = add(merchant_client, "feed", url="http://169.254.169.254/latest/meta-data")
    assert response.status_code == 422
    assert "private, loopback or reserved" in response.get_data(as_text=True)
    response = add(merchant_client, "feed", url="https://example.com/x.csv", every_minutes="1")
    assert response.status_code == 422
    assert Connection.select().count() == 0


def test_delete_removes_the_connection_but_keeps_its_shipments(app, merchant_client, allowed):
    with FakeFeed(FEED) as feed:
        add(merchant_client, "feed", url=feed.url)
        run_jobs(app)
    connection = Connection.get()
    token = csrf_from(merchant_client, "/settings/connections")
    response = merchant_client.post(
        f"/settings/connections/{connection.id}/delete", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert Connection.select().count() == 0 and Shipment.select().count() == 2


def test_the_page_needs_a_log_in_and_htmx_gets_a_redirect(app, client):
    assert client.get("/settings/connections").status_code in (302, 303)
    response = client.get("/settings/connections", headers=HX)
    assert "HX-Redirect" in response.headers or response.status_code in (302, 303, 401)


def test_a_shopify_app_by_client_id_and_secret_and_the_help_page(app, merchant_client, allowed):
    with FakeShopify([shopify_order(1)]) as shop:
        missing = add(merchant_client, "shopify", url=shop.url)
        assert missing.status_code == 422
        assert "or the app&#39;s client ID and secret" in missing.get_data(as_text=True)
        response = add(
            merchant_client,
            "shopify",
            url=shop.url,
            client_id="app-client-id",
            client_secret="app-client-secret",
        )
        assert response.status_code == 303
        run_jobs(app)
    assert Shipment.select().count() == 1
    guide = merchant_client.get("/settings/connections/help").get_data(as_text=True)
    assert "read_orders" in guide and "Read</strong> as the permission" in guide


def test_a_feed_header_token_is_sent_and_odd_header_names_are_refused(
    app, merchant_client, allowed
):
    with FakeFeed(FEED) as feed:
        bad = add(merchant_client, "feed", url=feed.url, header_name="Host", header_value="x")
        assert bad.status_code == 422 and "cannot be used as a header name" in bad.get_data(
            as_text=True
        )
        good = add(
            merchant_client, "feed", url=feed.url, header_name="X-Api-Key", header_value="k-123456"
        )
        assert good.status_code == 303
        run_jobs(app)
        assert feed.requests[-1].headers["x-api-key"] == "k-123456"
    assert Shipment.select().count() == 2


def test_deleting_the_account_removes_its_connections(app, merchant_client, allowed):
    from tests.conftest import PASSWORD

    with FakeFeed(FEED) as feed:
        add(merchant_client, "feed", url=feed.url)
        run_jobs(app)
    token = csrf_from(merchant_client, "/account")
    response = merchant_client.post(
        "/account/delete", data={"confirm": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    assert Connection.select().count() == 0
