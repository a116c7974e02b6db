"""Parsing of `parceldesk classify` input lines into classify() arguments, with clear errors."""

import json
from datetime import UTC, datetime

from jobs.tracking.events import Event

_OPTIONAL = ("detection_reason", "native_status", "native_substatus", "provider", "provider_error")
_TIMES = ("registered_at", "shipped_at")


def parse_time(value, field: str) -> datetime:
    """Parse an ISO 8601 time ("Z" allowed); naive times are UTC."""
    if not isinstance(value, str):
        raise ValueError(f"{field} must be an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{field} is not an ISO 8601 time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _optional_str(parcel, key):
    value = parcel.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be a string or null")
    return value


def parse_event(item, index: int) -> Event:
    """Turn one input event object into an Event."""
    if not isinstance(item, dict):
        raise ValueError(f"events[{index}] must be an object")
    text = item.get("text")
    if not isinstance(text, str):
        raise ValueError(f"events[{index}].text must be a string")
    location, code = _optional_str(item, "location"), item.get("code")
    return Event(
        parse_time(item.get("time"), f"events[{index}].time"),
        text,
        location,
        None if code is None else str(code),
    )


def parse_parcel(line: str, default_now: datetime) -> tuple[dict, dict]:
    """Return (the parsed object, the keyword arguments for classify) for one JSON line."""
    try:
        parcel = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc.args[0]})") from None
    if not isinstance(parcel, dict):
        raise ValueError("each line must be a JSON object")
    events = parcel.get("events", [])
    if not isinstance(events, list):
        raise ValueError("events must be a list")
    kwargs = {"events": [parse_event(item, i) for i, item in enumerate(events)]}
    kwargs["now"] = parse_time(parcel["now"], "now") if parcel.get("now") else default_now
    for key in _OPTIONAL:
        kwargs[key] = _optional_str(parcel, key)
    for key in _TIMES:
        kwargs[key] = parse_time(parcel[key], key) if parcel.get(key) else None
    return parcel, kwargs
