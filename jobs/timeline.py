"""Reads a parcel's events in time order and keeps the latest meaningful state they show."""

from dataclasses import dataclass
from datetime import UTC, datetime

from jobs.events import Event
from jobs.native_codes import native_pair
from jobs.phrases import match_text

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


def event_signal(event: Event, provider: str | None) -> tuple[str, str] | None:
    """Return what one event says about the state: native code first, then its text."""
    native = native_pair(event.code, provider)
    text = match_text(event.text) if event.text else None
    if native is None or native[0] in _NO_SIGNAL:
        return text if text and text[0] not in _NO_SIGNAL else None
    if text and text[0] == native[0] and native[1] == GENERIC_REASON.get(native[0]):
        return text
    return native


def _utc_day(event: Event):
    return event.time.astimezone(UTC).date()


def _accepts(state: State, signal: tuple[str, str], event: Event) -> bool:
    """Whether a later event's signal replaces the current state (rules of statuses.md)."""
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


def _next_state(state: State | None, signal: tuple[str, str], event: Event) -> State:
    if state is not None and state.status == "returned" and signal[0] == "delivered":
        signal = ("returned", "returned_to_sender")  # a return delivered is back with the sender
    if state is not None and (state.status, state.reason) == signal:
        return State(signal[0], signal[1], event, state.since)
    return State(signal[0], signal[1], event, event.time)


def latest_state(events: list[Event], provider: str | None = None) -> State | None:
    """Fold the events, oldest first, into the latest meaningful state, or None if none says any."""
    signals = [(event, event_signal(event, provider)) for event in events]
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
            state = _next_state(state, signal, event)
    return state
