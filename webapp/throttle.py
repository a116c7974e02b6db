"""Throttles counted in the database: log-in failures per account and per client address, and
other costly actions (sign-ups, uploads, connection tests) per merchant or address.

Every attempt is written (and committed) *before* it is compared with the limit, so the n-th of
many parallel attempts always sees at least n rows: no race lets more than the limit through.
"""

import math
from datetime import timedelta

from peewee import fn

from jobs.store.models import LoginFailure, utcnow

WINDOW = timedelta(minutes=15)
LIMITS = {"email": 5, "addr": 20}  # failures allowed per window before log-ins are refused


def _keys(email: str, address: str) -> dict:
    return {"email": f"email:{email.strip().lower()}", "addr": f"addr:{address}"}


def _minutes_until_free(key: str, limit: int, window: timedelta) -> int:
    """0 when `key` has at most `limit` rows in the window, else minutes until the oldest ages."""
    now = utcnow()
    count, oldest = (
        LoginFailure.select(fn.COUNT(LoginFailure.id), fn.MIN(LoginFailure.at))
        .where(LoginFailure.key == key, LoginFailure.at > now - window)
        .tuples()
        .get()
    )
    if count <= limit:
        return 0
    return max(1, math.ceil((oldest + window - now).total_seconds() / 60))


def _forget_old():
    LoginFailure.delete().where(LoginFailure.at < utcnow() - WINDOW).execute()


def begin_login(email: str, address: str) -> tuple[int, list[int]]:
    """Count a log-in attempt as a failure until it succeeds; (minutes blocked, its row ids).

    A blocked attempt is not counted (waiting out the lock is enough); a successful one is
    taken back by `login_succeeded`.
    """
    _forget_old()
    keys = _keys(email, address)
    ids = [LoginFailure.insert(key=key).execute() for key in keys.values()]
    wait = max(_minutes_until_free(keys[kind], LIMITS[kind], WINDOW) for kind in keys)
    if wait:
        LoginFailure.delete().where(LoginFailure.id.in_(ids)).execute()
    return wait, ids


def login_succeeded(email: str, address: str, ids: list[int]):
    """A successful log-in forgives the account's failures and is not counted itself."""
    key = _keys(email, address)["email"]
    LoginFailure.delete().where((LoginFailure.key == key) | LoginFailure.id.in_(ids)).execute()


def hit(action: str, who, limit: int) -> int:
    """Count one `action` by `who` (a merchant id or a client address); the minutes to wait
    when it went over `limit` in the window (0: go ahead). Refused attempts are not counted."""
    _forget_old()
    row = LoginFailure.insert(key=f"{action}:{who}").execute()
    wait = _minutes_until_free(f"{action}:{who}", limit, WINDOW)
    if wait:
        LoginFailure.delete().where(LoginFailure.id == row).execute()
    return wait
