"""Print how fast the sandbox provider answers: numbers per second and microseconds per number.

Run: .venv/bin/python -m bench.bench_sandbox [count]   (default 100000, in batches of max_batch)
"""

import sys
import time
from datetime import UTC, datetime, timedelta

from jobs.providers.base import Query
from jobs.providers.sandbox import SandboxProvider


def main(quick: bool = False, count: int | None = None) -> dict:
    """Fetch `count` synthetic numbers in provider-sized batches; return the figures."""
    count = count or (10_000 if quick else 100_000)
    registered = datetime(2026, 11, 1, tzinfo=UTC)
    provider = SandboxProvider(now=lambda: registered + timedelta(days=10))
    queries = [Query(f"PD{i:010d}XX", None, registered) for i in range(count)]
    started = time.perf_counter()
    events = 0
    for start in range(0, count, provider.max_batch):
        results = provider.fetch(queries[start : start + provider.max_batch])
        events += sum(len(r.events) for r in results.values())
    elapsed = time.perf_counter() - started
    return {
        "numbers": count,
        "events": events,
        "numbers/s": round(count / elapsed),
        "µs per number": round(elapsed / count * 1e6, 1),
    }


if __name__ == "__main__":
    for key, value in main(count=int(sys.argv[1]) if len(sys.argv) > 1 else None).items():
        print(f"{key}: {value:,}")
