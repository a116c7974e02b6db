"""Server time of every shipments-grid partial over a million shipments, next to its bare SQL.

Run: .venv/bin/python -m bench.bench_grid [--quick]   (quick: 100,000 shipments)
SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (its tables are dropped and reseeded).
Each figure is the median of REPEATS runs after a warm-up, through the Flask test client with
HX-Request (the partial htmx asks for), and the same view's page query and counts run directly.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_login.utils import _create_identifier  # noqa: E402

from bench.seed import seed  # noqa: E402
from jobs.store.grid_query import GridFilter, shipments_matching, status_counts  # noqa: E402
from jobs.store.models import Merchant, Shipment, db  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.shipments.paging import encode_cursor, grid_page  # noqa: E402

MERCHANT = 1
REPEATS = 15
TARGET_MS = 50
DATA = Path(__file__).resolve().parent / "data"
VIEWS = {  # label: grid filter arguments (the URL's query string)
    "tab all": {},
    "tab needs action": {"status": "needs_action"},
    **{f"tab {key}": {"status": key} for key in (
        "not_found", "in_transit", "pick_up", "undelivered", "delivered", "alert", "expired",
        "returned")},
    "sort days without update": {"sort": "oldest_event"},
    "sort status": {"sort": "status"},
    "sort ship date": {"sort": "ship_date"},
    "search number": {"q": "SBX0010000054321"},
    "search name (substring, common)": {"q": "baker"},
    "search word (substring, no match)": {"q": "nobodyhasthis"},
    "search email (substring, rare)": {"q": "n.baker5432"},
    "search part of a number (substring)": {"q": "1005432"},
    "search two letters (no trigram: LIKE)": {"q": "zq"},
    "filter carrier": {"carrier": "ups"},
    "filter upload": {"upload": "3"},
    "filter stalled": {"stalled": "1"},
}  # fmt: skip


def _median_ms(action) -> float:
    action()  # warm-up: first connection, statement cache
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _prepare(url: str, n: int) -> float:
    """Seed n shipments unless the SQLite file already holds them; returns seconds spent."""
    from jobs.store.database import open_database
    from jobs.store.migrations import drop_all

    database = open_database(url)
    if url.startswith("sqlite") and Shipment.table_exists():
        if Shipment.select().where(Shipment.merchant == MERCHANT).count() == n:
            return 0.0
    drop_all(database)
    return seed(MERCHANT, n, url)


def _client(url: str, home: str):
    app = create_app({"DATABASE_URL": url, "PARCELDESK_HOME": home, "SECRET_KEY": "bench"})
    client = app.test_client()
    with app.test_request_context(environ_base=client.environ_base):  # its address and agent
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = Merchant.get_by_id(MERCHANT).get_id()  # "id:session token"
        session["_fresh"] = True
        session["_id"] = identifier  # session_protection="strong" drops sessions without it
    return client


def _deep_cursor(n: int) -> str:
    """The cursor half-way down the default view (found once with an OFFSET, outside the timing)."""
    middle = shipments_matching(MERCHANT, GridFilter()).offset(n // 2).limit(1).get()
    return encode_cursor(middle, "last_event")


def _measure_view(client, args: dict) -> dict:
    path = "/shipments?" + urlencode(args)
    grid = GridFilter.from_args(args)

    def request():
        response = client.get(path, headers={"HX-Request": "true"})
        assert response.status_code == 200, response.status_code

    return {
        "partial_ms": _median_ms(request),
        "page_sql_ms": _median_ms(lambda: grid_page(MERCHANT, grid, 50)),
    }


def run_engine(url: str, n: int) -> dict:
    """Seed (when needed) and time every view on one database."""
    seeded = _prepare(url, n)
    with tempfile.TemporaryDirectory() as home:
        client = _client(url, home)
        views = dict(VIEWS, **{"deep keyset page (row n/2)": {"after": _deep_cursor(n)}})
        figures = {label: _measure_view(client, args) for label, args in views.items()}
        figures["counts (live poll partial)"] = {
            "partial_ms": _median_ms(
                lambda: client.get("/shipments/live", headers={"HX-Request": "true"})
            ),
            "page_sql_ms": _median_ms(lambda: status_counts(MERCHANT)),
        }
    db.close()
    return {"shipments": n, "seed_seconds": round(seeded, 1), "views": figures}


def main(quick: bool = False) -> dict:
    """Time the grid on SQLite (and PostgreSQL when TEST_DATABASE_URL is set); return figures."""
    n = 100_000 if quick else 1_000_000
    DATA.mkdir(exist_ok=True)
    results = {"sqlite": run_engine(f"sqlite:///{DATA / f'grid-{n}.db'}", n)}
    if os.environ.get("TEST_DATABASE_URL"):
        results["postgresql"] = run_engine(os.environ["TEST_DATABASE_URL"], n)
    return results


def _print(results: dict):
    for engine, result in results.items():
        print(
            f"\n### {engine}: {result['shipments']:,} shipments "
            f"(seeded in {result['seed_seconds']} s; 0 = reused)\n"
        )
        print(f"| view | partial median ms | bare SQL median ms | ≤ {TARGET_MS} ms |")
        print("|---|---:|---:|:---:|")
        for label, f in result["views"].items():
            ok = "yes" if f["partial_ms"] <= TARGET_MS else "**no**"
            print(f"| {label} | {f['partial_ms']:.1f} | {f['page_sql_ms']:.1f} | {ok} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="100,000 shipments instead of 1,000,000"
    )
    _print(main(parser.parse_args().quick))
