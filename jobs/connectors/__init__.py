"""Where shipments are pulled from: a shop's API or a spreadsheet feed, one class per kind.

Each connector offers `test()` (a plain sentence: what works, or what is wrong) and
`pull(cursor)`, which yields pages of parsed rows with the cursor to save once a page is stored.
Connectors only translate a source into rows; jobs/pulls.py stores them through the import path.
"""

import json

from jobs.connectors.base import Connector, ConnectorError, Page
from jobs.provider_keys import decrypt_key, encrypt_key

__all__ = ["Connector", "ConnectorError", "Page", "connector_for", "seal", "unseal"]

LABELS = {"shopify": "Shopify", "woocommerce": "WooCommerce", "feed": "Feed"}


def _classes():
    from jobs.connectors.feed import FeedConnector
    from jobs.connectors.shopify import ShopifyConnector
    from jobs.connectors.woocommerce import WooCommerceConnector

    return {"shopify": ShopifyConnector, "woocommerce": WooCommerceConnector, "feed": FeedConnector}


def seal(credentials: dict, secret_key: str) -> str | None:
    """Credentials as stored: JSON, encrypted like provider keys (None when there are none)."""
    kept = {k: v for k, v in credentials.items() if v}
    return encrypt_key(json.dumps(kept), secret_key) if kept else None


def unseal(stored: str | None, secret_key: str) -> dict:
    """The stored credentials in clear (ConnectorError when SECRET_KEY changed)."""
    if not stored:
        return {}
    try:
        return json.loads(decrypt_key(stored, secret_key))
    except Exception:  # PermanentError or a damaged value: both mean "enter it again"
        raise ConnectorError(
            "The saved credentials cannot be read (the secret key changed?): enter them again."
        ) from None


def connector_for(connection, settings: dict) -> Connector:
    """The connector of a Connection row, with its credentials decrypted."""
    credentials = unseal(connection.credentials, settings["SECRET_KEY"])
    mapping = json.loads(connection.mapping) if connection.mapping else None
    return _classes()[connection.kind](
        connection.url,
        credentials,
        settings,
        merchant_id=connection.merchant_id,
        mapping=mapping,
        etag=connection.etag,
        last_modified=connection.last_modified,
    )


def new_connector(kind: str, url: str, credentials: dict, settings: dict, merchant_id: int):
    """A connector for a connection not saved yet (the "Test connection" of the add form)."""
    return _classes()[kind](url, credentials, settings, merchant_id=merchant_id)


def normalize_url(kind: str, url: str) -> str:
    """The address as stored: a Shopify store name becomes its myshopify.com address."""
    return _classes()[kind].normalize_url(url)
