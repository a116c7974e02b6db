"""The one small interface every tracking provider implements."""

from dataclasses import dataclass, field
from datetime import datetime

from jobs.tracking.events import Event


class ProviderError(Exception):
    """A failure of the whole request."""


class TransientError(ProviderError):
    """Timeouts, 5xx, 429: try again later, after `retry_after` seconds when the provider says."""

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(ProviderError):
    """Bad credentials, quota exhausted: retrying will not help until an operator acts."""


@dataclass(frozen=True)
class Query:
    """One number to track, with the carrier detection decided (None when unknown)."""

    number: str
    carrier: str | None = None
    registered_at: datetime | None = None  # when Parceldesk first saw it; the sandbox anchors here


@dataclass
class Result:
    """What a provider knows of one number.

    `native_status` / `native_substatus` are the provider's own codes for the parcel as a whole
    (17TRACK main/sub status, AfterShip tag/subtag) or None; `error` is a per-number problem:
    "unknown_number", "unsupported_carrier", "expired" or "invalid" (the classifier maps it).
    """

    number: str
    events: list[Event] = field(default_factory=list)
    native_status: str | None = None
    native_substatus: str | None = None
    provider: str = ""
    error: str | None = None


class Provider:
    """Fetch a batch of numbers; never decides a status (the classifier does)."""

    name = "base"
    max_batch = 40

    def fetch(self, queries: list[Query]) -> dict[str, Result]:
        """Return a Result for every query's number (keyed by number); raise ProviderError."""
        raise NotImplementedError
