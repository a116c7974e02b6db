"""The eight statuses and their reason codes, with the explanations merchants read."""

import json
from functools import cache
from pathlib import Path

from config import CONFIG_DIR

# Stable keys in the order the grid shows the tabs; labels are for people.
STATUSES = [
    ("not_found", "Not found"),
    ("in_transit", "In transit"),
    ("pick_up", "Pick up"),
    ("undelivered", "Undelivered"),
    ("delivered", "Delivered"),
    ("alert", "Alert"),
    ("expired", "Expired"),
    ("returned", "Returned"),
]

REASONS = {
    "not_found": [
        "invalid_number",
        "carrier_unidentified",
        "carrier_conflict",
        "not_yet_scanned",
        "number_expired",
    ],
    "in_transit": [
        "info_received",
        "departed_origin",
        "transit_third_country",
        "in_customs",
        "customs_cleared",
        "arrived_destination",
        "in_transit",
    ],
    "pick_up": ["out_for_delivery", "awaiting_collection", "collection_deadline_near"],
    "undelivered": [
        "recipient_absent",
        "recipient_unreachable",
        "address_not_found",
        "recipient_refused",
        "tax_unpaid",
        "remote_area",
        "attempt_failed",
    ],
    "delivered": ["delivered", "left_in_mailbox", "left_at_door", "left_with_neighbour", "signed"],
    "alert": [
        "tax_refused",
        "customs_issue",
        "prohibited_item",
        "lost",
        "damaged",
        "wrong_address",
        "recipient_unreachable",
        "recipient_refused",
        "exception",
    ],
    "expired": ["no_updates", "never_found"],
    "returned": [
        "returning",
        "returned_to_sender",
        "returned_by_customs",
        "returned_unclaimed",
        "returned_refused",
        "returned_bad_address",
    ],
}

STATUS_KEYS = [key for key, _ in STATUSES]


class RuleFileError(ValueError):
    """A rule file under config/ is malformed; the message names the file and the bad entry."""


def check_pair(status, reason, where):
    """Raise RuleFileError unless (status, reason) is a known pair of the taxonomy."""
    if status not in REASONS:
        raise RuleFileError(f"{where}: unknown status {status!r}")
    if reason not in REASONS[status]:
        raise RuleFileError(f"{where}: reason {reason!r} is not a reason of status {status!r}")


def read_json(name, path=None):
    """Load one JSON rule file from config/ (or `path`); syntax errors become RuleFileError."""
    path = Path(path) if path else CONFIG_DIR / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuleFileError(f"{path}: cannot be read as JSON ({exc})") from None


def load_explanations(path=None):
    """Return {(status, reason): (explanation, action)}, validated to cover every pair exactly."""
    data = read_json("explanations.json", path)
    where = path or "config/explanations.json"
    table = {}
    for status, reasons in data.items():
        if not isinstance(reasons, dict):
            raise RuleFileError(f"{where}: {status!r} must map reason codes to entries")
        for reason, entry in reasons.items():
            check_pair(status, reason, f"{where} [{status}/{reason}]")
            if not isinstance(entry, dict) or not all(
                isinstance(entry.get(k), str) and entry[k].strip()
                for k in ("explanation", "action")
            ):
                raise RuleFileError(
                    f"{where} [{status}/{reason}]: needs non-empty 'explanation' and 'action'"
                )
            table[(status, reason)] = (entry["explanation"], entry["action"])
    missing = [f"{s}/{r}" for s in REASONS for r in REASONS[s] if (s, r) not in table]
    if missing:
        raise RuleFileError(f"{where}: no explanation for {', '.join(missing)}")
    return table


@cache
def _explanations():
    return load_explanations()


def explain(status: str, reason: str) -> tuple[str, str]:
    """Return (explanation, action) in plain words for a merchant."""
    check_pair(status, reason, "explain()")
    return _explanations()[(status, reason)]
