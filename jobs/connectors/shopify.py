"""Shopify: fulfilments with tracking numbers, read with the GraphQL Admin API.

Orders are read oldest change first (`sortKey: UPDATED_AT`, `updated_at:>=` the cursor), in
cursor-paginated pages; after each stored page the cursor moves to its last order's updatedAt,
so a pull that dies resumes there. The cost-based throttle is honoured: HTTP 429 waits for
Retry-After, a THROTTLED error for the points the query needs to be restored.
"""

import json
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from jobs.connectors import base
from jobs.connectors.base import Connector, ConnectorError

API_VERSION = "2025-10"
# Orders per request (Shopify allows 250). A query's requested cost grows with the page times
# the fulfilments and tracking numbers it may hold, and Shopify refuses one above its single-query
# maximum: the page is then halved, and the size that worked is kept in the cursor.
PAGE_SIZE = 25
MIN_PAGE_SIZE = 1
RETRIES = 6  # per request: throttling and server errors
# Adding a fulfilment may not bump the order's updatedAt at once (community reports, see
# docs/connections.md): each run looks back this far; re-reading an order stores nothing twice.
OVERLAP = timedelta(minutes=10)
SKIPPED_STATUSES = {"CANCELLED", "ERROR", "FAILURE"}

QUERY = """query ShippedOrdersSince($first: Int!, $after: String, $search: String) {
  orders(first: $first, after: $after, query: $search, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      name
      updatedAt
      shippingAddress { firstName lastName countryCodeV2 }
      fulfillments(first: 10) {
        status
        createdAt
        trackingInfo(first: 10) { number company url }
      }
    }
  }
}"""


class ShopifyConnector(Connector):
    kind = "shopify"

    @staticmethod
    def normalize_url(url: str) -> str:
        """`mystore`, `mystore.myshopify.com` or a full address → https://mystore.myshopify.com."""
        text = url.strip().rstrip("/")
        if "://" in text:
            parts = urlsplit(text)
            return f"{parts.scheme}://{parts.netloc}"
        host = text.split("/")[0].lower()
        return f"https://{host if '.' in host else host + '.myshopify.com'}"

    @property
    def endpoint(self) -> str:
        return f"{self.normalize_url(self.url)}/admin/api/{API_VERSION}/graphql.json"

    def test(self) -> str:
        """Read one order: proves the store, the token and the read_orders scope."""
        data = self._query({"first": 1, "after": None, "search": None})
        count = len(data["orders"]["nodes"])
        found = "an order" if count else "no order of the last 60 days yet"
        return f"Connected to {urlsplit(self.endpoint).hostname}: the token reads orders ({found})."

    def pull(self, cursor: dict):
        """Pages of shipments from orders changed since the cursor, oldest change first."""
        since = cursor.get("since")
        search = None
        if since:
            start = _parse_time(since) - OVERLAP
            search = f"updated_at:>='{start.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
        after, size = None, int(cursor.get("page_size") or PAGE_SIZE)
        while True:
            variables = {"first": size, "after": after, "search": search}
            try:
                data = self._query(variables)
            except _TooCostly:
                if size <= MIN_PAGE_SIZE:
                    raise ConnectorError("Shopify refused even a small page as costly.") from None
                size = max(MIN_PAGE_SIZE, size // 2)
                continue
            orders = data.get("orders") or {}
            nodes = orders.get("nodes") or []
            rows = [row for order in nodes for row in _rows(order)]
            if nodes and nodes[-1].get("updatedAt"):
                since = max(since or "", nodes[-1]["updatedAt"])
            saved = {"since": since} if since else {}
            if size != PAGE_SIZE:
                saved["page_size"] = size
            yield self.page(rows, saved)
            info = orders.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            after = info["endCursor"]

    def _token(self) -> str:
        """The Admin API access token: the one given, or one asked for with the app's client
        credentials (Dev Dashboard apps; such tokens expire, so each pull asks anew)."""
        if self.credentials.get("token"):
            return self.credentials["token"]
        if getattr(self, "_granted", None):
            return self._granted
        body = urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": self.credentials.get("client_id", ""),
                "client_secret": self.credentials.get("client_secret", ""),
            }
        ).encode("ascii")
        answer = self.request(
            "POST",
            f"{self.normalize_url(self.url)}/admin/oauth/access_token",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            body=body,
        )
        if answer.status_code == 404:
            _refuse_status(404, self.endpoint)
        if answer.status_code >= 500:
            raise ConnectorError(f"Shopify answered {answer.status_code}.", transient=True)
        token = _json(answer).get("access_token") if answer.status_code == 200 else None
        if not token:
            raise ConnectorError(
                "Shopify refused the app's client ID or secret: copy them again from the app's "
                "settings in the Dev Dashboard (and check the app is installed on this store)."
            )
        self._granted = token
        return token

    def _query(self, variables: dict) -> dict:
        """The `data` of one GraphQL request, after waiting out throttling and server errors."""
        body = json.dumps({"query": QUERY, "variables": variables}).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-Shopify-Access-Token": self._token(),
        }
        for attempt in range(RETRIES):
            answer = self.request("POST", self.endpoint, headers=headers, body=body)
            status = answer.status_code
            if status == 429 or status >= 500:
                if attempt + 1 < RETRIES:
                    base.sleep(_retry_after(answer.headers, attempt))
                    continue
                raise ConnectorError(
                    f"Shopify kept answering {status}; the next pull tries again.", transient=True
                )
            _refuse_status(status, self.endpoint)
            payload = _json(answer)
            errors = payload.get("errors") or []
            codes = {(e.get("extensions") or {}).get("code") for e in errors if isinstance(e, dict)}
            if "THROTTLED" in codes and attempt + 1 < RETRIES:
                base.sleep(_throttle_wait(payload))
                continue
            if "MAX_COST_EXCEEDED" in codes or _says_too_costly(errors):
                raise _TooCostly()
            _refuse_errors(codes, errors, payload)
            return payload["data"]
        raise ConnectorError("Shopify kept throttling; the next pull tries again.", transient=True)


