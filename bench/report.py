"""Figures as markdown, and the machine they were measured on."""

import os
import platform
import re
import sqlite3
import subprocess
from datetime import UTC, datetime


def table(figures: dict) -> str:
    """A two-column markdown table of a benchmark's figures (nested dicts flattened)."""
    lines = ["| figure | value |", "|---|---|"]
    lines += [f"| {key} | {_format(value)} |" for key, value in _flat(figures)]
    return "\n".join(lines)


def _flat(figures, prefix=""):
    for key, value in figures.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key} / ")
        else:
            yield f"{prefix}{key}", value


def _format(value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:,}" if isinstance(value, int) or value >= 100 else f"{value:g}"


def machine() -> dict:
    """Cores, memory, CPU model, load, software versions and the date of this run."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "memory": f"{_meminfo_gb():.1f} GB",
        "CPU": _cpu_model(),
        "load average at start (1 min)": round(os.getloadavg()[0], 2),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": _postgresql_version(),
    }


def _meminfo_gb() -> float:
    try:
        with open("/proc/meminfo") as info:
            return int(info.readline().split()[1]) / 1024 / 1024
    except OSError:
        return 0.0


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _postgresql_version() -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        import psycopg2

        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"{cursor.fetchone()[0]} (server)"
    try:
        found = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False)
        version = re.search(r"\d+(\.\d+)+", found.stdout)
        return f"{version.group(0) if version else '?'} (client only: BENCH_DATABASE_URL unset)"
    except OSError:
        return "not installed"
