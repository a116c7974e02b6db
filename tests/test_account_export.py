"""The account export streams in batches: a few queries for any number of shipments."""

import json
import logging
from datetime import datetime, timedelta

from jobs.store.models import Merchant, Shipment, StatusChange, TrackingEvent
from webapp import account


class QueryCounter(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements = []

    def emit(self, record):
        self.statements.append(record.getMessage())


def test_export_runs_a_few_queries_per_batch_not_per_shipment(merchant_client, monkeypatch):
    monkeypatch.setattr(account, "EXPORT_BATCH", 20, raising=False)
    merchant = Merchant.get(Merchant.email == "merchant-a@example.com")
    start = datetime(2026, 11, 1)
    for i in range(45):
        shipment = Shipment.create(merchant=merchant, tracking_number=f"SBX{i:05d}")
        for hours in (5, 1, 3):  # stored out of order; exported in time order
            TrackingEvent.create(shipment=shipment, time=start + timedelta(hours=hours), text="x")
        StatusChange.create(shipment=shipment, new_status="in_transit", new_reason="moving")
    counter, logger = QueryCounter(), logging.getLogger("peewee")
    level = logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        lines = [
            json.loads(line) for line in merchant_client.get("/account/export").data.splitlines()
        ]
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
    shipments = [line for line in lines if line["type"] == "shipment"]
    assert [s["tracking_number"] for s in shipments] == [f"SBX{i:05d}" for i in range(45)]
    assert all(len(s["events"]) == 3 and len(s["status_history"]) == 1 for s in shipments)
    assert [e["time"] for e in shipments[7]["events"]] == sorted(
        e["time"] for e in shipments[7]["events"]
    )
    exports = [s for s in counter.statements if "tracking_event" in s or "status_change" in s]
    assert 0 < len(exports) <= 2 * 3  # 3 batches of 20, one query each for events and history
