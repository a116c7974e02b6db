"""Words for codes: what templates, reports and the CLI show people instead of identifiers."""

from jobs.files.parsing import REASON_MESSAGES
from jobs.tracking.carriers import carrier_name as _carrier_name
from jobs.tracking.classify import STATUSES

STATUS_LABELS = dict(STATUSES)
ROW_REASONS = {
    **REASON_MESSAGES,
    "mangled_by_spreadsheet": "A spreadsheet changed this number (scientific notation or lost "
    "leading zeros). Format the column as text in your spreadsheet and export again.",
}


def status_label(key: str) -> str:
    """'pick_up' → 'Pick up'."""
    return STATUS_LABELS.get(key, key.replace("_", " ").capitalize())


def reason_label(code: str | None) -> str:
    """'recipient_absent' → 'Recipient absent'."""
    return (code or "").replace("_", " ").capitalize()


def reason_text(code: str) -> str:
    """The plain sentence for a rejected row's reason."""
    return ROW_REASONS.get(code, reason_label(code))


def carrier_name(code: str | None) -> str:
    """Display name of a carrier code ('—' when unknown)."""
    return _carrier_name(code) if code else "—"


def extra_fields(shipment) -> list[tuple[str, str]]:
    """The other columns of the shipment's file, as (header, value) in file order."""
    import json

    if not shipment.extra:
        return []
    try:
        return list(json.loads(shipment.extra).items())
    except ValueError:
        return []


TEMPLATE_HELPERS = {
    "extra_fields": extra_fields,
    "status_label": status_label,
    "reason_label": reason_label,
    "reason_text": reason_text,
    "carrier_name": carrier_name,
}
