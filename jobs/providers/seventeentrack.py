"""17TRACK Tracking API v2.2 adapter: register numbers, then read their track info."""

import hashlib
import hmac

from jobs.providers.base import (
    PermanentError,
    Provider,
    ProviderError,
    Query,
    Result,
    TransientError,
)
from jobs.providers.carrier_codes import provider_carrier
from jobs.providers.wire import DEFAULT_TIMEOUT, chunks, parse_time, require_shape, send_json
from jobs.tracking.events import Event

BASE_URL = "https://api.17track.net/track/v2.2"
ALREADY_REGISTERED = -18019901
NOT_REGISTERED = -18019902
QUOTA_EXHAUSTED = -18019908  # from 17TRACK's error list as used by integrators
# Whole-request codes: credentials / account problems an operator must fix.
PERMANENT_CODES = {
    -18010001: "IP not on whitelist",
    -18010002: "bad API key",
    -18010004: "account disabled",
    -18010005: "unauthorized",
    QUOTA_EXHAUSTED: "quota exhausted",
}
TRANSIENT_CODES = {-18010003: "17TRACK internal error"}
# Per-number rejections, mapped onto Result.error.
NUMBER_ERRORS = {
    NOT_REGISTERED: "unknown_number",
    -18019903: "unsupported_carrier",
    -18010016: "unsupported_carrier",
    -18010018: "unsupported_carrier",
    -18010019: "unsupported_carrier",
    -18010020: "unsupported_carrier",
    -18010010: "invalid",
    -18010011: "invalid",
    -18010012: "invalid",
    -18010013: "invalid",
    -18010015: "invalid",
}


def verify_webhook(body: bytes, sign: str, key: str) -> bool:
    """True when `sign` is the hex sha256 of the raw body + "/" + the API key."""
    expected = hashlib.sha256(body + b"/" + key.encode("utf-8")).hexdigest()
    return hmac.compare_digest(expected, (sign or "").strip().lower())


def result_from_item(item: dict, provider: str = "17track") -> Result:
    """Translate one gettrackinfo accepted item (or webhook `data`) into a Result."""
    info = item.get("track_info") or {}
    latest = info.get("latest_status") or {}
    raw_events = (
        raw
        for source in _dicts((info.get("tracking") or {}).get("providers"))
        for raw in _dicts(source.get("events"))
    )
    # One scan may be listed by two providers: dict.fromkeys drops repeats in linear time.
    events = sorted(dict.fromkeys(e for e in map(_event, raw_events) if e), key=lambda e: e.time)
    return Result(
        str(item.get("number")),
        events=events,
        native_status=latest.get("status"),
        native_substatus=latest.get("sub_status"),
        provider=provider,
    )


