"""AfterShip Tracking adapter (dated API): list trackings by number, create the missing ones."""

import base64
import hashlib
import hmac
import urllib.parse

from jobs.providers.base import PermanentError, Provider, ProviderError, Query, Result
from jobs.providers.carrier_codes import provider_carrier
from jobs.providers.wire import (
    DEFAULT_TIMEOUT,
    chunks,
    parse_time,
    require_shape,
    send_json,
)
from jobs.tracking.events import Event

API_VERSION = "2026-01"
BASE_URL = f"https://api.aftership.com/tracking/{API_VERSION}"
ALREADY_EXISTS = 4003
# meta.code of a failed create, mapped onto Result.error.
# meta.code list as in AfterShip's generated SDKs: 4004 does not exist, 4005/4017 invalid number,
# 4010 invalid slug, 4012 courier not detected; any other 4xxx is treated as an invalid request.
NUMBER_ERRORS = {
    4004: "unknown_number",
    4005: "invalid",
    4017: "invalid",
    4010: "unsupported_carrier",
    4012: "unsupported_carrier",
}


def verify_webhook(body: bytes, signature: str, secret: str) -> bool:
    """True when `signature` (aftership-hmac-sha256) is base64 HMAC-SHA256 of the raw body."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii"), (signature or "").strip())


def result_from_tracking(tracking: dict, provider: str = "aftership") -> Result:
    """Translate one AfterShip tracking object (API or webhook `msg`) into a Result."""
    events = [e for e in map(_event, tracking.get("checkpoints") or []) if e]
    events.sort(key=lambda e: e.time)
    return Result(
        str(tracking.get("tracking_number")),
        events=events,
        native_status=tracking.get("tag"),
        native_substatus=tracking.get("subtag"),
        provider=provider,
    )


def _event(checkpoint: dict) -> Event | None:
    when = parse_time(checkpoint.get("checkpoint_time"))
    text = (checkpoint.get("message") or "").strip()
    if when is None or not text:
        return None  # a checkpoint without a time cannot be placed in the history
    place = checkpoint.get("location") or ", ".join(
        p
        for p in (
            checkpoint.get("city"),
            checkpoint.get("state"),
            checkpoint.get("country_region") or checkpoint.get("country_iso3"),
        )
        if p
    )
    return Event(when, text, place or None, checkpoint.get("subtag") or checkpoint.get("tag"))


class AfterShip(Provider):
    """GET /trackings?tracking_numbers=… for known numbers, POST /trackings for new ones."""

    name = "aftership"
    max_batch = 40

    def __init__(self, api_key: str, base_url: str = "", timeout: float = DEFAULT_TIMEOUT):
        if not api_key:
            raise PermanentError("AfterShip needs an API key (PROVIDER_API_KEY)")
        self.api_key = api_key
        self.base_url = (base_url or BASE_URL).rstrip("/")
        self.timeout = timeout

    def fetch(self, queries: list[Query]) -> dict[str, Result]:
        """Read existing trackings in batches; create (and report) the numbers AfterShip lacks."""
        results = {}
        for batch in chunks(list(queries), self.max_batch):
            found = self._list([q.number for q in batch])
            for query in batch:
                tracking = self._pick(found.get(query.number.upper(), []))
                results[query.number] = (
                    result_from_tracking(tracking, self.name) if tracking else self._create(query)
                )
        return results

    def check_connection(self) -> str:
        """List one tracking to prove the key works; return a short summary or raise."""
        status, body = send_json(
            "GET", f"{self.base_url}/trackings?limit=1", self._headers(), timeout=self.timeout
        )
        self._data(status, body, "GET /trackings")
        return f"AfterShip key accepted (API {API_VERSION})"

    def _headers(self) -> dict:
        return {"as-api-key": self.api_key, "Content-Type": "application/json"}

    def _list(self, numbers: list[str]) -> dict[str, list[dict]]:
        query = urllib.parse.urlencode({"tracking_numbers": ",".join(numbers), "limit": 200})
        status, body = send_json(
            "GET", f"{self.base_url}/trackings?{query}", self._headers(), timeout=self.timeout
        )
        data = self._data(status, body, "GET /trackings")
        trackings = data.get("trackings")
        require_shape(isinstance(trackings, list), "GET /trackings: no trackings list")
        found = {}
        for tracking in trackings:
            if isinstance(tracking, dict) and tracking.get("tracking_number"):
                number = str(tracking["tracking_number"]).upper()  # match whatever case comes back
                found.setdefault(number, []).append(tracking)
        return found

    @staticmethod
    def _pick(trackings: list[dict]) -> dict | None:
        # The same number can exist under several couriers; the latest updated one is current.
        return max(trackings, key=lambda t: t.get("updated_at") or "", default=None)

    def _create(self, query: Query) -> Result:
        payload = {"tracking_number": query.number}
        slug = provider_carrier("aftership", query.carrier)
        if slug:  # otherwise AfterShip detects the courier itself
            payload["slug"] = slug
        status, body = send_json(
            "POST", f"{self.base_url}/trackings", self._headers(), payload, self.timeout
        )
        code = self._meta_code(body, status)
        if status < 300 and code < 300:
            data = self._data(status, body, "POST /trackings")
            return result_from_tracking({**data, "tracking_number": query.number}, self.name)
        if code == ALREADY_EXISTS:  # created meanwhile; its checkpoints come on the next check
            return Result(query.number, provider=self.name)
        if code in NUMBER_ERRORS or 4000 <= code < 5000:
            error = NUMBER_ERRORS.get(code, "invalid")
            return Result(query.number, provider=self.name, error=error)
        raise ProviderError(f"AfterShip create: HTTP {status}, meta.code {code}")

    @staticmethod
    def _meta_code(body, status: int) -> int:
        meta = body.get("meta") if isinstance(body, dict) else None
        code = meta.get("code") if isinstance(meta, dict) else None
        return code if isinstance(code, int) else status

    def _data(self, status: int, body, what: str) -> dict:
        """The `data` object of a successful reply; raise for envelope-level errors."""
        require_shape(isinstance(body, dict), f"{what}: not an object")
        code = self._meta_code(body, status)
        if code in (401, 402, 403):
            raise PermanentError(f"AfterShip {what}: meta.code {code}")
        if status >= 300 or code >= 300:
            raise ProviderError(f"AfterShip {what}: HTTP {status}, meta.code {code}")
        data = body.get("data")
        require_shape(isinstance(data, dict), f"{what}: data is not an object")
        return data
