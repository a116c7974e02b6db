"""Connections pull shipments from Shopify, WooCommerce and feeds (loopback fakes of each API)."""

import json

import pytest

from jobs import runtime
from jobs.connections import create
from jobs.connectors import ConnectorError, base, connector_for
from jobs.pulls import pull
from jobs.store.models import Connection, RowError, Shipment, Upload
from tests.fake_shops import (
    FakeFeed,
    FakeShopify,
    FakeWooCommerce,
    shopify_order,
    throttled,
    ups_number,
    woo_order,
)
from tests.loopback import Reply
from webapp.auth import create_merchant

PASSWORD = "correct horse battery"


@pytest.fixture
def merchant(app):
    app.config["ALLOW_PRIVATE_URLS"] = True
    runtime.setup()["ALLOW_PRIVATE_URLS"] = True
    return create_merchant("shop@example.com", PASSWORD)


@pytest.fixture
def waits(monkeypatch):
    """The back-off waits a connector asked for, instead of sleeping them."""
    asked = []
    monkeypatch.setattr(base, "sleep", asked.append)
    return asked


def connect(merchant, kind, url, **credentials):
    return create(merchant.id, kind, url, credentials, runtime.setup())


def numbers(merchant):
    rows = Shipment.select().where(Shipment.merchant == merchant.id).order_by(Shipment.id)
    return [s.tracking_number for s in rows]


# Shopify


def test_shopify_first_pull_walks_every_page_and_splits_tracking_numbers(merchant, waits):
    orders = [shopify_order(n) for n in range(1, 121)]
    orders.append(shopify_order(121, numbers=[ups_number(500), ups_number(501)]))
    with FakeShopify(orders) as shop:
        connection = connect(merchant, "shopify", shop.url, token="shpat_good")
        result = pull(connection.id)
    assert result["error"] is None
    assert result["stored"] == 122 and result["refused"] == 0
    assert len(shop.requests) == 5  # 25 × 4 + 21 orders
    two = Shipment.select().where(Shipment.order_id == "#1121")
    assert sorted(s.tracking_number for s in two) == [ups_number(500), ups_number(501)]
    one = Shipment.get(Shipment.tracking_number == ups_number(1))
    assert (one.order_id, one.customer_name, one.country) == ("#1001", "Ann Buyer1", "DE")
    assert str(one.ship_date) == "2026-11-01"
    assert json.loads(one.extra)["Tracking link"].endswith(ups_number(1))
    sent = shop.requests[0]
    assert sent.headers["x-shopify-access-token"] == "shpat_good"
    assert sent.json()["variables"]["search"] is None  # first pull: everything
    saved = Connection.get_by_id(connection.id)
    assert json.loads(saved.cursor) == {"since": orders[-1]["updatedAt"]}
    assert saved.last_stored == 122 and saved.next_run_at > saved.last_run_at


def test_shopify_second_pull_asks_only_for_changes_and_stores_nothing_twice(merchant, waits):
    orders = [shopify_order(n) for n in range(1, 11)]
    with FakeShopify(orders) as shop:
        connection = connect(merchant, "shopify", shop.url, token="shpat_good")
        pull(connection.id)
        shop.orders.append(shopify_order(11))
        again = pull(connection.id)
        search = shop.requests[-1].json()["variables"]["search"]
    assert search == "updated_at:>='2026-11-01T08:00:00Z'"  # order 10's change minus the overlap
    assert again["stored"] == 1
    assert len(numbers(merchant)) == 11
    assert Upload.select().count() == 2  # each pull recorded like an upload


def test_shopify_throttling_waits_as_told_then_goes_on(merchant, waits):
    with FakeShopify([shopify_order(1)]) as shop:
        shop.faults = [
            throttled(requested=752, available=552, restore=100.0),
            Reply(429, b"", {"Retry-After": "2.0"}),
            Reply(503, b"busy"),
        ]
        connection = connect(merchant, "shopify", shop.url, token="shpat_good")
        result = pull(connection.id)
    assert result["stored"] == 1 and result["error"] is None
    assert waits[:2] == [2.0, 2.0]  # (752 - 552) / 100 points per second; Retry-After
    assert len(waits) == 3


