"""Log-in throttling per account and per client address, counted in the database."""

import math
from datetime import timedelta

from peewee import fn

from webapp.models import LoginFailure, utcnow

WINDOW = timedelta(minutes=15)
LIMITS = {"email": 5, "addr": 20}  # failures allowed per window before log-ins are refused


def _keys(email: str, address: str) -> dict:
    return {"email": f"email:{email.strip().lower()}", "addr": f"addr:{address}"}


def minutes_blocked(email: str, address: str) -> int:
    """Minutes until a log-in may be tried again (0 when it may be tried now)."""
    since = utcnow() - WINDOW
    waits = []
    for kind, key in _keys(email, address).items():
        count, oldest = (
            LoginFailure.select(fn.COUNT(LoginFailure.id), fn.MIN(LoginFailure.at))
            .where(LoginFailure.key == key, LoginFailure.at > since)
            .tuples()
            .get()
        )
        if count >= LIMITS[kind]:
            waits.append((oldest + WINDOW - utcnow()).total_seconds() / 60)
    return max(1, math.ceil(max(waits))) if waits else 0


def record_failure(email: str, address: str):
    """Count one failed log-in against the account and the address; forget old failures."""
    LoginFailure.delete().where(LoginFailure.at < utcnow() - WINDOW).execute()
    LoginFailure.insert_many([{"key": key} for key in _keys(email, address).values()]).execute()


def clear_account(email: str, address: str):
    """A successful log-in forgives the account's failures."""
    LoginFailure.delete().where(LoginFailure.key == _keys(email, address)["email"]).execute()
