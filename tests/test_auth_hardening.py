"""Accounts under attack: enumeration, log-in races, weak passwords, sign-up by email."""

import re
import statistics
import threading
import time

import pytest

from jobs.store.models import LoginFailure, Merchant
from tests.conftest import PASSWORD, csrf_from, sign_up
from tests.smtp_sink import SmtpSink
from webapp.auth import password_problem


def log_in(client, email, password=PASSWORD):
    token = csrf_from(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def post_signup(client, email, password=PASSWORD):
    token = csrf_from(client, "/signup")
    data = {"email": email, "password": password, "name": "Shop", "csrf_token": token}
    return client.post("/signup", data=data)


@pytest.fixture
def smtp(app):
    """A local SMTP server, and the app sending its account emails there."""
    with SmtpSink() as sink:
        app.config.update(
            SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port, SMTP_STARTTLS=False, SMTP_FROM="pd@test"
        )
        yield sink


def mail_to(sink, address):
    found = [msg for envelope, msg in sink.messages if msg["To"] == address]
    assert len(found) == 1, [m["To"] for _, m in sink.messages]
    return found[0].get_content()


def test_with_smtp_sign_up_answers_the_same_for_new_and_taken_addresses(app, client, smtp):
    Merchant.create(email="taken@example.com", password_hash="!")
    taken, new = post_signup(client, "taken@example.com"), post_signup(client, "new@example.com")
    assert (taken.status_code, taken.headers["Location"]) == (303, "/signup/sent")
    assert (new.status_code, new.headers["Location"]) == (303, "/signup/sent")
    assert client.get("/shipments").status_code == 302  # nobody is logged in yet
    assert Merchant.select().count() == 1  # nothing stored before the link is opened
    assert "already has one" in mail_to(smtp, "taken@example.com")
    link = re.search(r"http://localhost(/signup/confirm/\S+)", mail_to(smtp, "new@example.com"))
    page = client.get(link.group(1))
    assert page.status_code == 200 and Merchant.select().count() == 1  # GET changes nothing
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    done = client.post(link.group(1), data={"csrf_token": token.group(1)})
    assert done.status_code == 303 and client.get("/shipments").status_code == 200
    merchant = Merchant.get(Merchant.email == "new@example.com")
    assert merchant.name == "Shop" and merchant.password_hash.startswith(("scrypt:", "pbkdf2:"))
    again = client.post(link.group(1), data={"csrf_token": csrf_from(client, link.group(1))})
    assert again.status_code == 303 and Merchant.select().count() == 2  # a link works once


def test_a_forged_or_foreign_confirmation_link_is_not_found(client, smtp):
    assert client.get("/signup/confirm/not-a-token").status_code == 404
    assert client.get("/signup/confirm/" + "A" * 120).status_code == 404


def test_links_in_emails_use_public_url_not_the_host_header(app, client, smtp):
    app.config["PUBLIC_URL"] = "https://track.example.com"
    page = client.get("/signup", base_url="http://evil.test").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/signup",
        base_url="http://evil.test",
        data={"email": "new@example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303
    body = mail_to(smtp, "new@example.com")
    assert "https://track.example.com/signup/confirm/" in body and "evil.test" not in body


def test_without_smtp_a_taken_address_gets_a_neutral_refusal(app, client):
    sign_up(client, "a@example.com")
    other = app.test_client()
    response = post_signup(other, "a@example.com")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "cannot be used to sign up" in text and "exists" not in text


def test_sign_ups_are_rate_limited_per_client_address(app, client):
    app.config["SIGNUP_RATE_LIMIT"] = 3
    for i in range(3):
        assert post_signup(app.test_client(), f"m{i}@example.com").status_code == 303
    refused = post_signup(client, "late@example.com")
    assert refused.status_code == 429 and "Too many sign-ups" in refused.get_data(as_text=True)
    assert not Merchant.select().where(Merchant.email == "late@example.com").exists()


def test_failed_log_in_takes_as_long_for_unknown_as_for_real_accounts(app, client):
    """Medians of several attempts: a real account's hash check must not stand out.

    The request runs in this thread (test client), so its CPU time is the work the server did:
    unlike wall-clock time it does not grow when other processes take the CPU meanwhile."""
    sign_up(client, "real@example.com")
    client.post("/logout", data={"csrf_token": csrf_from(client, "/uploads")})

    def median_seconds(email):
        times = []
        for _ in range(4):
            LoginFailure.delete().execute()  # stay under the throttle
            token = csrf_from(client, "/login")
            data = {"email": email, "password": "wrong password!", "csrf_token": token}
            start = time.thread_time()  # CPU time: a busy machine does not inflate it
            assert client.post("/login", data=data).status_code == 422
            times.append(time.thread_time() - start)
        return statistics.median(times)

    real, unknown = median_seconds("real@example.com"), median_seconds("nobody@example.com")
    # Before: ~114 ms against ~6 ms (a factor of 20). Both hash now; allow a loaded machine 3x.
    assert unknown > real / 3 and real > unknown / 3, (real, unknown)


def test_parallel_log_ins_cannot_race_past_the_throttle(app):
    """Many simultaneous wrong passwords: at most the limit (5) are ever checked."""
    client = app.test_client()
    sign_up(client, "a@example.com")
    client.post("/logout", data={"csrf_token": csrf_from(client, "/uploads")})
    attempts = 16
    clients = [app.test_client() for _ in range(attempts)]
    tokens = [csrf_from(c, "/login") for c in clients]
    barrier, statuses = threading.Barrier(attempts), []

    def attempt(c, token):
        data = {"email": "a@example.com", "password": "wrong password!", "csrf_token": token}
        barrier.wait(timeout=30)
        statuses.append(c.post("/login", data=data).status_code)

    threads = [
        threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == attempts
    assert statuses.count(422) <= 5 and statuses.count(429) >= attempts - 5, statuses


@pytest.mark.parametrize("password", ["1q2w3e4r5t", "P@ssw0rd12", "qwertyuiop12", "Tr0ub4dour&3"])
def test_weak_passwords_are_refused_with_a_helpful_message(client, password):
    problem = password_problem(password, "shop@example.com")
    assert problem and "too easy to guess" in problem
    response = post_signup(client, "shop@example.com", password)
    assert response.status_code == 422 and "too easy to guess" in response.get_data(as_text=True)


@pytest.mark.parametrize("password", [PASSWORD, "another fine password", "Lyon-Parcels-2026!x"])
def test_strong_passwords_pass(password):
    assert password_problem(password, "shop@example.com") is None