@pytest.mark.parametrize(
    ("shop_kwargs", "token", "said"),
    [
        ({}, "shpat_wrong", "refused the access token"),
        ({"scopes": ()}, "shpat_good", "read_orders"),
    ],
)
def test_shopify_test_says_what_is_wrong(merchant, shop_kwargs, token, said):
    with FakeShopify([], **shop_kwargs) as shop:
        connection = connect(merchant, "shopify", shop.url, token=token)
        with pytest.raises(ConnectorError, match=said):
            connector_for(connection, runtime.setup()).test()


def test_shopify_test_names_a_store_that_does_not_exist(merchant):
    with FakeShopify([]) as shop:
        connection = connect(merchant, "shopify", shop.url + "/", token="shpat_good")
        connection.url = shop.url.replace("127.0.0.1", "127.0.0.1") + "/nothing-here"
        good = connector_for(Connection.get_by_id(connection.id), runtime.setup()).test()
        assert "reads orders" in good
    with FakeShopify([]) as shop:
        shop.handle = lambda request: Reply(404, b'{"errors":"Not Found"}')
        shop.server.handler = shop.handle
        connection = connect(merchant, "shopify", shop.url, token="shpat_good")
        with pytest.raises(ConnectorError, match="No Shopify store answers"):
            connector_for(connection, runtime.setup()).test()


def test_shopify_malformed_json_keeps_what_was_stored_and_resumes(merchant, waits):
    orders = [shopify_order(n) for n in range(1, 121)]
    with FakeShopify(orders) as shop:
        connection = connect(merchant, "shopify", shop.url, token="shpat_good")
        real = shop.handle

        def broken_second_page(request):
            if len(shop.requests) == 2:
                return Reply(200, b'{"data": {"orders": ')
            return real(request)

        shop.server.handler = broken_second_page
        first = pull(connection.id)
        assert "not JSON" in first["error"] and first["stored"] == 25
        assert Connection.get_by_id(connection.id).last_error == first["error"]
        shop.server.handler = real
        second = pull(connection.id)
    assert second["error"] is None
    assert sorted(numbers(merchant)) == sorted(ups_number(n) for n in range(1, 121))
    assert second["stored"] == 95  # the rest; the first page's re-read merged, not doubled


def test_shopify_refused_numbers_are_row_errors_with_reasons(merchant, waits):
    orders = [
        shopify_order(1),
        shopify_order(2, numbers=["N/A"]),
        shopify_order(3, status="CANCELLED"),
    ]
    with FakeShopify(orders) as shop:
        connection = connect(merchant, "shopify", shop.url, token="shpat_good")
        result = pull(connection.id)
    assert (result["stored"], result["refused"]) == (1, 1)
    assert [(e.value, e.reason) for e in RowError.select()] == [("N/A", "placeholder")]


# WooCommerce


def test_woocommerce_pulls_pages_and_tracking_from_meta_or_the_plugin_route(merchant):
    orders = [woo_order(n) for n in range(1, 151)]
    orders.append(woo_order(151, in_meta=False))  # only the plugin's route knows it
    orders.append(woo_order(152, numbers=[ups_number(600), ups_number(601)]))
    orders.append(woo_order(153, status="cancelled"))
    with FakeWooCommerce(orders) as shop:
        connection = connect(merchant, "woocommerce", shop.url, key="ck_good", secret="cs_good")
        result = pull(connection.id)
        listed = [r for r in shop.requests if r.path.startswith("/wp-json/wc/v3/orders")]
    assert result["error"] is None
    assert result["stored"] == 153
    assert len(listed) == 2  # 100 + 53 orders, X-WP-TotalPages: 2
    assert ups_number(153) not in numbers(merchant)
    routed = Shipment.get(Shipment.tracking_number == ups_number(151))
    assert (routed.order_id, routed.email, routed.country) == ("151", "bo151@example.com", "FR")
    cursor = json.loads(Connection.get_by_id(connection.id).cursor)
    assert cursor == {"since": max(o["date_modified_gmt"] for o in orders)}