class _TooCostly(Exception):
    pass


def _says_too_costly(errors: list) -> bool:
    texts = (str(e.get("message", "")) for e in errors if isinstance(e, dict))
    return any("max cost" in t.lower() for t in texts)


def _rows(order: dict) -> list[dict]:
    """One row per tracking number of the order's fulfilments (cancelled ones left out)."""
    address = order.get("shippingAddress") or {}
    name = " ".join(p for p in (address.get("firstName"), address.get("lastName")) if p)
    rows = []
    for fulfillment in order.get("fulfillments") or []:
        if (fulfillment.get("status") or "").upper() in SKIPPED_STATUSES:
            continue
        for info in fulfillment.get("trackingInfo") or []:
            if not (info or {}).get("number"):
                continue  # no tracking number (local delivery, a letter): nothing to track
            rows.append(
                {
                    "tracking_number": info["number"],
                    "order_id": order.get("name"),
                    "carrier": info.get("company"),
                    "customer_name": name,
                    "country": address.get("countryCodeV2"),
                    "ship_date": (fulfillment.get("createdAt") or "")[:10],
                    "tracking_link": info.get("url"),
                }
            )
    return rows


def _json(answer) -> dict:
    try:
        payload = answer.json()
    except ValueError:
        raise ConnectorError(
            "Shopify sent an answer that is not JSON; the next pull tries again.", transient=True
        ) from None
    if not isinstance(payload, dict):
        raise ConnectorError("Shopify sent an unexpected answer.", transient=True)
    return payload


def _refuse_status(status: int, endpoint: str):
    host = urlsplit(endpoint).hostname
    if status == 401:
        raise ConnectorError(
            "Shopify refused the access token (wrong, or the app was uninstalled): "
            "enter the app's Admin API access token again."
        )
    if status == 403:
        raise ConnectorError(
            "The access token lacks a scope: give the app the read_orders scope and reinstall it."
        )
    if status == 404:
        raise ConnectorError(f"No Shopify store answers at {host}: check the store's address.")
    if status in (402, 423):
        raise ConnectorError("Shopify says this store is locked or frozen; pulls wait for it.")
    if status != 200:
        raise ConnectorError(f"Shopify answered {status}.", transient=True)


def _refuse_errors(codes: set, errors: list, payload: dict):
    if "ACCESS_DENIED" in codes:
        raise ConnectorError(
            "The access token lacks a scope: give the app the read_orders scope and reinstall it."
        )
    if "THROTTLED" in codes:
        raise ConnectorError("Shopify kept throttling; the next pull tries again.", transient=True)
    data = payload.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("orders"), dict):
        first = errors[0].get("message") if errors and isinstance(errors[0], dict) else None
        raise ConnectorError(f"Shopify answered with an error: {first or 'no orders in it'}.")
    # errors beside data (a redacted customer field): the data that came is used


def _retry_after(headers: dict, attempt: int) -> float:
    value = {k.lower(): v for k, v in headers.items()}.get("retry-after")
    try:
        return min(max(float(value), 0.0), 60.0)
    except (TypeError, ValueError):
        return min(2.0**attempt, 30.0)


def _throttle_wait(payload: dict) -> float:
    """Seconds until the bucket holds the points the query asked for (at least one second)."""
    cost = (payload.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        missing = float(cost["requestedQueryCost"]) - float(status["currentlyAvailable"])
        return min(max(missing / float(status["restoreRate"]), 1.0), 60.0)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return 2.0


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
