"""Creating and describing connections: one place for the Settings page and the CLI."""

import re

from jobs.connectors import ConnectorError, new_connector, normalize_url, seal
from jobs.outbound import UnsafeURL, check_url
from jobs.store.models import Connection, utcnow

MIN_EVERY = 5  # minutes: the shortest schedule a merchant may choose
MAX_EVERY = 7 * 24 * 60
DEFAULT_EVERY = 60
HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,99}")
RESERVED_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "cookie"}


def hint(kind: str, credentials: dict) -> str:
    """What pages show of the credentials: their kind and last 4 characters, never more."""
    secret = (
        {
            "shopify": credentials.get("token") or credentials.get("client_secret"),
            "woocommerce": credentials.get("secret"),
        }.get(kind)
        or credentials.get("password")
        or credentials.get("header_value")
    )
    if not secret:
        return ""
    shown = f"…{secret[-4:]}" if len(secret) > 8 else "…"
    label = {
        "shopify": "token" if credentials.get("token") else "client secret",
        "woocommerce": f"key {credentials.get('key', '')[:7]}…, secret",
    }
    return f"{label.get(kind, 'secret')} {shown}"[:40]


def checked_url(kind: str, url: str, settings: dict) -> str:
    """The normalised address when Parceldesk may call it, else ConnectorError saying why."""
    if not url or not url.strip():
        raise ConnectorError("Enter the address.")
    address = normalize_url(kind, url)
    try:
        check_url(address, bool(settings.get("ALLOW_PRIVATE_URLS")))
    except UnsafeURL as unsafe:
        raise ConnectorError(f"Parceldesk will not connect to this address: {unsafe}.") from None
    return address


def checked_credentials(kind: str, credentials: dict) -> dict:
    """The credentials when they can be sent, else ConnectorError (a feed's header name)."""
    name = credentials.get("header_name")
    if kind == "feed" and name:
        if not HEADER_NAME.fullmatch(name) or name.lower() in RESERVED_HEADERS:
            raise ConnectorError(f"“{name[:100]}” cannot be used as a header name.")
        if not credentials.get("header_value"):
            raise ConnectorError("Enter the header's token, or leave its name empty.")
    return credentials


def create(merchant_id: int, kind: str, url: str, credentials: dict, settings: dict, **options):
    """Save a connection (credentials encrypted), due at once."""
    checked_credentials(kind, credentials)
    every = int(options.get("every_minutes") or DEFAULT_EVERY)
    if not MIN_EVERY <= every <= MAX_EVERY:
        raise ConnectorError(f"Pull every {MIN_EVERY} to {MAX_EVERY} minutes.")
    if kind not in Connection.KINDS:
        raise ConnectorError(f"Unknown kind of connection: {kind}.")
    return Connection.create(
        merchant=merchant_id,
        kind=kind,
        url=checked_url(kind, url, settings)[:2000],
        credentials=seal(credentials, settings["SECRET_KEY"]),
        credential_hint=hint(kind, credentials),
        every_minutes=every,
        mapping=options.get("mapping"),
        next_run_at=utcnow(),
    )


def test_new(merchant_id: int, kind: str, url: str, credentials: dict, settings: dict) -> str:
    """Test a connection before saving it: a sentence, or ConnectorError."""
    address = checked_url(kind, url, settings)
    checked_credentials(kind, credentials)
    return new_connector(kind, address, credentials, settings, merchant_id).test()