def test_woocommerce_next_pull_asks_for_orders_modified_after_the_cursor(merchant):
    with FakeWooCommerce([woo_order(1)]) as shop:
        connection = connect(merchant, "woocommerce", shop.url, key="ck_good", secret="cs_good")
        pull(connection.id)
        shop.orders.append(woo_order(2))
        again = pull(connection.id)
        last = shop.requests[-1].path
    assert "modified_after=2026-11-01T08%3A01%3A00" in last and "dates_are_gmt=true" in last
    assert again["stored"] == 1


@pytest.mark.parametrize(
    ("shop_kwargs", "secret", "said"),
    [
        ({}, "cs_wrong", "refused the key"),
        ({"can_view": False}, "cs_good", "Read permission"),
        ({"plugin": False}, "cs_good", "No tracking plugin"),
    ],
)
def test_woocommerce_test_says_what_is_wrong(merchant, shop_kwargs, secret, said):
    with FakeWooCommerce([woo_order(1, in_meta=False)], **shop_kwargs) as shop:
        connection = connect(merchant, "woocommerce", shop.url, key="ck_good", secret=secret)
        with pytest.raises(ConnectorError, match=said):
            connector_for(connection, runtime.setup()).test()


def test_woocommerce_test_on_a_site_without_the_api(merchant):
    with FakeWooCommerce([]) as shop:
        connection = connect(merchant, "woocommerce", shop.url + "/blog", key="k", secret="s")
        shop.server.handler = lambda request: Reply(404, b"<html>Page not found</html>")
        with pytest.raises(ConnectorError, match="No WooCommerce REST API"):
            connector_for(connection, runtime.setup()).test()


def test_woocommerce_error_mid_pull_keeps_the_old_cursor(merchant):
    orders = [woo_order(n) for n in range(1, 151)]
    with FakeWooCommerce(orders) as shop:
        connection = connect(merchant, "woocommerce", shop.url, key="ck_good", secret="cs_good")
        real = shop.list_orders
        shop.list_orders = lambda q: (
            Reply(502, b"<html>Bad gateway</html>") if q.get("page") == "2" else real(q)
        )
        first = pull(connection.id)
        assert first["stored"] == 100 and first["error"]
        assert Connection.get_by_id(connection.id).cursor is None
        shop.list_orders = real
        second = pull(connection.id)
    assert second["stored"] == 50 and second["duplicates"] == 100
    assert len(numbers(merchant)) == 150


# Feeds

FEED = "Order,Tracking number,Carrier\nA-1,1Z999AA10123456784,UPS\nA-2,TBD,\nA-3,LX123456785CN,\n"


def test_feed_pull_then_304_costs_nothing(merchant):
    with FakeFeed(FEED) as feed:
        connection = connect(merchant, "feed", feed.url)
        first = pull(connection.id)
        second = pull(connection.id)
        assert feed.requests[-1].headers["if-none-match"] == feed.etag
    assert (first["stored"], first["refused"]) == (2, 1)
    assert second == {**second, "stored": 0, "refused": 0, "error": None}
    assert Upload.select().count() == 1  # the unchanged file left no record
    assert [e.reason for e in RowError.select()] == ["placeholder"]


def test_feed_with_basic_auth_and_a_wrong_password(merchant):
    with FakeFeed(FEED, user="shop", password="s3cret-pass") as feed:
        good = connect(merchant, "feed", feed.url, username="shop", password="s3cret-pass")
        assert "Tracking number" in connector_for(good, runtime.setup()).test()
        bad = connect(merchant, "feed", feed.url, username="shop", password="nope")
        result = pull(bad.id)
    assert "refused Parceldesk (401)" in result["error"]
    assert "nope" not in (Connection.get_by_id(bad.id).credentials or "")  # encrypted


