"""A worker killed in the middle of a pull: nothing stored is lost, nothing is stored twice."""

import json
import signal
from datetime import timedelta
from pathlib import Path

import pytest

from jobs import runtime
from jobs.connections import create
from jobs.pulls import INTERRUPTED, enqueue_due_pulls
from jobs.store.models import Connection, Shipment, Upload, utcnow
from jobs.sweep import sweep
from tests.fake_shops import FakeShopify, shopify_order, ups_number
from tests.test_faults import kill_worker, start_worker
from webapp.auth import create_merchant

ORDERS = 150  # six pages of 25


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_worker_killed_mid_pull_loses_nothing_and_doubles_nothing(app, tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("CONNECTION_TIMEOUT_SECONDS", "600")  # the hanging page never times out
    app.config["ALLOW_PRIVATE_URLS"] = runtime.setup()["ALLOW_PRIVATE_URLS"] = True
    merchant = create_merchant("shop@example.com", "correct horse battery")
    with (
        FakeShopify([shopify_order(n) for n in range(1, ORDERS + 1)]) as shop,
        open(tmp_path / "worker.log", "wb") as log,
    ):
        shop.hang_on_call = 4  # pages 1-3 stored, the 4th request never answered
        connection = create(merchant.id, "shopify", shop.url, {"token": "shpat_good"}, app.config)
        assert sweep()["pulls_due"] == 1
        worker = start_worker(app, log=log)
        try:
            assert shop.hanging.wait(240), (tmp_path / "worker.log").read_text()
            kill_worker(worker.pid)
            assert worker.wait(30) == -signal.SIGKILL
        finally:
            if worker.poll() is None:
                kill_worker(worker.pid)
        assert Shipment.select().count() == 75  # what was stored before the kill stays
        killed = Connection.get_by_id(connection.id)
        assert json.loads(killed.cursor) == {"since": shopify_order(75)["updatedAt"]}
        assert enqueue_due_pulls() == 0  # the dead pull's lease still holds
        Connection.update(claimed_until=utcnow() - timedelta(seconds=1)).execute()
        assert sweep()["pulls_due"] == 1
        shop.hang_on_call = None
        burst = start_worker(app, "--burst", log=log)
        assert burst.wait(240) == 0, (tmp_path / "worker.log").read_text()
    numbers = [s.tracking_number for s in Shipment.select()]
    assert sorted(numbers) == sorted(ups_number(n) for n in range(1, ORDERS + 1))
    uploads = list(Upload.select().order_by(Upload.id))
    assert [u.error for u in uploads] == [INTERRUPTED, None]
    assert [u.imported for u in uploads] == [75, 75]
    assert uploads[0].state in ("resolving", "done")  # closed, not left "parsing"
    done = Connection.get_by_id(connection.id)
    assert done.last_error is None and done.claimed_until is None
    assert json.loads(done.cursor) == {"since": shopify_order(ORDERS)["updatedAt"]}