def _dicts(value) -> list:
    """The objects of a JSON list (anything else in it, or a non-list, counts as nothing)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _event(raw: dict) -> Event | None:
    when = parse_time(raw.get("time_utc")) or parse_time(raw.get("time_iso"))
    text = (raw.get("description") or "").strip()
    if when is None or not text:
        return None  # an event without a time cannot be placed in the history
    return Event(when, text, raw.get("location") or None, raw.get("sub_status") or raw.get("stage"))


class SeventeenTrack(Provider):
    """Register then gettrackinfo, 40 numbers per call, `17token` header."""

    name = "17track"
    max_batch = 40

    def __init__(self, api_key: str, base_url: str = "", timeout: float = DEFAULT_TIMEOUT):
        if not api_key:
            raise PermanentError("17TRACK needs an API key (PROVIDER_API_KEY)")
        self.api_key = api_key
        self.base_url = (base_url or BASE_URL).rstrip("/")
        self.timeout = timeout

    def fetch(self, queries: list[Query]) -> dict[str, Result]:
        """Register each batch (already registered is fine), then fetch its track info."""
        results = {}
        for batch in chunks(list(queries), self.max_batch):
            results.update(self._fetch_batch(batch))
        return results

    def _fetch_batch(self, batch: list[Query]) -> dict[str, Result]:
        _registered, rejected = self._call("register", [self._item(q) for q in batch])
        failed = {n: err for n, err in rejected.items() if err != ALREADY_REGISTERED}
        results = {
            n: self._error_result(n, code)
            for n, code in failed.items()
            if code in NUMBER_ERRORS and code != NOT_REGISTERED
        }
        settled = {number.upper() for number in results}
        wanted = [q for q in batch if q.number.upper() not in settled]
        if wanted:
            infos, info_rejected = self._call("gettrackinfo", [self._item(q) for q in wanted])
            for item in infos:
                result = result_from_item(item, self.name)
                results[result.number] = result
            for number, code in info_rejected.items():
                results[number] = self._error_result(number, failed.get(number, code))
        return self._keyed_like_queries(batch, results)

    def _keyed_like_queries(self, batch: list[Query], results: dict) -> dict[str, Result]:
        """Key results by the numbers as asked (the API may change case); fill silent gaps."""
        by_upper = {number.upper(): result for number, result in results.items()}
        keyed = {}
        for q in batch:  # a number the API silently skipped: nothing known yet, ask again later
            result = by_upper.get(q.number.upper()) or Result(q.number, provider=self.name)
            result.number = q.number
            keyed[q.number] = result
        return keyed

    def _error_result(self, number: str, code: int) -> Result:
        return Result(number, provider=self.name, error=NUMBER_ERRORS.get(code, "invalid"))

    @staticmethod
    def _item(query: Query) -> dict:
        item = {"number": query.number}
        carrier = provider_carrier("17track", query.carrier)
        if carrier is not None:  # otherwise 17TRACK detects the carrier itself
            item["carrier"] = carrier
        return item

    def check_connection(self) -> str:
        """Ask for the quota (costs nothing); return a short summary or raise ProviderError."""
        data = self._post("getquota", {})
        return (
            f"17TRACK key accepted: {data.get('quota_remain', '?')} of "
            f"{data.get('quota_total', '?')} tracking quota left"
        )

    def _post(self, endpoint: str, payload) -> dict:
        """POST to an endpoint; return the envelope's `data` or raise the taxonomy's error."""
        headers = {"17token": self.api_key, "Content-Type": "application/json"}
        url = f"{self.base_url}/{endpoint}"
        status, body = send_json("POST", url, headers, payload, self.timeout)
        require_shape(isinstance(body, dict) and "code" in body, f"{endpoint}: no envelope")
        self._check_code(body, status)
        data = body.get("data") or {}
        require_shape(isinstance(data, dict), f"{endpoint}: data is not an object")
        return data

    def _call(self, endpoint: str, items: list[dict]):
        """POST one batch; return (accepted items, {number: rejection code})."""
        if len(items) > self.max_batch:
            raise ProviderError(f"at most {self.max_batch} numbers per 17TRACK call")
        data = self._post(endpoint, items)
        accepted = [a for a in data.get("accepted") or [] if isinstance(a, dict)]
        accepted = [a for a in accepted if a.get("number")]
        rejected = {}
        for item in data.get("rejected") or []:
            code = ((item or {}).get("error") or {}).get("code")
            if code in PERMANENT_CODES:
                raise PermanentError(f"17TRACK: {PERMANENT_CODES[code]}")
            if isinstance(item, dict) and item.get("number"):
                rejected[str(item["number"])] = code
        return accepted, rejected

    @staticmethod
    def _check_code(body: dict, status: int):
        code = body.get("code")
        if code in PERMANENT_CODES:
            raise PermanentError(f"17TRACK: {PERMANENT_CODES[code]}")
        if code in TRANSIENT_CODES:
            raise TransientError(f"17TRACK: {TRANSIENT_CODES[code]}")
        if code != 0 or status >= 400:
            message = body.get("message") or body
            raise ProviderError(f"17TRACK: HTTP {status}, code {code}: {message}")
