"""Waiting in tests: for a condition, polled, with a deadline far beyond any machine's load.

A test that sleeps a guessed "long enough" fails on a busy machine and wastes time on an idle
one; `wait_until` returns as soon as the condition holds and fails only when it never does.
"""

import time

DEADLINE = 60.0  # seconds: generous, so only a real hang (not a loaded machine) runs out


def wait_until(condition, timeout: float = DEADLINE, interval: float = 0.02, message: str = ""):
    """Poll `condition()` until it returns a truthy value, and return that value.

    Exceptions from `condition` count as "not yet". Raises AssertionError after `timeout`
    seconds, with `message` (and the last exception, if any).
    """
    deadline = time.monotonic() + timeout
    error = None
    while True:
        try:
            value = condition()
        except Exception as exc:  # noqa: BLE001 - not ready yet; reported if it never is
            value, error = None, exc
        if value:
            return value
        if time.monotonic() >= deadline:
            detail = f" (last error: {error!r})" if error else ""
            raise AssertionError(f"{message or 'condition'} not met within {timeout} s{detail}")
        time.sleep(interval)
