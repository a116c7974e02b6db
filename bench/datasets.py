"""Data sets for benchmarks and scale tests: due shipments in bulk, a large upload CSV."""

import csv
from pathlib import Path

from playhouse.shortcuts import chunked

from jobs.store.models import Merchant, Shipment, db, utcnow

ROOT_DIR = Path(__file__).resolve().parent.parent
DATA = ROOT_DIR / "bench" / "data"
INITIAL = ("not_found", "not_yet_scanned")  # what an import stores before the first check


def merchant(email: str = "bench@example.com") -> int:
    """The id of a merchant for generated data (created on first use)."""
    row, _ = Merchant.get_or_create(email=email, defaults={"password_hash": "!", "name": "Bench"})
    return row.id


def seed_due(merchant_id: int, n: int, prefix: str = "PD", chunk: int = 1000) -> int:
    """Insert `n` shipments due now (as an import leaves them), in bulk; returns `n`."""
    now = utcnow()
    rows = (
        {
            "merchant": merchant_id,
            "tracking_number": f"{prefix}{i:010d}XX",
            "carrier": "sandbox",  # detected, so the provider is asked (like a real import)
            "status": INITIAL[0],
            "reason": INITIAL[1],
            "next_check_at": now,
            "created_at": now,
        }
        for i in range(n)
    )
    with db.atomic():
        for batch in chunked(rows, chunk):
            Shipment.insert_many(batch).execute()
    return n


def upload_csv(rows: int) -> Path:
    """A shop-export CSV of `rows` rows under bench/data/ (generated once, then reused)."""
    from bench.bench_parse import HEADER, fake_row, random

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"orders_{rows}.csv"
    if not path.exists():
        rng = random.Random(1)
        partial = path.with_suffix(".part")
        with open(partial, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            writer.writerows(fake_row(i, rng) for i in range(rows))
        partial.rename(path)
    return path
