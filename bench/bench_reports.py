"""Report writing at scale: time and peak RSS of CSV and XLSX reports of 10,000 and 100,000 rows.

Run: .venv/bin/python -m bench.bench_reports [--quick]
Each report is written by a fresh subprocess that measures its own peak RSS, once before
writing (imports and database open) and once after; rows are streamed if the peak does not
grow with the number of rows. The writer's SQLite page cache is capped at 2 MB here
(SQLITE_CACHE_KB): with the app's 32 MB cache the peak grows by up to those 32 MB (bounded,
whatever the row count) while the cache fills, which would hide what the writer itself holds.
"""

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STATUSES = [
    ("in_transit", "in_transit"),
    ("delivered", "delivered"),
    ("alert", "lost"),
    ("undelivered", "recipient_absent"),
    ("pick_up", "awaiting_collection"),
    ("returned", "returning"),
]
CARRIERS = ["ups", "usps", "dhl-express", "china-post", None]
SQLITE_CACHE_KB = 2000


def populate(url: str, sizes: list[int]) -> list[int]:
    """One merchant per size, each with that many shipments and two events each."""
    from jobs.store.database import open_database
    from jobs.store.migrations import migrate
    from jobs.store.models import Merchant, Upload, utcnow

    open_database(url)
    migrate()
    rng, now, ids = random.Random(8), utcnow(), []
    for index, size in enumerate(sizes):
        merchant = Merchant.create(email=f"bench{index}@example.com", password_hash="x")
        upload = Upload.create(merchant=merchant, filename=f"bench-{size}.csv", state="done")
        for start in range(0, size, 5000):
            _insert_chunk(merchant.id, upload.id, start, min(size, start + 5000), rng, now)
        ids.append(merchant.id)
    return ids


def _insert_chunk(merchant_id, upload_id, start, stop, rng, now):
    from jobs.store.models import Shipment, TrackingEvent, db

    rows = []
    for n in range(start, stop):
        status, reason = rng.choice(STATUSES)
        last = now - timedelta(hours=rng.randint(1, 24 * 40))
        rows.append(
            {
                "merchant": merchant_id, "upload": upload_id, "tracking_number": f"BENCH{n:09d}",
                "carrier": rng.choice(CARRIERS), "order_id": f"#{n}", "status": status,
                "reason": reason, "customer_name": f"Customer {n}", "email": f"c{n}@example.com",
                "country": "FR", "last_event_at": last, "last_event_text": "Arrived at facility",
                "last_event_location": "PARIS", "note": "=1+1" if n % 100 == 0 else "",
                "needs_action": status in ("alert", "undelivered", "returned"),
            }
        )  # fmt: skip
    with db.atomic():
        Shipment.insert_many(rows).execute()
        first = Shipment.select(Shipment.id, Shipment.last_event_at).where(
            Shipment.merchant == merchant_id, Shipment.tracking_number >= f"BENCH{start:09d}"
        )
        events = []
        for s in first.iterator():
            shipped = s.last_event_at - timedelta(days=2)
            events.append({"shipment": s.id, "time": s.last_event_at, "text": "Arrived"})
            events.append({"shipment": s.id, "time": shipped, "text": "Shipped"})
        TrackingEvent.insert_many(events).on_conflict_ignore().execute()


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: ru_maxrss may keep the parent's across exec)."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(next(x for x in status.splitlines() if x.startswith("VmHWM")).split()[1]) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def write_one(url: str, merchant_id: int, fmt: str, out: str) -> dict:
    """In this (sub)process: write one report, return rows, seconds and peak RSS before/after."""
    from jobs.reports import report_query, report_rows, write_report
    from jobs.store.database import open_database

    open_database(url).execute_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
    before = _peak_mb()
    began = time.perf_counter()
    rows = write_report(report_rows(report_query(merchant_id)), fmt, out)
    return {
        "rows": rows,
        "seconds": round(time.perf_counter() - began, 2),
        "rss_before_mb": round(before, 1),
        "rss_peak_mb": round(_peak_mb(), 1),
        "file_mb": round(Path(out).stat().st_size / 2**20, 1),
    }


def overview_ms(url: str, merchant_id: int) -> dict:
    """Milliseconds of each overview chart's queries for one merchant (median of 3 runs)."""
    from statistics import median

    from webapp import create_app
    from webapp.overview_query import idle_bars, needs_action_bars, status_bars, transit_bars

    home = tempfile.mkdtemp()
    app = create_app({"PARCELDESK_HOME": home, "DATABASE_URL": url, "SECRET_KEY": "bench"})
    charts = {
        "status": lambda: status_bars(merchant_id),
        "needs_action_by_carrier": lambda: needs_action_bars(merchant_id),
        "idle_histogram": lambda: idle_bars(merchant_id, 7),
        "median_transit": lambda: transit_bars(merchant_id),
    }
    timings = {}
    with app.test_request_context():
        for name, draw in charts.items():
            runs = []
            for _ in range(3):
                began = time.perf_counter()
                draw()
                runs.append((time.perf_counter() - began) * 1000)
            timings[name] = round(median(runs), 1)
    return timings


def main(quick: bool = False) -> dict:
    """Write CSV and XLSX reports of two sizes in subprocesses; return the figures."""
    sizes = [1_000, 10_000] if quick else [10_000, 100_000]
    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        merchants = populate(url, sizes)
        for size, merchant_id in zip(sizes, merchants, strict=True):
            for fmt in ("csv", "xlsx"):
                out = f"{folder}/report-{size}.{fmt}"
                command = [sys.executable, "-m", "bench.bench_reports", "--write", fmt, url,
                           str(merchant_id), out]  # fmt: skip
                result = subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
                figures[f"{fmt}_{size}"] = json.loads(result.stdout)
        figures["overview_ms"] = {"rows": sizes[-1], **overview_ms(url, merchants[-1])}
    return figures


def _print_table(figures: dict):
    print("| report | rows | seconds | rows/s | peak RSS before → after (MB) | file (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for key, f in figures.items():
        if key == "overview_ms":
            continue
        rate = f["rows"] / f["seconds"] if f["seconds"] else 0
        print(
            f"| {key.split('_')[0].upper()} | {f['rows']:,} | {f['seconds']} | {rate:,.0f} | "
            f"{f['rss_before_mb']} → {f['rss_peak_mb']} | {f['file_mb']} |"
        )
    overview = dict(figures["overview_ms"])
    print(f"\nOverview queries for one merchant with {overview.pop('rows'):,} shipments:\n")
    print("| chart | ms |\n|---|---:|")
    for name, ms in overview.items():
        print(f"| {name} | {ms} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--write", nargs=4, metavar=("FORMAT", "URL", "MERCHANT", "OUT"))
    parser.add_argument("--overview", nargs=2, metavar=("URL", "MERCHANT"), help="time charts only")
    args = parser.parse_args()
    if args.write:
        fmt, url, merchant, out = args.write
        print(json.dumps(write_one(url, int(merchant), fmt, out)))
    elif args.overview:
        print(json.dumps(overview_ms(args.overview[0], int(args.overview[1]))))
    else:
        _print_table(main(quick=args.quick))
