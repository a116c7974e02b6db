"""Accounts: sign-up, log-in, log-out, CSRF, and what visitors without a session get."""

from jobs.store.models import Merchant
from tests.conftest import PASSWORD, csrf_from, sign_up


def test_sign_up_logs_the_merchant_in_with_a_safe_cookie(client):
    response = sign_up(client, "Shop@Example.com")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/shipments").status_code == 200
    merchant = Merchant.get(Merchant.email == "shop@example.com")
    assert PASSWORD not in merchant.password_hash
    assert merchant.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_sign_up_refuses_short_password_and_taken_email(client):
    token = csrf_from(client, "/signup")
    short = client.post(
        "/signup", data={"email": "a@example.com", "password": "short", "csrf_token": token}
    )
    assert short.status_code == 422
    assert "at least 10 characters" in short.get_data(as_text=True)
    sign_up(client, "a@example.com")
    client.post("/logout", data={"csrf_token": csrf_from(client, "/uploads")})
    again = client.post(
        "/signup",
        data={
            "email": "A@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_from(client, "/signup"),
        },
    )
    assert again.status_code == 422
    assert "cannot be used to sign up" in again.get_data(as_text=True)  # never "exists"
    assert Merchant.select().count() == 1


def test_log_in_and_out(client):
    sign_up(client, "a@example.com")
    client.post("/logout", data={"csrf_token": csrf_from(client, "/uploads")})
    assert client.get("/shipments").status_code == 302
    wrong = client.post(
        "/login",
        data={
            "email": "a@example.com",
            "password": "not it at all",
            "csrf_token": csrf_from(client, "/login"),
        },
    )
    assert wrong.status_code == 422
    assert "wrong" in wrong.get_data(as_text=True)
    right = client.post(
        "/login?next=/uploads",
        data={
            "email": "a@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_from(client, "/login"),
        },
    )
    assert right.status_code == 303 and right.headers["Location"].endswith("/uploads")


def test_log_in_never_redirects_off_site(client):
    sign_up(client, "a@example.com")
    client.post("/logout", data={"csrf_token": csrf_from(client, "/uploads")})
    response = client.post(
        "/login?next=//evil.example/x",
        data={
            "email": "a@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_from(client, "/login"),
        },
    )
    assert response.headers["Location"].endswith("/shipments")


def test_state_changing_requests_need_the_csrf_token(merchant_client):
    assert merchant_client.post("/logout").status_code == 400
    htmx = merchant_client.post("/logout", headers={"HX-Request": "true"})
    assert htmx.status_code == 400
    token = csrf_from(merchant_client, "/uploads")
    with_header = merchant_client.post("/logout", headers={"X-CSRFToken": token})
    assert with_header.status_code == 303


def test_visitors_are_sent_to_log_in(client):
    page = client.get("/shipments?status=alert")
    assert page.status_code == 302
    assert "/login?next=" in page.headers["Location"]
    htmx = client.get("/shipments", headers={"HX-Request": "true"})
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"].startswith("/login")
