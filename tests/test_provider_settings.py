"""Per-merchant provider settings: the page, the encrypted key, test connection, and resolution."""

import re
from datetime import timedelta

import pytest
from redis import Redis

from jobs import runtime
from jobs.merchant_provider import ProviderChoice
from jobs.provider_keys import decrypt_key, encrypt_key
from jobs.providers import PermanentError
from jobs.queues import queue
from jobs.schedule import enqueue_due
from jobs.store.models import Merchant, Shipment, StatusChange, utcnow
from tests.conftest import csrf_from, run_jobs, sign_up
from tests.loopback import LoopbackServer
from tests.test_seventeentrack import KEY, Fake17Track
from tests.test_thin_path import upload_csv


@pytest.fixture
def fake17(app):
    """A loopback 17TRACK that every provider of this app (web and jobs) talks to."""
    state = Fake17Track()
    with LoopbackServer(state) as server:
        state.server = server
        for target in (app.config, runtime.setup()):
            target["PROVIDER_BASE_URL"] = server.url + "/track/v2.2"
        yield state


def save_provider(client, provider, api_key="", **extra):
    token = csrf_from(client, "/settings/provider")
    data = {"provider": provider, "api_key": api_key, "csrf_token": token, **extra}
    return client.post("/settings/provider", data=data)


def test_the_page_is_linked_from_the_nav_and_needs_a_login(app, client):
    assert client.get("/settings/provider").status_code in (302, 303)
    sign_up(client, "merchant-a@example.com")
    page = client.get("/settings/provider").get_data(as_text=True)
    assert 'href="/settings/provider"' in page and 'aria-current="page"' in page
    assert 'value="sandbox" checked' in page or re.search(r'checked[^>]*value="sandbox"', page)


def test_the_key_is_stored_encrypted_and_shown_by_its_last_4_characters(app, merchant_client):
    secret = "k3y-ABCDEFGHIJ-9wxyz"
    response = save_provider(merchant_client, "17track", secret)
    assert response.status_code == 303
    merchant = Merchant.get()
    assert merchant.provider == "17track" and secret not in merchant.provider_key
    assert "wxyz" not in merchant.provider_key  # not even the hint is stored in clear
    assert decrypt_key(merchant.provider_key, "test-secret") == secret
    with pytest.raises(PermanentError):
        decrypt_key(merchant.provider_key, "another-secret")  # a dump without SECRET_KEY
    page = merchant_client.get("/settings/provider").get_data(as_text=True)
    assert secret not in page and "ABCDEF" not in page and "…wxyz" in page


def test_a_blank_key_keeps_the_saved_one_but_a_new_provider_needs_its_own(app, merchant_client):
    save_provider(merchant_client, "17track", "first-key-1234")
    assert save_provider(merchant_client, "17track", "").status_code == 303
    assert decrypt_key(Merchant.get().provider_key, "test-secret") == "first-key-1234"
    refused = save_provider(merchant_client, "aftership", "")
    assert refused.status_code == 422
    assert "Enter the API key of your AfterShip account." in refused.get_data(as_text=True)
    assert Merchant.get().provider == "17track"
    assert save_provider(merchant_client, "sandbox").status_code == 303
    assert (Merchant.get().provider, Merchant.get().provider_key) == ("sandbox", None)


@pytest.mark.parametrize(
    ("api_key", "expected"),
    [(KEY, "17TRACK key accepted: 97 of 100 tracking quota left"), ("wrong", "bad credentials")],
)
def test_test_connection_shows_the_answer_or_the_error_sentence(
    app, merchant_client, fake17, api_key, expected
):
    token = csrf_from(merchant_client, "/settings/provider")
    data = {"provider": "17track", "api_key": api_key, "csrf_token": token}
    partial = merchant_client.post(
        "/settings/provider/test", data=data, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert partial.startswith('<p id="connection-result"') and expected in partial
    assert api_key not in partial
    full = merchant_client.post("/settings/provider/test", data=data).get_data(as_text=True)
    assert "<html" in full and expected in full
    assert Merchant.get().provider is None  # testing saves nothing


def test_test_connection_uses_the_saved_key_when_the_field_is_blank(app, merchant_client, fake17):
    save_provider(merchant_client, "17track", KEY)
    token = csrf_from(merchant_client, "/settings/provider")
    body = merchant_client.post(
        "/settings/provider/test",
        data={"provider": "17track", "csrf_token": token},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "17TRACK key accepted" in body


def test_each_merchant_is_resolved_by_its_own_provider(app, client, fake17):
    sign_up(client, "merchant-a@example.com")
    save_provider(client, "17track", KEY)
    upload_csv(client, "Tracking number\nLX123456785CN\nRR987654326DE\n")
    client.post("/logout", data={"csrf_token": csrf_from(client, "/settings/provider")})
    sign_up(client, "merchant-b@example.com")
    upload_csv(client)  # merchant B chose nothing: the global sandbox
    run_jobs(app)
    asked = {item["number"] for r in fake17.server.requests for item in r.json()}
    assert asked == {"LX123456785CN", "RR987654326DE"}
    assert {r.headers["17token"] for r in fake17.server.requests} == {KEY}
    assert Shipment.select().where(Shipment.checked_at.is_null()).count() == 0
    assert {s.status for s in Shipment.select().where(Shipment.merchant == 1)} == {"delivered"}
    sandbox = Shipment.get(Shipment.tracking_number == "SBXDELIVERED01")
    assert sandbox.status == "delivered" and sandbox.merchant_id == 2
    assert StatusChange.select().count() == Shipment.select().count() == 5


def test_batches_never_mix_providers_and_respect_max_batch(app, client, fake17):
    sign_up(client, "merchant-a@example.com")
    save_provider(client, "17track", KEY)
    numbers = "\n".join(f"LX{n:09d}CN" for n in range(45))
    upload_csv(client, "Tracking number\n" + numbers + "\n")
    client.post("/logout", data={"csrf_token": csrf_from(client, "/settings/provider")})
    sign_up(client, "merchant-b@example.com")
    upload_csv(client)
    run_jobs(app)
    connection = Redis.from_url(app.config["REDIS_URL"])
    connection.flushdb()
    Shipment.update(claimed_until=None, next_check_at=utcnow() - timedelta(minutes=1)).execute()
    assert enqueue_due() == 48
    owners = dict(Shipment.select(Shipment.id, Shipment.merchant).tuples())
    jobs = queue("resolve", connection).get_jobs()
    batches = sorted(sorted({owners[i] for i in job.args[0]}) + [len(job.args[0])] for job in jobs)
    assert batches == [[1, 5], [1, 40], [2, 3]]


def test_the_api_key_stays_out_of_reprs_and_rate_limit_names():
    choice = ProviderChoice("17track", "s3cret-key-value")
    assert "s3cret" not in repr(choice)
    assert "s3cret" not in choice.rate_key({"SECRET_KEY": "x"})
    assert choice.rate_key({"SECRET_KEY": "x"}) != ProviderChoice("17track", "other").rate_key(
        {"SECRET_KEY": "x"}
    )
    assert encrypt_key("same", "x") != encrypt_key("same", "x")  # fresh IV each time
