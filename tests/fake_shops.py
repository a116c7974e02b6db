"""Loopback fakes of the shop APIs a connection pulls from, speaking them as documented.

Shopify: the GraphQL Admin API's `orders` query (cursor pagination, `updated_at:>=` search,
`sortKey: UPDATED_AT`, the cost extension, THROTTLED errors and 429). WooCommerce: REST v3
`orders` (Basic auth, `modified_after`, `X-WP-TotalPages`), tracking items in the order meta or
the tracking plugins' route. Feed: a CSV with an ETag, 304 when unchanged. `faults` holds
replies served before the normal ones (one each), to script throttling and failures.
"""

import base64
import json
import re
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from tests.loopback import LoopbackServer, Reply

API_PATH = re.compile(r"^/admin/api/[0-9-]+/graphql\.json$")
START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def shopify_order(n: int, numbers=None, company="UPS", status="SUCCESS", updated=None):
    """Order #1000+n with one fulfilment carrying `numbers` (default: one UPS-like number)."""
    numbers = numbers if numbers is not None else [ups_number(n)]
    at = updated or START + timedelta(minutes=n)
    return {
        "id": f"gid://shopify/Order/{n}",
        "name": f"#{1000 + n}",
        "updatedAt": iso(at),
        "shippingAddress": {"firstName": "Ann", "lastName": f"Buyer{n}", "countryCodeV2": "DE"},
        "fulfillments": [
            {
                "status": status,
                "createdAt": iso(at),
                "trackingInfo": [
                    {"number": x, "company": company, "url": f"https://t.example/{x}"}
                    for x in numbers
                ],
            }
        ],
    }


def ups_number(n: int) -> str:
    """A distinct, plausible UPS-format number per n (check digit not guaranteed)."""
    return f"1Z999AA1{n:010d}"


class FakeShopify:
    """A store: orders, one token with its scopes, and scripted faults."""

    def __init__(self, orders=(), token="shpat_good", scopes=("read_orders",)):
        self.orders = list(orders)
        self.token, self.scopes = token, set(scopes)
        self.faults: list = []
        self.max_cost = None  # refuse queries whose requested cost is above it, as Shopify does
        self.hang_on_call = None  # the n-th GraphQL call never answers (a pull killed mid-way)
        self.hanging = threading.Event()  # set when that call arrived
        self.calls = 0
        self.server = LoopbackServer(self.handle)

    def __enter__(self):
        self.server.__enter__()
        return self

    def __exit__(self, *exc):
        self.server.__exit__(*exc)

    @property
    def url(self):
        return self.server.url

    @property
    def requests(self):
        return self.server.requests

    client_id, client_secret = "app-client-id", "app-client-secret"

    def grant(self, request):
        """The client credentials grant: a form body in, an access token out."""
        form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        wanted = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        if form != wanted:
            return Reply.of({"error": "invalid_client"}, 400)
        return Reply.of({"access_token": self.token, "scope": ",".join(sorted(self.scopes))})

    def handle(self, request):
        if request.method == "POST" and request.path == "/admin/oauth/access_token":
            return self.grant(request)
        if request.method != "POST" or not API_PATH.match(urlsplit(request.path).path):
            return Reply(404, b'{"errors":"Not Found"}')
        if request.headers.get("x-shopify-access-token") != self.token:
            return Reply.of({"errors": "[API] Invalid API key or access token"}, 401)
        if "read_orders" not in self.scopes:
            return Reply.of({"errors": "[API] This action requires merchant approval"}, 403)
        self.calls += 1
        if self.hang_on_call == self.calls:
            self.hanging.set()
            return Reply(200, b"{}", hang=True)
        if self.faults:
            return self.faults.pop(0)
        body = request.json()
        requested = requested_cost(body["query"], body["variables"]["first"])
        if self.max_cost is not None and requested > self.max_cost:
            return Reply.of(
                {
                    "errors": [
                        {
                            "message": f"Query cost is {requested}, which exceeds the single "
                            f"query max cost limit ({self.max_cost}).",
                            "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested},
                        }
                    ]
                }
            )
        return Reply.of(self.page(body["variables"]))

    def page(self, variables: dict) -> dict:
        since = None
        if variables.get("search"):
            found = re.fullmatch(r"updated_at:>='([^']+)'", variables["search"])
            since = found.group(1)
        chosen = sorted(
            (o for o in self.orders if since is None or o["updatedAt"] >= since),
            key=lambda o: (o["updatedAt"], o["id"]),
        )
        start = int(base64.b64decode(variables["after"])) if variables.get("after") else 0
        first = min(int(variables["first"]), 250)
        nodes = chosen[start : start + first]
        end = start + len(nodes)
        return {
            "data": {
                "orders": {
                    "pageInfo": {
                        "hasNextPage": end < len(chosen),
                        "endCursor": base64.b64encode(str(end).encode()).decode()
                        if nodes
                        else None,
                    },
                    "nodes": nodes,
                }
            },
            "extensions": {"cost": cost(first * 3, 1000)},
        }


def requested_cost(query: str, first: int) -> int:
    """Each order, its address and each possible fulfilment and tracking entry count one point."""
    fulfillments = int(re.search(r"fulfillments\(first: (\d+)\)", query).group(1))
    tracking = int(re.search(r"trackingInfo\(first: (\d+)\)", query).group(1))
    return first * (2 + fulfillments * (1 + tracking))


def cost(requested, available, restore=100.0):
    return {
        "requestedQueryCost": requested,
        "actualQueryCost": requested,
        "throttleStatus": {
            "maximumAvailable": 2000.0,
            "currentlyAvailable": available,
            "restoreRate": restore,
        },
    }


