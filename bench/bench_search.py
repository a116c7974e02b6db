"""Grid search on realistic data imported the way real imports are: p50/p95 server time.

Run: .venv/bin/python -m bench.bench_search [--rows N] [--engine E] [--reuse]   (1,000,000)
A shop export (bench/realistic.py) is imported by jobs.imports.import_upload into SQLite (kept
under bench/data/ and reused) and, when TEST_DATABASE_URL is set, PostgreSQL (emptied first
unless --reuse finds the export imported); statuses are then
spread as checks would leave them. The search terms are what a person types, drawn from the
stored rows: whole numbers, their last digits or a middle part, order ids with and without '#',
names, surnames, emails and their start, common domains, names written with accents typed
without them ("Jose Garcia", "muller"), and terms nothing matches. Each is
one htmx grid request through the Flask test client (the partial, counts included).
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.realistic import write_csv  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
TARGET_MS = 50
PER_KIND = 25
STATUSES = ["in_transit", "in_transit", "delivered", "delivered", "delivered", "pick_up",
            "undelivered", "alert", "not_found", "returned"]  # fmt: skip
REASONS = {"in_transit": "in_transit", "delivered": "delivered", "pick_up": "awaiting_collection",
           "undelivered": "recipient_absent", "alert": "lost", "not_found": "not_yet_scanned",
           "returned": "returning"}  # fmt: skip


def load(rows: int) -> float:
    """Import the export through import_upload into the open database; returns seconds."""
    from jobs.imports import import_upload
    from jobs.store.models import Merchant, Shipment, Upload

    owner, _ = Merchant.get_or_create(email="search@example.com", defaults={"password_hash": "!"})
    imported = Upload.select().where(
        Upload.merchant == owner.id, Upload.filename == f"realistic_{rows}.csv"
    )
    # The export repeats a few numbers (about 100 in a million): the upload marks it imported.
    if imported.exists() and Shipment.select().where(Shipment.merchant == owner.id).exists():
        return 0.0
    path = write_csv(DATA / f"realistic_{rows}.csv", rows)
    started = time.perf_counter()
    upload = Upload.create(merchant=owner, filename=path.name, stored_path=str(path))
    import_upload(upload.id)
    seconds = time.perf_counter() - started
    _spread_statuses(owner.id)
    return seconds


def _spread_statuses(merchant_id):
    from peewee import SQL, NodeList, fn  # peewee's % is LIKE: the modulo is written out

    from jobs.store.models import Shipment, db

    base = datetime(2026, 11, 30, 12, 0)
    postgres = not db.obj.__class__.__name__.startswith("Sqlite")
    modulo = (fn.MOD if postgres else lambda a, b: NodeList((a, SQL("%"), b)))(
        Shipment.id, len(STATUSES)
    )
    with db.atomic():
        for k, status in enumerate(STATUSES):
            Shipment.update(
                status=status,
                reason=REASONS[status],
                needs_action=status in ("undelivered", "alert", "returned"),
                last_event_at=base - timedelta(hours=7 * k),
                checked_at=base,
            ).where(
                Shipment.merchant == merchant_id,
                modulo == k,
            ).execute()
    if not db.obj.__class__.__name__.startswith("Sqlite"):
        db.execute_sql("VACUUM ANALYZE shipment")
    else:
        db.execute_sql("ANALYZE")


def terms(merchant_id: int) -> dict:
    """Search terms by kind, drawn from the stored rows (fixed seed)."""
    from jobs.store.folding import fold
    from jobs.store.models import Shipment

    rng = random.Random(5)
    top = Shipment.select(Shipment.id).where(Shipment.merchant == merchant_id)
    top = top.order_by(Shipment.id.desc()).limit(1).scalar()
    picks = []
    while len(picks) < PER_KIND:
        row = Shipment.get_or_none(Shipment.id == rng.randrange(1, top + 1))
        if row and row.merchant_id == merchant_id:
            picks.append(row)
    first = [s.customer_name.split()[0] for s in picks]
    accented, other = [], random.Random(6)  # names with accents, typed without (issue 17)
    while len(accented) < PER_KIND:
        row = Shipment.get_or_none(Shipment.id == other.randrange(1, top + 1))
        if row and row.merchant_id == merchant_id and not row.customer_name.isascii():
            accented.append(row)
    return {
        "whole number": [s.tracking_number for s in picks],
        "last 10 digits/characters": [s.tracking_number[-10:] for s in picks],
        "middle of a number (7)": [s.tracking_number[3:10] for s in picks],
        "order id with #": [s.order_id for s in picks],
        "order id without #": [s.order_id.lstrip("#") for s in picks],
        "full name": [s.customer_name for s in picks],
        "surname": [s.customer_name.split()[-1] for s in picks],
        "first name, lower case": [f.lower() for f in first],
        "whole email": [s.email for s in picks],
        "start of an email": [s.email.split("@")[0][:8] for s in picks],
        "common domain": ["gmail.com", "yahoo", "outlook.com", "gmx.de", "icloud"] * 5,
        "accented name typed without accents": [fold(s.customer_name) for s in accented],
        "accented word typed without accents": [
            fold(next(w for w in s.customer_name.split() if not w.isascii())) for s in accented
        ],
        "no match": [f"zqx{rng.randrange(10**6)}" for _ in range(PER_KIND)],
    }


def measure(client, kinds: dict, merchant: int) -> dict:
    """Time of each search: the whole htmx request, and its queries alone (page and counts)."""
    from jobs.store.grid_query import GridFilter
    from webapp.shipments.counts import view_counts
    from webapp.shipments.paging import grid_page

    every, every_sql, figures = [], [], {}
    for kind, queries in kinds.items():
        samples, sql = [], []
        for q in queries:
            path = "/shipments?" + urlencode({"q": q})
            client.get(path, headers={"HX-Request": "true"})  # warm: a person's second look
            started = time.perf_counter()
            response = client.get(path, headers={"HX-Request": "true"})
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (q, response.status_code)
            assert b"took too long" not in response.data, q
            grid = GridFilter(q=q)
            with client.application.test_request_context():  # one look-up, as in a request
                started = time.perf_counter()
                grid_page(merchant, grid, 50)
                view_counts(merchant, grid)
                sql.append((time.perf_counter() - started) * 1000)
        every += samples
        every_sql += sql
        figures[kind] = {**_summary(samples), "queries_p95_ms": _summary(sql)["p95_ms"]}
    figures["all searches"] = {**_summary(every), "queries_p95_ms": _summary(every_sql)["p95_ms"]}
    return figures


def _summary(samples):
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1),
            "max_ms": round(ordered[-1], 1), "n": len(ordered)}  # fmt: skip


def run_engine(url: str, rows: int, reuse: bool = False) -> dict:
    """Import (unless the database has the rows already), then time every kind of search.

    A PostgreSQL database is emptied first unless `reuse` (--reuse) says to keep its rows.
    """
    import bench.bench_grid as grid_bench
    from bench import workers
    from jobs.store.models import Merchant, db

    if reuse and url.startswith("postgres"):
        workers._empty_postgresql = lambda url: None
    with workers.instance(url, MAX_UPLOAD_MB=4096) as (_, env):
        imported = load(rows)
        grid_bench.MERCHANT = Merchant.get(Merchant.email == "search@example.com").id
        client = grid_bench._client(url, env["PARCELDESK_HOME"])
        figures = measure(client, terms(grid_bench.MERCHANT), grid_bench.MERCHANT)
        db.close()
    return {"rows": rows, "import_seconds": round(imported, 1), "searches": figures}


def main(rows: int = 1_000_000, engines=("sqlite", "postgresql"), reuse=False) -> dict:
    """Import and time the searches on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
    DATA.mkdir(exist_ok=True)
    results = {}
    if "sqlite" in engines:
        results["sqlite"] = run_engine(f"sqlite:///{DATA / f'search-{rows}.db'}", rows)
        _print({"sqlite": results["sqlite"]})
    if "postgresql" in engines and os.environ.get("TEST_DATABASE_URL"):
        results["postgresql"] = run_engine(os.environ["TEST_DATABASE_URL"], rows, reuse)
        _print({"postgresql": results["postgresql"]})
    return results


def _print(results):
    for engine, result in results.items():
        print(f"\n### {engine}: {result['rows']:,} imported shipments "
              f"(import {result['import_seconds']} s; 0 = reused)\n")  # fmt: skip
        print("| search | request p50 ms | request p95 ms | max ms | queries p95 ms | n |")
        print("|---|---:|---:|---:|---:|---:|")
        for kind, f in result["searches"].items():
            print(f"| {kind} | {f['p50_ms']} | {f['p95_ms']} | {f['max_ms']} | "
                  f"{f['queries_p95_ms']} | {f['n']} |")  # fmt: skip
        sys.stdout.flush()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engine", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--reuse", action="store_true", help="keep PostgreSQL's imported rows")
    arguments = parser.parse_args()
    main(arguments.rows, arguments.engine or ("sqlite", "postgresql"), arguments.reuse)
