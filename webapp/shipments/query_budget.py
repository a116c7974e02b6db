"""Bounded grid queries: no search may hold a web thread for long, nor one merchant all of them.

Every grid request queries under a time budget (GRID_QUERY_SECONDS): PostgreSQL cancels the
statement (`SET LOCAL statement_timeout` in the request's read transaction), SQLite interrupts
it from a progress handler that checks the deadline every few thousand VM instructions. Either
way the merchant gets the grid back at once with "this search is too broad, narrow it".

Each merchant may also run only GRID_REQUESTS_PER_MERCHANT grid requests at a time in a web
process; more are answered at once with 429 and a message, so a merchant firing many slow
searches keeps at most that many of the server's threads, and everyone else is served.
"""

import threading
import time
from contextlib import contextmanager
from functools import wraps

from flask import current_app
from flask_login import current_user
from peewee import OperationalError

from jobs.store.models import db
from jobs.store.search_index import is_postgres

PROGRESS_STEPS = 5000  # SQLite VM instructions between two looks at the clock (~0.1 ms)
TOO_BROAD = (
    "This search took too long and was stopped. Narrow it: type more of the number, "
    "pick a tab or add a filter."
)
TOO_MANY = (
    "Your other searches are still running. Wait a moment, then try again with a narrower search."
)


class TooBroad(Exception):
    """A grid query ran past its budget and was stopped."""


@contextmanager
def query_budget(seconds: float | None = None):
    """Run the block's queries under a time budget; raise TooBroad when they exceed it."""
    seconds = current_app.config["GRID_QUERY_SECONDS"] if seconds is None else seconds
    database = db.obj
    if is_postgres(database):
        with _postgres_budget(database, seconds):
            yield
        return
    connection = database.connection()
    deadline = time.monotonic() + seconds
    connection.set_progress_handler(lambda: int(time.monotonic() > deadline), PROGRESS_STEPS)
    try:
        yield
    except OperationalError as error:
        if "interrupted" in str(error):
            raise TooBroad from error
        raise
    finally:
        connection.set_progress_handler(None, 0)


@contextmanager
def _postgres_budget(database, seconds):
    try:
        with database.atomic():  # SET LOCAL lasts until this read transaction ends
            database.execute_sql(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}")
            # A grid request reads at most a few thousand rows; compiling a plan (JIT, 15-20 ms)
            # or starting parallel workers (5-10 ms) costs more than either saves. The planner
            # reaches for both when it misjudges a search (a word in a third of the rows).
            database.execute_sql("SET LOCAL jit = off")
            database.execute_sql("SET LOCAL max_parallel_workers_per_gather = 0")
            yield
    except OperationalError as error:
        if "statement timeout" in str(error) or "canceling statement" in str(error):
            raise TooBroad from error
        raise


class MerchantSlots:
    """At most `limit` concurrent holders per merchant in this process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._busy: dict[int, int] = {}

    def acquire(self, merchant_id: int, limit: int) -> bool:
        """Take a slot for the merchant, or return False when all of theirs are taken."""
        with self._lock:
            if self._busy.get(merchant_id, 0) >= limit:
                return False
            self._busy[merchant_id] = self._busy.get(merchant_id, 0) + 1
            return True

    def release(self, merchant_id: int):
        """Give a slot back."""
        with self._lock:
            left = self._busy.get(merchant_id, 1) - 1
            if left:
                self._busy[merchant_id] = left
            else:
                self._busy.pop(merchant_id, None)


SLOTS = MerchantSlots()


def one_of_few(refused):
    """Decorate a grid view: run it in one of the merchant's slots, else answer `refused()`."""

    def decorate(view):
        @wraps(view)
        def bounded(*args, **kwargs):
            merchant = current_user.id
            if not SLOTS.acquire(merchant, current_app.config["GRID_REQUESTS_PER_MERCHANT"]):
                return refused()
            try:
                return view(*args, **kwargs)
            finally:
                SLOTS.release(merchant)

        return bounded

    return decorate
