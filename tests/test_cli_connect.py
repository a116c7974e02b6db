"""`parceldesk connect …` and `parceldesk pull`, as an operator scripts them."""

import json

import pytest

from jobs.store.models import Connection
from tests.fake_shops import FakeFeed, FakeShopify, FakeWooCommerce, shopify_order, woo_order
from tests.test_cli import run


@pytest.fixture
def ops(app, monkeypatch, capsys):
    for key in ("PARCELDESK_HOME", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.setenv(key, app.config[key])
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")
    status, _, _ = run(
        capsys,
        "create-merchant",
        "ops@example.com",
        "--password-stdin",
        stdin="a long enough password\n",
        monkeypatch=monkeypatch,
    )
    assert status == 0
    return monkeypatch


def test_connect_all_three_kinds_then_pull_prints_what_each_stored(ops, capsys):
    feed_text = "Tracking number,Order\n1Z999AA10123456784,F-1\nN/A,F-2\n"
    with (
        FakeShopify([shopify_order(1), shopify_order(2)]) as shop,
        FakeWooCommerce([woo_order(3)]) as woo,
        FakeFeed(feed_text) as feed,
    ):
        status, out, err = run(
            capsys, "connect", "feed", feed.url, "--merchant", "ops@example.com", "--every", "15"
        )
        assert status == 0, err
        saved = json.loads(out)
        assert saved["every_minutes"] == 15 and "Tracking number" in saved["test"]
        status, out, err = run(
            capsys,
            "connect", "shopify", shop.url, "--merchant", "ops@example.com", "--token-stdin",
            stdin="shpat_good\n", monkeypatch=ops,
        )  # fmt: skip
        assert status == 0, err
        assert json.loads(out)["credentials"] == "token …good"  # its last 4 characters only
        status, out, err = run(
            capsys,
            "connect", "woocommerce", woo.url, "--merchant", "ops@example.com",
            "--key", "ck_good", "--secret-stdin",
            stdin="cs_good\n", monkeypatch=ops,
        )  # fmt: skip
        assert status == 0, err
        status, out, err = run(capsys, "pull", "--merchant", "ops@example.com", "--json")
    assert status == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(r["kind"], r["stored"], len(r["refused"])) for r in lines] == [
        ("feed", 1, 1),
        ("shopify", 2, 0),
        ("woocommerce", 1, 0),
    ]
    assert lines[0]["refused"][0]["reason"] == "placeholder"
    assert "shpat_good" not in out + err and "cs_good" not in out + err
    stored = Connection.select().count()
    assert stored == 3


def test_connect_refuses_a_bad_token_with_a_sentence_and_saves_nothing(ops, capsys):
    with FakeShopify([]) as shop:
        status, out, err = run(
            capsys,
            "connect", "shopify", shop.url, "--merchant", "ops@example.com", "--token-stdin",
            stdin="shpat_wrong\n", monkeypatch=ops,
        )  # fmt: skip
    assert status == 1 and out == ""
    assert err.startswith("parceldesk: Shopify refused the access token")
    assert "Traceback" not in err and "shpat_wrong" not in err
    assert Connection.select().count() == 0


def test_pull_exits_2_and_says_why_when_a_connection_fails(ops, capsys):
    with FakeFeed("Tracking number\n1Z999AA10123456784\n", user="u", password="right") as feed:
        status, _, err = run(
            capsys, "connect", "feed", feed.url, "--merchant", "ops@example.com", "--no-test"
        )
        assert status == 0, err
        status, out, _ = run(capsys, "pull", "--merchant", "ops@example.com")
    assert status == 2
    assert "0 new" in out and "error: The feed refused Parceldesk (401)" in out


def test_pull_for_an_unknown_merchant(ops, capsys):
    status, _, err = run(capsys, "pull", "--merchant", "nobody@example.com")
    assert status == 1 and "no merchant" in err


def test_connect_shopify_with_a_dev_dashboard_apps_client_credentials(ops, capsys):
    with FakeShopify([shopify_order(1)]) as shop:
        status, out, err = run(
            capsys,
            "connect", "shopify", shop.url, "--merchant", "ops@example.com",
            "--client-id", "app-client-id", "--secret-stdin",
            stdin="app-client-secret\n", monkeypatch=ops,
        )  # fmt: skip
        assert status == 0, err
        assert json.loads(out)["credentials"] == "client secret …cret"
        status, out, err = run(
            capsys, "connect", "shopify", shop.url, "--merchant", "ops@example.com"
        )
    assert status == 1 and "--token-stdin, or --client-id" in err