def test_feed_without_a_number_column_uses_the_merchants_remembered_mapping(merchant):
    from jobs.files.parsing import open_table
    from jobs.store.models import ColumnMapping

    text = "a,b\nx1,1Z999AA10123456784\nx2,LX123456785CN\n"
    with FakeFeed(text) as feed:
        connection = connect(merchant, "feed", feed.url)
        result = pull(connection.id)
        assert "No tracking-number column" in result["error"]
        import pathlib
        import tempfile

        path = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
        path.write_text(text)
        signature = open_table(path, "orders.csv").signature()
        ColumnMapping.create(
            merchant=merchant.id, signature=signature, mapping='{"tracking_number": 1}'
        )
        feed.text = text + "x3,RR123456785GB\n"  # a new ETag
        result = pull(connection.id)
    assert result["stored"] == 3 and result["error"] is None
    assert json.loads(Connection.get_by_id(connection.id).mapping) == {"tracking_number": 1}


def test_private_addresses_are_refused_unless_allowed(app, merchant):
    runtime.setup()["ALLOW_PRIVATE_URLS"] = False
    with pytest.raises(ConnectorError, match="private, loopback"):
        connect(merchant, "feed", "http://127.0.0.1:9/orders.csv")
    with pytest.raises(ConnectorError, match="private, loopback"):
        connect(merchant, "feed", "http://169.254.169.254/latest/meta-data")


def test_a_redirect_to_a_private_address_is_refused(merchant, monkeypatch):
    """Every redirect target is checked again (here the loopback feed itself stays allowed)."""
    from jobs import outbound

    original = outbound.check_url

    def strict_for_ten(url, allow):
        return original(url, False) if "10.0.0.1" in url else original(url, allow)

    monkeypatch.setattr(outbound, "check_url", strict_for_ten)
    with FakeFeed(FEED) as feed:
        feed.server.handler = lambda r: Reply(302, b"", {"Location": "http://10.0.0.1/x.csv"})
        connection = connect(merchant, "feed", feed.url)
        result = pull(connection.id)
    assert "private, loopback" in result["error"]
    assert Shipment.select().count() == 0


def test_shopify_dev_dashboard_app_gets_its_token_with_client_credentials(merchant, waits):
    with FakeShopify([shopify_order(1)]) as shop:
        good = connect(
            merchant,
            "shopify",
            shop.url,
            client_id="app-client-id",
            client_secret="app-client-secret",
        )
        result = pull(good.id)
        grant = shop.requests[0]
        bad = connect(merchant, "shopify", shop.url, client_id="app-client-id", client_secret="x")
        with pytest.raises(ConnectorError, match="client ID or secret"):
            connector_for(bad, runtime.setup()).test()
    assert result["stored"] == 1 and result["error"] is None
    assert grant.path == "/admin/oauth/access_token"
    assert grant.headers["content-type"] == "application/x-www-form-urlencoded"
    assert shop.requests[1].headers["x-shopify-access-token"] == "shpat_good"
    assert Connection.get_by_id(good.id).credential_hint == "client secret …cret"


def test_shopify_too_costly_pages_are_halved_and_the_size_that_worked_is_kept(merchant, waits):
    orders = [shopify_order(n) for n in range(1, 31)]
    with FakeShopify(orders) as shop:
        shop.max_cost = 1000  # 25 orders × 112 points and 12 × 112 are refused, 6 × 112 is not
        connection = connect(merchant, "shopify", shop.url, token="shpat_good")
        result = pull(connection.id)
        asked = [r.json()["variables"]["first"] for r in shop.requests]
        shop.orders.append(shopify_order(31))
        again = pull(connection.id)
        asked_again = [r.json()["variables"]["first"] for r in shop.requests[len(asked) :]]
    assert result["stored"] == 30 and again["stored"] == 1
    assert asked[:3] == [25, 12, 6] and set(asked[3:]) == {6}
    assert set(asked_again) == {6}  # the next pull starts at the size that worked
    assert json.loads(Connection.get_by_id(connection.id).cursor)["page_size"] == 6
