"""Print how fast the sandbox provider answers: numbers per second and microseconds per number.

Run: .venv/bin/python bench/sandbox_fetch.py [count]   (default 100000, in batches of max_batch)
"""

import sys
import time
from datetime import UTC, datetime, timedelta

from jobs.providers.base import Query
from jobs.providers.sandbox import SandboxProvider


def main(count: int = 100_000) -> None:
    """Fetch `count` synthetic numbers in provider-sized batches and print the figures."""
    registered = datetime(2026, 11, 1, tzinfo=UTC)
    provider = SandboxProvider(now=lambda: registered + timedelta(days=10))
    queries = [Query(f"PD{i:010d}XX", None, registered) for i in range(count)]
    started = time.perf_counter()
    events = 0
    for start in range(0, count, provider.max_batch):
        results = provider.fetch(queries[start : start + provider.max_batch])
        events += sum(len(r.events) for r in results.values())
    elapsed = time.perf_counter() - started
    print(f"sandbox fetch: {count} numbers, {events} events in {elapsed:.2f} s")
    print(f"  {count / elapsed:,.0f} numbers/s, {elapsed / count * 1e6:.1f} us/number")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
