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
