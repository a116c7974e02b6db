"""Reads a parcel's events in time order and keeps the latest meaningful state they show."""

from dataclasses import dataclass
from datetime import UTC, datetime

from jobs.tracking.events import Event
from jobs.tracking.native_codes import native_pair
from jobs.tracking.reading import MERCHANT, RULE, TextReader, wording_key

# Reasons that only say "something of this status": a more precise text rule may refine them.
GENERIC_REASON = {
    "in_transit": "in_transit",
    "undelivered": "attempt_failed",
    "alert": "exception",
    "delivered": "delivered",
    "returned": "returning",
}
# When events share a timestamp, the more final state is read last, so it decides.
PRECEDENCE = {
    s: i
    for i, s in enumerate(
        [
            "not_found",
            "expired",
            "in_transit",
            "pick_up",
            "undelivered",
            "alert",
            "delivered",
            "returned",
        ]
    )
}
WEAK = ("in_transit", "in_transit")  # generic movement: says nothing new about the state
_NO_SIGNAL = ("not_found", "expired")  # parcel-level ideas, meaningless on a single scan


@dataclass(frozen=True)
class State:
    """The state a run of events established, the event that decided it, and when it began."""

    status: str
    reason: str
    event: Event
    since: datetime
    how: str = RULE  # what decided: "code", "rule", "merchant" or "model" (the learned fallback)


def event_signal(
    event: Event, provider: str | None, reader: TextReader, merchant_rules=None
) -> tuple[tuple[str, str] | None, str]:
    """Return what one event says about the state, and how: merchant rule, code, then text."""
    if merchant_rules and event.text:
        taught = merchant_rules.get(wording_key(event.text))
        if taught is not None:
            return tuple(taught), MERCHANT
    native = native_pair(event.code, provider)
    read = reader.read(event.text) if event.text else None
    text, how = (read[:2], read[2]) if read else (None, RULE)
    if native is None or native[0] in _NO_SIGNAL:
        return (text, how) if text and text[0] not in _NO_SIGNAL else (None, how)
    if text and text[0] == native[0] and native[1] == GENERIC_REASON.get(native[0]):
        return text, how
    return native, "code"


def _utc_day(event: Event):
    return event.time.astimezone(UTC).date()


def _accepts(state: State, signal: tuple[str, str], event: Event) -> bool:
    """Whether a later event's signal replaces the current state: the later scan wins, except
    that a return stays a return, progress scans after a delivery are late echoes, and a weak
    scan replaces a more telling state only on a later day."""
    status = signal[0]
    if state.status == "returned":  # any return event keeps the parcel returned
        return status in ("returned", "delivered")
    if status == "returned":
        return True
    if state.status == "delivered" and status in ("in_transit", "pick_up"):
        return False  # progress scans after delivery are late echoes, not a new state
    if signal == WEAK and (state.status, state.reason) != WEAK:
        return _utc_day(event) > _utc_day(state.event)
    return True


def _next_state(state: State | None, signal: tuple[str, str], event: Event, how: str) -> State:
    if state is not None and state.status == "returned" and signal[0] == "delivered":
        signal = ("returned", "returned_to_sender")  # a return delivered is back with the sender
    if state is not None and (state.status, state.reason) == signal:
        return State(signal[0], signal[1], event, state.since, how)
    return State(signal[0], signal[1], event, event.time, how)


def latest_state(
    events: list[Event],
    provider: str | None = None,
    reader: TextReader | None = None,
    merchant_rules=None,
) -> State | None:
    """Fold the events, oldest first, into the latest meaningful state, or None if none says any."""
    if not events:  # every new shipment: no reader needed (building one trains the model)
        return None
    if reader is None:
        from jobs.tracking.reading import default_reader

        reader = default_reader()
    read = [(event, event_signal(event, provider, reader, merchant_rules)) for event in events]
    signals = [(event, signal) for event, (signal, _) in read]
    hows = {id(event): how for event, (_, how) in read}
    signals.sort(
        key=lambda pair: (
            pair[0].time,
            PRECEDENCE[pair[1][0]] if pair[1] else -1,
            pair[0].text or "",
            pair[0].location or "",
            pair[0].code or "",
        )
    )
    state = None
    for event, signal in signals:
        if signal is None:
            continue
        if state is None or _accepts(state, signal, event):
            state = _next_state(state, signal, event, hows[id(event)])
    return state
