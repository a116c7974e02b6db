"""Upload import: CSV rows stored by jobs.imports.import_upload, next to a plain csv + bulk insert.

Each case runs in a fresh process, so peak RSS (getrusage) is that case's alone. The floor
reads the same file with csv.reader and bulk-inserts the same columns, without detection,
merging or row errors. Run: .venv/bin/python -m bench.bench_import [--quick]
"""

import csv
import json
import os
import resource
import subprocess
import sys
import time

from bench.datasets import ROOT_DIR, merchant, upload_csv
from bench.report import table
from bench.workers import instance

TARGETS = {"RSS (MB)": 300, "100,000 rows (s)": 10, "times the floor": 2}


def main(quick: bool = False) -> dict:
    """The 100,000-row case (time target) and the 1,000,000-row case (memory target)."""
    sizes = [20_000] if quick else [100_000, 1_000_000]
    figures = {
        "targets": f"100,000 rows ≤ {TARGETS['100,000 rows (s)']} s; "
        f"peak RSS ≤ {TARGETS['RSS (MB)']} MB; within {TARGETS['times the floor']}× the floor"
    }
    for rows in sizes:
        path = upload_csv(rows)
        floor, real = _child("floor", path), _child("import", path)
        figures[f"{rows:,} rows"] = {
            "import_upload (s)": real["seconds"],
            "of which: copying the file out of the database (s)": real.get("copy_seconds"),
            "storing the upload in the database (s)": real.get("store_seconds"),
            "baseline: csv.reader + bulk insert (s)": floor["seconds"],
            "times the floor": round(real["seconds"] / floor["seconds"], 2),
            "import_upload rows/s": round(rows / real["seconds"]),
            "import_upload peak RSS (MB)": real["peak_mb"],
            "baseline peak RSS (MB)": floor["peak_mb"],
            "shipments stored": real["stored"],
        }
    return figures


def _child(case, path) -> dict:
    command = [sys.executable, "-m", "bench.bench_import", "--case", case, str(path)]
    done = subprocess.run(command, cwd=ROOT_DIR, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_case(case, path):
    """Child process: one case on a fresh SQLite instance; print its figures as JSON."""
    from jobs.store.models import Shipment, Upload

    with instance(os.environ.get("BENCH_DATABASE_URL"), MAX_UPLOAD_MB=1024):
        owner = merchant()
        extra = {}
        if case == "floor":
            started = time.perf_counter()
            _floor(owner, path)
        else:  # as the web upload: the file goes into the database, the job reads it back
            from jobs import runtime, storage
            from jobs.imports import import_upload

            upload = Upload.create(merchant=owner, filename=path.name)
            began = time.perf_counter()
            storage.store_file(upload.id, path, runtime.setup())
            extra["store_seconds"] = round(time.perf_counter() - began, 2)
            upload = Upload.get_by_id(upload.id)
            began = time.perf_counter()
            with storage.local_copy(upload, runtime.setup()):
                extra["copy_seconds"] = round(time.perf_counter() - began, 2)
            started = time.perf_counter()
            import_upload(upload.id)
        seconds = time.perf_counter() - started
        stored = Shipment.select().count()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"seconds": round(seconds, 2), "peak_mb": round(peak), "stored": stored, **extra}
    print(json.dumps(figures))


def _floor(owner, path):
    """The least any import must do: read the rows and insert them in bulk, in one transaction."""
    from jobs.imports import _DEFAULTED

    defaults = {f.name: f.default() if callable(f.default) else f.default for f in _DEFAULTED}
    from playhouse.shortcuts import chunked

    from jobs.store.database import execute_each
    from jobs.store.models import Shipment, db, utcnow

    now = utcnow()
    with open(path, newline="", encoding="utf-8") as f, db.atomic():
        reader = csv.reader(f)
        next(reader)
        rows = (
            {
                "merchant": owner,
                "order_id": row[0],
                "tracking_number": row[1].split(",")[0],
                "customer_name": row[2],
                "email": row[3],
                "country": row[4],
                "ship_date": row[5],
                "next_check_at": now,
            }
            for row in reader
        )
        for chunk in chunked(rows, 1000):
            execute_each(Shipment, [{**defaults, **row} for row in chunk])


if __name__ == "__main__":
    if "--case" in sys.argv:
        from pathlib import Path

        run_case(sys.argv[2], Path(sys.argv[3]))
    else:
        print(table(main(quick="--quick" in sys.argv)))
