"""The classifier: the one place that decides a parcel's status, reason and flags (pure)."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from config.settings import TIME_RULES
from jobs.tracking.classify_io import parse_parcel
from jobs.tracking.events import Event
from jobs.tracking.native_codes import PROVIDERS, load_codes, native_pair, parcel_pair
from jobs.tracking.phrases import load_phrases
from jobs.tracking.reading import MERCHANT, MODEL, TextReader
from jobs.tracking.taxonomy import REASONS, STATUSES, explain, load_explanations
from jobs.tracking.timeline import GENERIC_REASON, latest_state

__all__ = [
    "Classification",
    "classify",
    "explain",
    "validate",
    "STATUSES",
    "REASONS",
    "classify_lines",
    "is_terminal",
]

DETECTION_REASONS = {
    "invalid_number": "invalid_number",
    "carrier_unidentified": "carrier_unidentified",
    "carrier_conflict": "carrier_conflict",
    "mangled_by_spreadsheet": "invalid_number",
}
PROVIDER_ERRORS = {
    "unknown_number": "number_expired",
    "expired": "number_expired",
    "invalid": "number_expired",
    "unsupported_carrier": "carrier_unidentified",
}
UNRECOGNISED = "unrecognised"  # events exist but none was understood
_AGEING_NOT_FOUND = ("not_yet_scanned", "number_expired")  # a detection problem never ages away


@dataclass(frozen=True)
class Classification:
    """A parcel's status and reason, what they mean for the merchant, and the derived flags."""

    status: str
    reason: str
    explanation: str
    action: str
    needs_action: bool
    stalled: bool
    days_since_event: int | None
    days_in_transit: int | None
    deciding_event: Event | None
    # True when no rule understood the deciding wording: the learned fallback decided, or no
    # event was understood at all (a parcel with events exists, so it is then in transit).
    inferred: bool = False
    decided_by: str | None = None  # "rule", "code", "merchant", "model", "unrecognised" or None

    def to_json(self) -> dict:
        """Return the JSON-ready dict of the `parceldesk classify` contract."""
        event = self.deciding_event
        return {
            "status": self.status,
            "reason": self.reason,
            "explanation": self.explanation,
            "action": self.action,
            "needs_action": self.needs_action,
            "stalled": self.stalled,
            "days_since_event": self.days_since_event,
            "days_in_transit": self.days_in_transit,
            "inferred": self.inferred,
            "decided_by": self.decided_by,
            "deciding_event": None
            if event is None
            else {
                "time": event.time.isoformat().replace("+00:00", "Z"),
                "text": event.text,
                "location": event.location,
                "code": event.code,
            },
        }


def is_terminal(status: str, reason: str) -> bool:
    """Whether a parcel in this state is not polled again unless the merchant asks."""
    return status in ("delivered", "expired") or (status, reason) == (
        "returned",
        "returned_to_sender",
    )


def validate(config_dir=None) -> None:
    """Load and check every rule file of config/; raise RuleFileError naming the bad entry."""

    def path(name):
        return None if config_dir is None else f"{config_dir}/{name}"

    load_explanations(path("explanations.json"))
    load_codes(path("provider_codes.json"))
    load_phrases(path("phrases.json"))


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)  # naive times are taken as UTC, as everywhere in Parceldesk


