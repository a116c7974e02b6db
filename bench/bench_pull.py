"""A Shopify connection's first pull: 10,000 orders from the loopback fake Shopify server.

The pull is jobs.pulls.pull as a warmed-up worker runs it: GraphQL pages of 25 orders, each
page stored through the import path (plausibility gate, detection, merge) with its cursor.
The floor asks
the same server for the same pages and only decodes them, so the difference is what storing
costs. Run: .venv/bin/python -m bench.bench_pull [--quick]
"""

import json
import os
import sys
import time

from bench.datasets import merchant
from bench.report import table
from bench.workers import instance

TARGET_SECONDS = 60  # a first pull of 10,000 orders within a minute


def main(quick: bool = False) -> dict:
    """Time the first pull of 10,000 orders (2,000 in quick mode) next to the fetch-only floor."""
    from jobs import runtime
    from jobs.connections import create
    from jobs.connectors import connector_for
    from jobs.pulls import pull
    from jobs.store.models import Connection, Shipment
    from tests.fake_shops import FakeShopify, shopify_order

    orders = 2_000 if quick else 10_000
    database = os.environ.get("BENCH_DATABASE_URL")
    with instance(database, ALLOW_PRIVATE_URLS="true"), FakeShopify() as shop:
        shop.orders = [shopify_order(n) for n in range(1, orders + 1)]
        settings = runtime.setup()
        runtime.preload()  # as a worker does at start (the learned fallback is trained there)
        owner = merchant()
        connection = create(owner, "shopify", shop.url, {"token": "shpat_good"}, settings)
        started = time.perf_counter()
        floor_pages = sum(1 for _ in _fetch_only(connector_for(connection, settings)))
        floor = time.perf_counter() - started
        requests_before = len(shop.requests)
        started = time.perf_counter()
        result = pull(connection.id)
        seconds = time.perf_counter() - started
        requests = len(shop.requests) - requests_before
        stored = Shipment.select().count()
        assert result["error"] is None and stored == orders, result
        again_started = time.perf_counter()
        again = pull(Connection.get_by_id(connection.id).id)
        again_seconds = time.perf_counter() - again_started
    return {
        "target": f"{orders:,} orders ≤ {TARGET_SECONDS} s",
        "database": "PostgreSQL" if database else "SQLite",
        "orders": orders,
        "first pull (s)": round(seconds, 2),
        "orders/s": round(orders / seconds),
        "GraphQL requests": requests,
        "floor: the same pages fetched and decoded, nothing stored (s)": round(floor, 2),
        "floor pages": floor_pages,
        "times the floor": round(seconds / floor, 2),
        "shipments stored": stored,
        "next pull, nothing new (s)": round(again_seconds, 3),
        "next pull stored": again["stored"],
    }


def _fetch_only(connector):
    """The pull's HTTP pages without storing: each page's rows read and parsed, then dropped."""
    for page in connector.pull({}):
        sum(1 for _ in page.items)
        yield page


if __name__ == "__main__":
    figures = main(quick="--quick" in sys.argv)
    print(table(figures) if "--json" not in sys.argv else json.dumps(figures))
