"""Parsing speed and memory: a 1,000,000-row CSV and a 100,000-row XLSX, each in its own process.

Run: .venv/bin/python bench/bench_parse.py [--rows-csv N] [--rows-xlsx N]
Files are generated once under bench/data/ (gitignored). Peak RSS comes from getrusage and
covers the whole child process (interpreter and libraries included).
"""

import argparse
import csv
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
HEADER = [
    "Order Number",
    "Tracking Number",
    "Shipping Name",
    "Email",
    "Shipping Country",
    "Ship Date",
]
COUNTRIES = ["DE", "FR", "US", "GB", "ES", "IT", "NL", "CN"]


def fake_row(i: int, rng: random.Random) -> list:
    numbers = f"LX{i:09d}CN" if i % 50 else f"LX{i:09d}CN, RR{i:09d}CN"
    name = rng.choice(["Müller", "Zoë Lefèvre", "John Smith", "张伟", "Ana Núñez"])
    return [
        f"#{1000 + i}",
        numbers,
        name,
        f"c{i}@example.com",
        rng.choice(COUNTRIES),
        f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
    ]


def make_csv(path: Path, rows: int) -> None:
    rng = random.Random(1)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(fake_row(i, rng))


def make_xlsx(path: Path, rows: int) -> None:
    import openpyxl

    rng = random.Random(1)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for i in range(rows):
        sheet.append(fake_row(i, rng))
    workbook.save(path)


def run_case(path: Path, plain: bool, stream: bool) -> None:
    """Child process: parse the file and print one line of figures."""
    start = time.perf_counter()
    if plain:
        with open(path, newline="", encoding="utf-8") as f:
            count = sum(1 for _ in csv.reader(f)) - 1
        label = "plain csv.reader"
    else:
        sys.path.insert(0, str(ROOT))
        from jobs.files import workbooks
        from jobs.files.parsing import Record, open_table

        if stream:  # force the openpyxl read-only path used for sheets too big for calamine
            workbooks.CALAMINE_MAX_SHEET_BYTES = 0
        table = open_table(path, path.name)
        count = sum(1 for item in table.records() if isinstance(item, Record))
        label = "open_table+records" + (" (openpyxl)" if stream else "")
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{path.name:>14}  {label:<31} {count:>9,} items  {seconds:7.2f} s  "
        f"{count / seconds:>10,.0f} items/s  peak RSS {peak_mb:6.0f} MB"
    )


def main(quick: bool = False, rows_csv: int | None = None, rows_xlsx: int | None = None) -> dict:
    """Generate the files when missing, then measure each case in a fresh process."""
    rows_csv = rows_csv or (100_000 if quick else 1_000_000)
    rows_xlsx = rows_xlsx or (10_000 if quick else 100_000)
    DATA.mkdir(parents=True, exist_ok=True)
    csv_path = DATA / f"orders_{rows_csv}.csv"
    xlsx_path = DATA / f"orders_{rows_xlsx}.xlsx"
    for path, make, rows in (
        (csv_path, make_csv, rows_csv),
        (xlsx_path, make_xlsx, rows_xlsx),
    ):
        if not path.exists():
            print(f"generating {path.name} ...", flush=True)
            make(path, rows)
    me = [sys.executable, __file__, "--case"]
    cases = {
        "baseline: plain csv.reader": [*me, str(csv_path), "--plain"],
        "CSV, open_table + records": [*me, str(csv_path)],
        "XLSX, calamine": [*me, str(xlsx_path)],
        "XLSX, openpyxl streaming": [*me, str(xlsx_path), "--stream"],
    }
    figures = {}
    for label, command in cases.items():
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        figures[label] = " ".join(done.stdout.split())
        print(done.stdout, end="", flush=True)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows-csv", type=int)
    parser.add_argument("--rows-xlsx", type=int)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stream", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(Path(args.case), args.plain, args.stream)
    else:
        main(args.quick, args.rows_csv, args.rows_xlsx)