def _days(later: datetime, earlier: datetime) -> int:
    return max(0, (later - earlier) // timedelta(days=1))


def _not_found_reason(detection_reason, provider_error):
    if detection_reason is not None:
        if detection_reason not in DETECTION_REASONS:
            raise ValueError(f"unknown detection_reason {detection_reason!r}")
        return DETECTION_REASONS[detection_reason]
    if provider_error is not None:
        if provider_error not in PROVIDER_ERRORS:
            raise ValueError(f"unknown provider_error {provider_error!r}")
        return PROVIDER_ERRORS[provider_error]
    return "not_yet_scanned"


def _only_no_tracking_messages(order, provider, reader) -> str | None:
    """The not_found reason when every event is a message that the number has no tracking
    (read by a rule as not_found, no code of its own), else None: such a message is no scan."""
    if reader is None:
        from jobs.tracking.reading import default_reader

        reader = default_reader()
    reason = None
    for event in order:
        read = reader.read(event.text) if event.text else None
        if read is None or read[0] != "not_found" or native_pair(event.code, provider):
            return None
        reason = read[1]
    return reason


def _decide(events, provider, native, detection_reason, provider_error, reader, merchant_rules):
    """Status, reason, deciding event, when the state began and what decided, before time rules."""
    state = latest_state(events, provider, reader, merchant_rules)
    unread = native is None or native[0] in ("not_found",)
    if state is None and events and unread:
        order = sorted(events, key=lambda e: (e.time, e.text, e.location or "", e.code or ""))
        none_found = _only_no_tracking_messages(order, provider, reader)
        if none_found is not None:  # "no tracking information for this number" is no scan
            return "not_found", none_found, None, None, None
        # events prove the parcel exists, even when no event is understood: never not_found
        first, latest = order[0], order[-1]
        return "in_transit", "in_transit", latest, first.time, UNRECOGNISED
    if native is not None and (state is None or native[0] not in ("not_found",)):
        if state is not None and state.how == MERCHANT:  # the merchant's own reading wins
            return state.status, state.reason, state.event, state.since, state.how
        if state is not None and state.status == "returned" and native[0] != "returned":
            return state.status, state.reason, state.event, state.since, state.how
        if state is not None and state.status == native[0]:
            refine = native[1] == GENERIC_REASON.get(native[0])
            how = state.how if refine else "code"
            return native[0], state.reason if refine else native[1], state.event, state.since, how
        event = state.event if state is not None else None
        return native[0], native[1], event, event.time if event else None, "code"
    if state is not None:
        return state.status, state.reason, state.event, state.since, state.how
    reason = _not_found_reason(detection_reason, provider_error)
    if native is not None and reason == "not_yet_scanned":
        reason = native[1]
    return "not_found", reason, None, None, None


def _apply_time_rules(status, reason, since, last_event, registered_at, now, rules):
    """Age the decision: expiry, never found, collection deadline (the time rules in settings)."""
    if status == "not_found" and reason in _AGEING_NOT_FOUND and registered_at is not None:
        if now - registered_at >= timedelta(days=rules["NOT_FOUND_EXPIRE_DAYS"]):
            return "expired", "never_found"
    elif status not in ("delivered", "returned", "expired", "not_found") and last_event:
        if now - last_event >= timedelta(days=rules["EXPIRE_AFTER_DAYS"]):
            return "expired", "no_updates"
    if (status, reason) == ("pick_up", "awaiting_collection") and since is not None:
        if now - since >= timedelta(days=rules["PICKUP_WARNING_DAYS"]):
            return "pick_up", "collection_deadline_near"
    return status, reason


def _needs_action(status, reason, stalled, registered_at, now, rules):
    if status in ("alert", "undelivered", "returned", "expired") or stalled:
        return True
    if (status, reason) == ("pick_up", "collection_deadline_near"):
        return True
    return (
        status == "not_found"
        and registered_at is not None
        and (now - registered_at > timedelta(days=rules["NOT_FOUND_ACTION_DAYS"]))
    )


def classify(
    *,
    events: list[Event],
    now: datetime,
    settings: Mapping,
    detection_reason: str | None = None,
    native_status: str | None = None,
    native_substatus: str | None = None,
    provider: str | None = None,
    provider_error: str | None = None,
    registered_at: datetime | None = None,
    shipped_at: datetime | None = None,
    merchant_rules: Mapping[str, tuple[str, str]] | None = None,
    reader: TextReader | None = None,
) -> Classification:
    """Decide status, reason, explanation, action and flags from everything known of one parcel.

    `merchant_rules` maps a wording (`jobs.tracking.reading.wording_key`) to the (status, reason)
    the merchant taught; `reader` reads texts (default: the rule tables plus the learned fallback).
    """
    if provider is not None and provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}")
    rules = {key: settings.get(key, default) for key, default in TIME_RULES.items()}
    now, registered_at, shipped_at = _utc(now), _utc(registered_at), _utc(shipped_at)
    events = [
        e if e.time.tzinfo else Event(_utc(e.time), e.text, e.location, e.code) for e in events
    ]
    native = parcel_pair(provider, native_status, native_substatus)
    status, reason, deciding, since, how = _decide(
        events, provider, native, detection_reason, provider_error, reader, merchant_rules
    )
    last_event = max((e.time for e in events), default=None)
    status, reason = _apply_time_rules(status, reason, since, last_event, registered_at, now, rules)
    stalled = (
        status == "in_transit"
        and last_event is not None
        and (now - last_event >= timedelta(days=rules["STALLED_AFTER_DAYS"]))
    )
    start = shipped_at or min((e.time for e in events), default=None)
    finished = status == "delivered" or (status, reason) == ("returned", "returned_to_sender")
    end = deciding.time if finished and deciding is not None else now
    explanation, action = explain(status, reason)
    return Classification(
        status=status,
        reason=reason,
        explanation=explanation,
        action=action,
        needs_action=_needs_action(status, reason, stalled, registered_at, now, rules),
        stalled=stalled,
        days_since_event=_days(now, last_event) if last_event else None,
        days_in_transit=_days(end, start) if start else None,
        deciding_event=deciding,
        inferred=how in (UNRECOGNISED, MODEL),
        decided_by=how,
    )


def classify_lines(
    lines: Iterable[str], settings: Mapping | None = None, now: datetime | None = None
) -> Iterator[dict]:
    """Classify JSON lines (the `parceldesk classify` contract): one dict out per non-blank line,
    errors too."""
    settings = TIME_RULES if settings is None else settings
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            parcel, kwargs = parse_parcel(line, now or datetime.now(UTC))
            result = classify(settings=settings, **kwargs).to_json()
        except (ValueError, TypeError, KeyError, RecursionError, OverflowError) as exc:
            yield {"error": f"line {number}: {exc}"}
            continue
        yield {**{k: parcel[k] for k in ("number", "carrier") if k in parcel}, **result}
