"""WooCommerce: orders changed since the last run and their tracking numbers, over REST v3.

WooCommerce itself has no tracking field: Advanced Shipment Tracking (AST) and the official
Shipment Tracking extension keep the numbers in the order meta `_wc_shipment_tracking_items`
and both serve `wc-shipment-tracking/v3/orders/<id>/shipment-trackings`; the meta is read when
the order carries it, the route otherwise. Pages are walked by id (`X-WP-TotalPages`), which
stays stable while orders change; the cursor moves only when a whole run is stored.
"""

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from jobs.connectors.base import Connector, ConnectorError

PER_PAGE = 100  # WordPress caps per_page at 100
OVERLAP = timedelta(minutes=10)  # clocks differ; re-reading an order stores nothing twice
META_KEY = "_wc_shipment_tracking_items"
TRACKING_ROUTE = "/wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings"
SHIPPED_STATUSES = {"completed", "shipped", "partial-shipped"}  # asked for the plugin's route
SKIPPED_STATUSES = {"pending", "cancelled", "refunded", "failed", "trash", "checkout-draft"}
NO_PLUGIN = (
    "No tracking plugin answers: install Advanced Shipment Tracking or WooCommerce Shipment "
    "Tracking, where tracking numbers are entered."
)


class WooCommerceConnector(Connector):
    kind = "woocommerce"

    @staticmethod
    def normalize_url(url: str) -> str:
        text = url.strip().rstrip("/")
        return text if "://" in text else f"https://{text}"

    def _headers(self) -> dict:
        pair = f"{self.credentials.get('key', '')}:{self.credentials.get('secret', '')}"
        token = base64.b64encode(pair.encode("utf-8")).decode("ascii")
        return {"Authorization": f"Basic {token}", "Accept": "application/json"}

    def _get(self, path: str, params: dict | None = None):
        url = self.normalize_url(self.url) + path + (f"?{urlencode(params)}" if params else "")
        if urlsplit(url).scheme != "https" and not self.settings.get("ALLOW_PRIVATE_URLS"):
            raise ConnectorError("WooCommerce keys are only sent over HTTPS: use https://.")
        answer = self.request("GET", url, headers=self._headers())
        payload = _json(answer)
        if answer.status_code != 200:
            _refuse(answer.status_code, payload)
        return answer, payload

    def test(self) -> str:
        """Read one order (the key works and may read orders), then look for a tracking plugin."""
        _, orders = self._get("/wp-json/wc/v3/orders", {"per_page": 1})
        if not isinstance(orders, list):
            raise ConnectorError("The store's answer is not a list of orders.")
        if not orders:
            return "Connected: the key reads orders (the store has none yet to check tracking on)."
        order = orders[0]
        if _meta(order) is None and self._plugin_items(order["id"]) is None:
            raise ConnectorError(NO_PLUGIN)
        return "Connected: the key reads orders and a tracking plugin answers."

    def pull(self, cursor: dict):
        """Pages of shipments of orders changed since the cursor; the cursor moves at the end."""
        since = cursor.get("since")
        started = datetime.now(UTC).replace(tzinfo=None)
        newest, page, pages = None, 1, 1
        while page <= pages:
            params = {"per_page": PER_PAGE, "page": page, "orderby": "id", "order": "asc"}
            if since:
                params.update(modified_after=since, dates_are_gmt="true")
            answer, orders = self._get("/wp-json/wc/v3/orders", params)
            if not isinstance(orders, list):
                raise ConnectorError("The store's answer is not a list of orders.", transient=True)
            pages = _total_pages(answer.headers, page)
            rows = []
            for order in orders:
                if not isinstance(order, dict):
                    continue
                modified = order.get("date_modified_gmt")
                if modified and (newest is None or modified > newest):
                    newest = modified
                rows.extend(self._rows(order))
            last = page >= pages
            yield self.page(rows, _next_cursor(since, newest, started) if last else cursor)
            page += 1

    def _rows(self, order: dict) -> list[dict]:
        status = order.get("status")
        if status in SKIPPED_STATUSES:
            return []
        items = _meta(order)
        if items is None and status in SHIPPED_STATUSES and "id" in order:
            items = self._plugin_items(order["id"])
            if items is None:
                self.warning = NO_PLUGIN
        return [_row(order, item) for item in items or [] if isinstance(item, dict)]

    def _plugin_items(self, order_id) -> list | None:
        """The order's tracking items from the plugins' route; None when no plugin answers."""
        try:
            _, items = self._get(TRACKING_ROUTE.format(id=int(order_id)))
        except ConnectorError as error:
            if getattr(error, "no_route", False):
                return None
            raise
        return items if isinstance(items, list) else []


def _meta(order: dict) -> list | None:
    for entry in order.get("meta_data") or []:
        if isinstance(entry, dict) and entry.get("key") == META_KEY:
            value = entry.get("value")
            return value if isinstance(value, list) else []
    return None


def _row(order: dict, item: dict) -> dict:
    shipping, billing = order.get("shipping") or {}, order.get("billing") or {}
    person = shipping if shipping.get("last_name") or shipping.get("first_name") else billing
    name = " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)
    return {
        "tracking_number": item.get("tracking_number"),
        "order_id": str(order.get("number") or order.get("id") or ""),
        "carrier": item.get("custom_tracking_provider") or item.get("tracking_provider"),
        "customer_name": name,
        "email": billing.get("email"),
        "country": shipping.get("country") or billing.get("country"),
        "ship_date": _shipped(item.get("date_shipped")),
        "tracking_link": item.get("custom_tracking_link") or item.get("tracking_link"),
    }


def _shipped(value) -> str:
    """date_shipped: a Unix timestamp in the meta, site-formatted text from the route."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value), UTC).date().isoformat()
    return str(value or "")


def _total_pages(headers: dict, page: int) -> int:
    value = {k.lower(): v for k, v in headers.items()}.get("x-wp-totalpages")
    try:
        return max(int(value), page)
    except (TypeError, ValueError):
        return page  # no header: this was the only page


def _next_cursor(since, newest, started) -> dict:
    """Where the next run starts: the newest change seen, never later than this run's start."""
    if newest is None:
        return {"since": since} if since else {}
    limit = (started - OVERLAP).strftime("%Y-%m-%dT%H:%M:%S")
    return {"since": min(newest, limit) if since is None or newest > since else since}


def _json(answer):
    try:
        return answer.json()
    except ValueError:
        if answer.status_code == 404:
            _refuse(404, {"code": "rest_no_route"})
        raise ConnectorError(
            "The store sent an answer that is not JSON (is this a WooCommerce store with pretty "
            "permalinks?).",
            transient=answer.status_code >= 500,
        ) from None


def _refuse(status: int, payload):
    code = payload.get("code") if isinstance(payload, dict) else None
    message = payload.get("message") if isinstance(payload, dict) else None
    if code == "rest_no_route" or (status == 404 and code is None):
        error = ConnectorError(
            "No WooCommerce REST API at this address: check the store's address (and that "
            "WordPress uses pretty permalinks)."
        )
        error.no_route = True
        raise error
    if code == "woocommerce_rest_cannot_view" or status == 403:
        raise ConnectorError(
            "The key may not read orders: create a key with Read permission for a shop manager "
            "or administrator."
        )
    if status == 401:
        raise ConnectorError(
            f"WooCommerce refused the key ({message or 'authentication failed'}): check the "
            "consumer key and secret."
        )
    raise ConnectorError(f"The store answered {status}.", transient=status >= 500 or status == 429)
