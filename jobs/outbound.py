"""Requests to URLs a merchant typed: public addresses only, no redirects, bounded time and size.

requests-hardened resolves the host, refuses private, loopback, link-local, CGNAT and metadata
addresses and connects to the address it checked (no DNS rebinding between check and connect),
keeping the host name for TLS. `ALLOW_PRIVATE_URLS` lifts the address check for an operator
whose receivers live on the LAN (and for the tests, which use loopback servers).
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests_hardened import Config, Manager

RESPONSE_LIMIT = 64 * 1024  # bytes of a response body that are ever read


class UnsafeURL(ValueError):
    """A URL Parceldesk will not call, with a sentence saying why."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: str
    headers: dict


def check_url(url: str, allow_private: bool) -> str:
    """The URL when it may be called, else UnsafeURL (scheme, host and its addresses checked)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("the address must start with https:// (or http://) and name a host")
    if parts.username or parts.password:
        raise UnsafeURL("the address must not carry a user name or password")
    if allow_private:
        return url.strip()
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeURL(f"the host {parts.hostname!r} cannot be found") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        mapped = getattr(address, "ipv4_mapped", None)
        address = mapped or address
        if not address.is_global or address.is_multicast:
            raise UnsafeURL(
                f"the host {parts.hostname!r} is a private, loopback or reserved address"
            )
    return url.strip()


def _manager(allow_private: bool, timeout: float) -> Manager:
    return Manager(
        Config(
            ip_filter_enable=not allow_private,
            ip_filter_allow_loopback_ips=False,
            never_redirect=True,
            default_timeout=(min(timeout, 5.0), timeout),
            user_agent_override="Parceldesk",
        )
    )


def post_json(url: str, body: bytes, headers: dict, *, allow_private: bool, timeout: float):
    """POST `body` to `url` (checked first); an Answer, or OSError/requests errors on failure."""
    check_url(url, allow_private)
    session_headers = {"Content-Type": "application/json", **headers}
    with _manager(allow_private, timeout).get_session() as session:
        response = session.post(
            url, data=body, headers=session_headers, stream=True, allow_redirects=False
        )
        try:
            raw = response.raw.read(RESPONSE_LIMIT, decode_content=True) or b""
        finally:
            response.close()
    return Answer(response.status_code, raw.decode("utf-8", "replace"), dict(response.headers))


# Everything a delivery attempt can fail with besides an HTTP answer.
DELIVERY_ERRORS = (requests.RequestException, OSError, UnsafeURL)


class TooLarge(ValueError):
    """A response longer than the caller allows."""


@dataclass(frozen=True)
class Fetched:
    status_code: int
    content: bytes
    headers: dict
    url: str  # the address that answered, after any redirects

    def json(self):
        """The body parsed as JSON (ValueError when it is not)."""
        import json

        return json.loads(self.content)


MAX_REDIRECTS = 3


def fetch(
    method: str,
    url: str,
    *,
    headers: dict | None = None,
    body: bytes | None = None,
    allow_private: bool,
    timeout: float,
    limit: int = RESPONSE_LIMIT,
) -> Fetched:
    """Send a request to a merchant's URL; redirects are followed only after checking their
    target (and credentials stay behind when the host changes); the body is cut off at `limit`
    bytes (TooLarge) and the whole exchange at `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    headers = dict(headers or {})
    for _ in range(MAX_REDIRECTS + 1):
        check_url(url, allow_private)
        left = max(deadline - time.monotonic(), 0.5)
        with _manager(allow_private, left).get_session() as session:
            response = session.request(
                method, url, data=body, headers=headers, stream=True, allow_redirects=False
            )
            try:
                location = response.headers.get("Location")
                if response.is_redirect and location:
                    target = requests.compat.urljoin(url, location)
                    if urlsplit(target).netloc != urlsplit(url).netloc:
                        headers = _without_credentials(headers)
                    url = target
                    if response.status_code == 303:
                        method, body = "GET", None
                    continue
                content = _read_bounded(response, limit, deadline)
            finally:
                response.close()
        return Fetched(response.status_code, content, dict(response.headers), url)
    raise requests.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")


def _without_credentials(headers: dict) -> dict:
    secret = {"authorization", "cookie", "x-shopify-access-token"}
    return {k: v for k, v in headers.items() if k.lower() not in secret}


def _read_bounded(response, limit: int, deadline: float) -> bytes:
    import time

    parts, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the answer is larger than {limit:,} bytes")
        if time.monotonic() > deadline:
            raise requests.Timeout("the answer took too long")
        parts.append(chunk)
    return b"".join(parts)


# Everything a request to a merchant's URL can fail with besides an HTTP answer.
FETCH_ERRORS = (requests.RequestException, OSError, UnsafeURL, TooLarge)
