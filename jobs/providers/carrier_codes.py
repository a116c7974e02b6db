"""Parceldesk carrier keys to each provider's carrier code (config/provider_carriers.json)."""

import json
from pathlib import Path

from config import CONFIG_DIR

CODES_FILE = CONFIG_DIR / "provider_carriers.json"
KINDS = {"17track": int, "aftership": str}


class CarrierCodesError(ValueError):
    """The carrier code file is malformed; the message says where."""


def load_codes(path: Path = CODES_FILE) -> dict[str, dict]:
    """Load and validate the mapping {provider: {carrier key: provider code}}."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CarrierCodesError(f"{path}: {exc}") from exc
    for provider, kind in KINDS.items():
        table = data.get(provider)
        if not isinstance(table, dict):
            raise CarrierCodesError(f"{path}: needs an object for {provider!r}")
        for key, code in table.items():
            if type(code) is not kind:
                raise CarrierCodesError(f"{path}: {provider}.{key} must be {kind.__name__}")
    return {provider: data[provider] for provider in KINDS}


_CODES = load_codes()


def provider_carrier(provider: str, carrier: str | None):
    """The provider's code for a carrier key, or None to let the provider detect the carrier."""
    if not carrier:
        return None
    key = str(carrier).strip().lower()
    if provider == "17track" and key.isdigit():  # already a 17TRACK carrier key
        return int(key)
    return _CODES[provider].get(key)
