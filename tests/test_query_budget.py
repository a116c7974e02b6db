"""Issue 14 (High 2): a runaway search is stopped with a clear answer, and one merchant cannot
hold every web thread, while other merchants are served meanwhile."""

import threading
import time
from types import SimpleNamespace

import pytest
from peewee import SQL

from jobs.store import grid_query
from tests.conftest import sign_up
from tests.test_grid import HX, add, merchant_id
from tests.test_security import log_in
from webapp.shipments import paging as grid_paging
from webapp.shipments import query_budget
from webapp.shipments.query_budget import TOO_BROAD, TOO_MANY

# Counts to half a billion: minutes of work on either engine unless something stops it.
RUNAWAY = SQL(
    "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000000) "
    "SELECT count(*) FROM c) > 0"
)
DEADLINE = 30  # seconds: only a hung test waits this long


@pytest.fixture
def runaway(app, monkeypatch):
    """Searches for "runaway" cost minutes; `started` is set when one begins."""
    started = threading.Event()
    real = grid_query.search_condition

    def search_condition(q, merchant, *args):
        if q != "runaway":
            return real(q, merchant, *args)
        started.set()
        return RUNAWAY

    monkeypatch.setattr(grid_query, "search_condition", search_condition)
    monkeypatch.setattr(grid_paging, "search_sorts_matches", lambda q, merchant: True)
    return started


@pytest.fixture
def budget(app, database_url, monkeypatch):
    """The grid's time budget, run out by the test: `budget.set()` once the others were served.

    On SQLite the budget's clock (webapp.shipments.query_budget.time) stands still until then, and
    is an hour on after, so whatever the machine's load the runaway search is still running
    while the other requests are served, and is stopped as soon as the test says so.
    PostgreSQL cancels the statement on its own clock: its budget is generous instead.
    """
    expired = threading.Event()
    real, frozen = time.monotonic, time.monotonic()

    def monotonic():
        return real() + 3600 if expired.is_set() else frozen

    if database_url.startswith("sqlite"):
        monkeypatch.setattr(query_budget, "time", SimpleNamespace(monotonic=monotonic))
        app.config["GRID_QUERY_SECONDS"] = 2.0
    else:
        app.config["GRID_QUERY_SECONDS"] = 6.0  # the statement_timeout: a margin, not a clock
    return expired


def in_background(call):
    """Run `call` in a thread; returns (thread, result dict with 'response' and 'ended')."""
    result = {}

    def run():
        result["response"] = call()
        result["ended"] = time.monotonic()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def test_a_runaway_search_is_stopped_with_a_clear_answer_while_others_are_served(
    app, merchant_client, runaway, budget
):
    add(merchant_id(), "MINE0001")
    other = app.test_client()
    sign_up(other, "merchant-b@example.com")
    add(merchant_id("merchant-b@example.com"), "THEIRS0001")

    slow, result = in_background(
        lambda: merchant_client.get("/shipments?q=runaway", headers=HX).get_data(as_text=True)
    )
    assert runaway.wait(DEADLINE)
    served = other.get("/shipments", headers=HX)
    assert served.status_code == 200 and "THEIRS0001" in served.get_data(as_text=True)
    assert slow.is_alive()  # B was answered while A's search was still running
    budget.set()
    ran_out = time.monotonic()
    slow.join(DEADLINE)
    # Stopped within a few seconds of running out of its budget (PostgreSQL: of its start).
    assert not slow.is_alive() and result["ended"] - ran_out < 10
    assert TOO_BROAD in result["response"].replace("&#39;", "'")
    # The merchant's next, ordinary request works as usual.
    assert "MINE0001" in merchant_client.get("/shipments", headers=HX).get_data(as_text=True)


def test_one_merchant_cannot_hold_every_thread(app, merchant_client, runaway, budget):
    app.config["GRID_REQUESTS_PER_MERCHANT"] = 1
    add(merchant_id(), "MINE0001")  # with no row to test, SQLite never runs the runaway part
    again = app.test_client()
    log_in(again, "merchant-a@example.com")
    other = app.test_client()
    sign_up(other, "merchant-b@example.com")

    slow, _ = in_background(lambda: merchant_client.get("/shipments?q=runaway", headers=HX))
    assert runaway.wait(DEADLINE)
    refused = again.get("/shipments?q=another", headers=HX)
    assert refused.status_code == 429 and TOO_MANY in refused.get_data(as_text=True)
    assert again.get("/shipments/live", headers=HX).status_code == 204  # polls skip quietly
    assert other.get("/shipments", headers=HX).status_code == 200  # other merchants: served
    assert slow.is_alive()  # all of that while A's search held A's only slot
    budget.set()
    slow.join(DEADLINE)
    assert not slow.is_alive()
    assert again.get("/shipments", headers=HX).status_code == 200  # the slot is free again