def throttled(requested=752, available=552, restore=100.0) -> Reply:
    """The 200 THROTTLED answer: no data, the error code, the cost extension."""
    return Reply.of(
        {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {
                        "code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                    },
                }
            ],
            "extensions": {
                "cost": {**cost(requested, available, restore), "actualQueryCost": None}
            },
        }
    )


def woo_order(n: int, numbers=None, status="completed", in_meta=True, modified=None):
    """WooCommerce order n; its tracking items in the meta (AST's storage) or only the route."""
    numbers = numbers if numbers is not None else [ups_number(n)]
    at = modified or START + timedelta(minutes=n)
    items = [
        {
            "tracking_provider": "ups",
            "custom_tracking_provider": "",
            "custom_tracking_link": "",
            "tracking_number": x,
            "date_shipped": int(at.timestamp()),
            "tracking_id": f"t{n}-{i}",
        }
        for i, x in enumerate(numbers)
    ]
    order = {
        "id": n,
        "number": str(n),
        "status": status,
        "date_modified_gmt": at.strftime("%Y-%m-%dT%H:%M:%S"),
        "billing": {
            "first_name": "Bo",
            "last_name": f"Buyer{n}",
            "email": f"bo{n}@example.com",
            "country": "FR",
        },
        "shipping": {"first_name": "Bo", "last_name": f"Buyer{n}", "country": "FR"},
        "meta_data": [{"id": 1, "key": "_wc_shipment_tracking_items", "value": items}]
        if in_meta
        else [],
        "_items": items,
    }
    return order


class FakeWooCommerce:
    """A WordPress + WooCommerce store; `plugin` False answers rest_no_route for tracking."""

    def __init__(self, orders=(), key="ck_good", secret="cs_good", plugin=True, can_view=True):
        self.orders = list(orders)
        self.key, self.secret, self.plugin, self.can_view = key, secret, plugin, can_view
        self.faults: list = []
        self.server = LoopbackServer(self.handle)

    def __enter__(self):
        self.server.__enter__()
        return self

    def __exit__(self, *exc):
        self.server.__exit__(*exc)

    @property
    def url(self):
        return self.server.url

    @property
    def requests(self):
        return self.server.requests

    def handle(self, request):
        parts = urlsplit(request.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if not parts.path.startswith("/wp-json/"):
            return Reply(404, b"<html>Not found</html>")
        auth = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
        if auth != f"Basic {expected}":
            return Reply.of(
                {
                    "code": "woocommerce_rest_authentication_error",
                    "message": "Consumer secret is invalid.",
                    "data": {"status": 401},
                },
                401,
            )
        if not self.can_view:
            return Reply.of(
                {
                    "code": "woocommerce_rest_cannot_view",
                    "message": "Sorry, you cannot list resources.",
                    "data": {"status": 401},
                },
                401,
            )
        if self.faults:
            return self.faults.pop(0)
        if parts.path == "/wp-json/wc/v3/orders":
            return self.list_orders(query)
        found = re.fullmatch(
            r"/wp-json/wc-shipment-tracking/v3/orders/(\d+)/shipment-trackings", parts.path
        )
        if found and self.plugin:
            order = next((o for o in self.orders if o["id"] == int(found.group(1))), None)
            if order is None:
                return Reply.of({"code": "woocommerce_rest_order_invalid_id"}, 404)
            return Reply.of([self.route_item(i) for i in order["_items"]])
        return Reply.of(
            {"code": "rest_no_route", "message": "No route was found", "data": {"status": 404}},
            404,
        )

    @staticmethod
    def route_item(item):
        shipped = datetime.fromtimestamp(item["date_shipped"], UTC).strftime("%Y-%m-%d")
        return {
            "tracking_id": item["tracking_id"],
            "tracking_provider": "UPS",
            "tracking_link": f"https://t.example/{item['tracking_number']}",
            "tracking_number": item["tracking_number"],
            "date_shipped": shipped,
        }

    def list_orders(self, query):
        chosen = sorted(self.orders, key=lambda o: o["id"])
        if "modified_after" in query:
            chosen = [o for o in chosen if o["date_modified_gmt"] > query["modified_after"]]
        per_page = min(int(query.get("per_page", 10)), 100)
        page = int(query.get("page", 1))
        total_pages = max(1, -(-len(chosen) // per_page))
        if page > total_pages and chosen:
            return Reply.of({"code": "rest_post_invalid_page_number"}, 400)
        body = [
            {k: v for k, v in o.items() if k != "_items"}
            for o in chosen[(page - 1) * per_page : page * per_page]
        ]
        headers = {"X-WP-Total": str(len(chosen)), "X-WP-TotalPages": str(total_pages)}
        return Reply(200, json.dumps(body).encode(), headers)


class FakeFeed:
    """A CSV at /orders.csv with an ETag; Basic auth when `password` is set."""

    def __init__(self, text: str, user=None, password=None):
        self.text, self.user, self.password = text, user, password
        self.server = LoopbackServer(self.handle)

    def __enter__(self):
        self.server.__enter__()
        return self

    def __exit__(self, *exc):
        self.server.__exit__(*exc)

    @property
    def url(self):
        return self.server.url + "/orders.csv"

    @property
    def requests(self):
        return self.server.requests

    @property
    def etag(self):
        return f'"{abs(hash(self.text))}"'

    def handle(self, request):
        if self.password is not None:
            pair = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {pair}":
                return Reply(401, b"", {"WWW-Authenticate": 'Basic realm="feed"'})
        if urlsplit(request.path).path != "/orders.csv":
            return Reply(404, b"")
        if request.headers.get("if-none-match") == self.etag:
            return Reply(304, b"", {"ETag": self.etag})
        return Reply(200, self.text.encode("utf-8"), {"ETag": self.etag})
