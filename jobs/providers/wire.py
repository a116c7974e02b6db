"""HTTP and time helpers shared by the provider adapters (standard library only)."""

import http.client
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from jobs.providers.base import PermanentError, ProviderError, TransientError

DEFAULT_TIMEOUT = 20.0
PERMANENT_HTTP = {401: "bad credentials", 402: "quota exhausted", 403: "access denied"}


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Parse a Retry-After header (seconds or an HTTP date) into seconds, or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def send_json(method: str, url: str, headers: dict, payload=None, timeout=DEFAULT_TIMEOUT):
    """Send one request; return (HTTP status, parsed JSON) or raise the taxonomy's error.

    Timeouts, connection failures, 5xx, 429 and unparseable bodies raise TransientError;
    401/402/403 raise PermanentError; other statuses are returned for the adapter to read.
    """
    data = None if payload is None else json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _parse(response.read(), url)
    except urllib.error.HTTPError as exc:
        with exc:
            return _http_error(exc, url)
    except TimeoutError as exc:
        raise TransientError(f"timeout calling {url}") from exc
    except (urllib.error.URLError, ConnectionError, http.client.HTTPException) as exc:
        raise TransientError(f"cannot reach {url}: {exc}") from exc


def _http_error(exc: urllib.error.HTTPError, url: str):
    status = exc.code
    body = exc.read()
    if status == 429:
        retry = retry_after_seconds(exc.headers.get("Retry-After"))
        if retry is None:  # AfterShip states the reset moment instead (epoch seconds)
            retry = _reset_seconds(exc.headers.get("X-RateLimit-Reset"))
        raise TransientError(f"rate limited by {url}", retry_after=retry)
    if status >= 500:
        raise TransientError(f"HTTP {status} from {url}")
    if status in PERMANENT_HTTP:
        raise PermanentError(f"HTTP {status} ({PERMANENT_HTTP[status]}) from {url}")
    try:
        return status, json.loads(body)
    except ValueError:
        raise ProviderError(f"HTTP {status} from {url}") from None


def _reset_seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value) - datetime.now(UTC).timestamp())
    except (TypeError, ValueError):
        return None


def _parse(body: bytes, url: str):
    try:
        return json.loads(body)
    except ValueError as exc:
        raise TransientError(f"malformed JSON from {url}") from exc


def parse_time(value) -> datetime | None:
    """Parse ISO 8601 into aware UTC (naive means UTC); None when absent or unparseable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def chunks(items: list, size: int):
    """Yield consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def require_shape(condition: bool, what: str):
    """Raise TransientError when a response lacks the documented shape (a garbled reply)."""
    if not condition:
        raise TransientError(f"unexpected response shape: {what}")
