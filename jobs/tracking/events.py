"""The tracking event value type shared by providers, the classifier and the database layer."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Event:
    """One carrier scan: when (timezone-aware UTC), what the carrier wrote, where, native code."""

    time: datetime
    text: str
    location: str | None = None
    code: str | None = None  # provider-native status code of this event, if any
