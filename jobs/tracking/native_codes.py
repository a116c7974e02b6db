"""Provider-native status codes (17TRACK, AfterShip, ...) mapped onto our (status, reason)."""

from functools import cache

from jobs.tracking.taxonomy import REASONS, RuleFileError, check_pair, read_json

PROVIDERS = ("17track", "aftership", "sandbox")


def load_codes(path=None):
    """Return {provider: {code: (status, reason)}} from config/provider_codes.json, validated."""
    data = read_json("provider_codes.json", path)
    where = path or "config/provider_codes.json"
    if not isinstance(data, dict):
        raise RuleFileError(f"{where}: must be an object of providers")
    table = {}
    for provider, codes in data.items():
        if not isinstance(codes, dict):
            raise RuleFileError(f"{where} [{provider}]: must map codes to [status, reason]")
        table[provider] = {}
        for code, pair in codes.items():
            if not (isinstance(pair, list) and len(pair) == 2):
                raise RuleFileError(f"{where} [{provider}/{code}]: must be [status, reason]")
            check_pair(pair[0], pair[1], f"{where} [{provider}/{code}]")
            table[provider][code] = (pair[0], pair[1])
    return table


@cache
def _codes():
    return load_codes()


def native_pair(code, provider=None):
    """Return (status, reason) for a native code, or None when the code is unknown.

    Our own "status/reason" form is accepted from any provider (the sandbox may write it);
    with no provider named, each known vocabulary is tried in turn.
    """
    if not code:
        return None
    code = str(code).strip()
    status, _, reason = code.partition("/")
    if reason in REASONS.get(status, ()):
        return status, reason
    tables = _codes()
    if provider:
        return tables.get(provider, {}).get(code)
    for name in tables:
        if code in tables[name]:
            return tables[name][code]
    return None


def parcel_pair(provider, status, substatus):
    """Map the parcel-level native status/substatus: the substatus first, then the main status."""
    return native_pair(substatus, provider) or native_pair(status, provider)
