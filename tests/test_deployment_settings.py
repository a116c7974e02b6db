"""Behind a reverse proxy: real client addresses, settings from the environment, no Host trust."""

import re

import pytest

from tests.conftest import PASSWORD, sign_up
from tests.test_provider_settings import save_provider
from webapp import create_app


def app_with(app, **settings):
    """A second app on the same database and Redis, with `settings` on top."""
    return create_app(
        {
            "PARCELDESK_HOME": app.config["PARCELDESK_HOME"],
            "DATABASE_URL": app.config["DATABASE_URL"],
            "REDIS_URL": app.config["REDIS_URL"],
            "SECRET_KEY": "test-secret",
            **settings,
        }
    )


def failed_log_in(client, forwarded_for, email="nobody@example.com"):
    headers = {"X-Forwarded-For": forwarded_for}
    page = client.get("/login", headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"email": email, "password": "wrong password!", "csrf_token": token}
    return client.post("/login", data=data, headers=headers)


def test_behind_a_trusted_proxy_each_client_is_throttled_on_its_own(app, client):
    sign_up(client, "a@example.com")
    proxied = app_with(app, TRUSTED_PROXIES=1).test_client()
    for i in range(20):
        failed_log_in(proxied, "203.0.113.7", f"nobody{i}@example.com")  # one noisy client...
    assert failed_log_in(proxied, "203.0.113.7").status_code == 429
    page = proxied.get("/login", headers={"X-Forwarded-For": "198.51.100.2"})
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    data = {"email": "a@example.com", "password": PASSWORD, "csrf_token": token.group(1)}
    other = proxied.post("/login", data=data, headers={"X-Forwarded-For": "198.51.100.2"})
    assert other.status_code == 303  # ...does not lock out everyone behind the proxy


def test_without_trusted_proxies_forwarded_for_is_ignored(app, client):
    for i in range(20):
        failed_log_in(client, f"203.0.113.{i}", f"nobody{i}@example.com")  # not many clients
    assert failed_log_in(client, "198.51.100.99").status_code == 429


def test_session_cookie_secure_from_the_environment(app, monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("FLASK_SESSION_COOKIE_NAME", "parceldesk_session")
    secure = app_with(app)
    assert secure.config["SESSION_COOKIE_SECURE"] is True
    client = secure.test_client()
    page = client.get("/signup", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/signup",
        base_url="https://localhost",
        data={"email": "a@example.com", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "https://localhost/signup"},  # Flask-WTF's check on HTTPS
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("parceldesk_session=") and "Secure" in cookie


@pytest.mark.parametrize("provider", ["17track", "aftership"])
def test_webhook_address_uses_public_url_not_the_host_header(app, merchant_client, provider):
    save_provider(merchant_client, provider, "k3y-ABCDEFGHIJ-9wxyz")
    public = app_with(app, PUBLIC_URL="https://track.example.com/").test_client()
    public.set_cookie("session", merchant_client.get_cookie("session").value, domain="evil.test")
    page = public.get("/settings/provider", base_url="http://evil.test").get_data(as_text=True)
    assert f"https://track.example.com/webhooks/{provider}/" in page
    assert "evil.test" not in page
