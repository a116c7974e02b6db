"""Tracking-number detection: normalize a number, check its digits, decide its carrier or why not.

Every rule of config/carriers.json that can match the number's length is tried; conflicts between
carriers are reported (reason `carrier_conflict`) unless the merchant's carrier column or a clearly
stronger format decides. Spreadsheet damage is flagged, never repaired.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from jobs.tracking.carrier_rules import CONFIDENCE, S10_CARRIER, Rule, default_table, hint_key

INVALID = "invalid_number"
UNIDENTIFIED = "carrier_unidentified"
CONFLICT = "carrier_conflict"
MANGLED = "mangled_by_spreadsheet"

_HIGH, _LOW = CONFIDENCE["high"], CONFIDENCE["low"]
# Separators and invisible characters people and spreadsheets put into numbers.
_DROP = dict.fromkeys(
    map(
        ord,
        " \t\r\n\v\f-._'\"`´‘’‚‛“”„‟′″‐‑‒–—―−\u00a0\u1680\u180e\u2000\u2001\u2002"
        "\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d\u2028\u2029"
        "\u202f\u205f\u2060\u3000\ufeff\u00ad",
    )
)
# Scientific notation (9.4001E+21) or a float tail (940011120620.0): the digits are already lost.
_MANGLED = re.compile(r"^(?:\d+(?:[.,]\d+)?E[+-]\d{1,3}|\d{6,}[.,]0+)$")
_MANGLE_MARKS = frozenset(".,eE\uff0e\uff0c\uff45\uff25")
# Spaces, quotes and invisible characters only: the dots and commas are the evidence.
_MANGLE_DROP = {k: None for k in _DROP if chr(k) not in ".-‐‑‒–—―−"}
_MAX_PAD = 3
_NO_RULES: dict = {}


@dataclass(frozen=True, slots=True)
class Detection:
    input: str
    number: str
    valid: bool
    carrier: str | None
    candidates: tuple[str, ...]
    reason: str | None

    def to_json(self) -> dict:
        """The `parceldesk detect` JSON object of this result."""
        return {
            "input": self.input,
            "number": self.number,
            "valid": self.valid,
            "carrier": self.carrier,
            "candidates": list(self.candidates),
            "reason": self.reason,
        }


def _fold(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        # Other scripts' decimal digits (Arabic-Indic, Devanagari ...) read as the same digits.
        text = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    return text.translate(_DROP).upper()


def normalize(raw: str) -> str:
    """Strip separators, quotes and invisible characters, fold full-width forms, upper-case."""
    text = _fold(raw)
    # Upper-casing can create characters NFKC folds again, so non-ASCII text is folded twice.
    return text if text.isascii() else _fold(text)


def is_mangled(raw: str) -> bool:
    """True when a spreadsheet turned the number into scientific notation or a float."""
    if _MANGLE_MARKS.isdisjoint(raw):
        return False
    text = unicodedata.normalize("NFKC", raw).translate(_MANGLE_DROP).upper()
    return _MANGLED.match(text) is not None


def _carrier_of(rule: Rule, match: re.Match) -> str:
    if rule.carrier != S10_CARRIER:
        return rule.carrier
    table = default_table()
    return table.s10_operators.get(match.group("country"), table.s10_fallback)


def _evaluate(number: str) -> tuple[list[tuple[Rule, str]], list[tuple[Rule, str]]]:
    """Try every rule that fits the number's length; return (accepting, failing) matches."""
    accepted: list[tuple[Rule, str]] = []
    failed: list[tuple[Rule, str]] = []
    removed: frozenset[str] = frozenset()
    for rule in default_table().dispatch.get(len(number), _NO_RULES).get(number[0], ()):
        match = rule.regex.match(number)
        if match is None:
            continue
        ok = rule.check is None or rule.check(match.group(rule.group) if rule.group else number)
        (accepted if ok else failed).append((rule, _carrier_of(rule, match)))
        if rule.shadows or (ok and rule.beats):
            removed = removed | rule.shadows | (rule.beats if ok else frozenset())
    if removed:
        accepted = [(r, c) for r, c in accepted if r.id not in removed]
        failed = [(r, c) for r, c in failed if r.id not in removed]
    return accepted, failed


def _ranked(matches: list[tuple[Rule, str]]) -> list[tuple[str, int]]:
    """Carriers with their best confidence, strongest first, rule-table order within a level."""
    best: dict[str, int] = {}
    for rule, carrier in matches:
        best[carrier] = max(best.get(carrier, 0), rule.rank)
    return sorted(best.items(), key=lambda item: -item[1])


@lru_cache(maxsize=1024)
def hint_carriers(hint: str | None) -> frozenset[str]:
    """Carrier codes a free-text carrier column value may mean ("DHL" means several)."""
    if not hint:
        return frozenset()
    return default_table().hints.get(hint_key(hint), frozenset())


def _decide(ranked: list[tuple[str, int]], hint: str | None, country: str | None = None):
    codes = [code for code, _ in ranked]
    if len(codes) == 1:
        return codes[0]
    hinted = [code for code in codes if code in hint_carriers(hint)]
    if len(hinted) == 1:
        return hinted[0]
    if country:  # a domestic parcel: the one candidate of the destination country
        carriers = default_table().carriers
        local = [code for code in codes if carriers.get(code, {}).get("country") == country]
        if len(local) == 1:
            return local[0]
    # A check-digit format verified on real numbers outweighs shapes with no check at all.
    if ranked[0][1] == _HIGH and all(rank == _LOW for _, rank in ranked[1:]):
        return codes[0]
    return None


def _lost_leading_zeros(number: str) -> bool:
    """True when a zero-padded format accepts the number with its leading zeros put back."""
    if not number.isdigit() or number.startswith("0"):
        return False
    dispatch = default_table().dispatch
    for pad in range(1, _MAX_PAD + 1):
        padded = "0" * pad + number
        for rule in dispatch.get(len(padded), _NO_RULES).get("0", ()):
            match = rule.zero_padded and rule.regex.match(padded)
            body = match and (match.group(rule.group) if rule.group else padded)
            if match and (rule.check is None or rule.check(body)):
                return True
    return False


def detect(raw: str, hint: str | None = None, country: str | None = None) -> Detection:
    """Normalize one tracking number and decide its carrier, or give the reason it cannot be.

    Between carriers whose rules all accept the number, the file's carrier column (`hint`)
    decides, else the destination `country` (ISO-2) when exactly one candidate is based there.
    """
    number = normalize(raw)
    if is_mangled(raw):
        return Detection(raw, number, False, None, (), MANGLED)
    accepted, failed = _evaluate(number) if number else ([], [])
    if len(accepted) == 1:  # the common case, kept short for speed
        carrier = accepted[0][1]
        return Detection(raw, number, True, carrier, (carrier,), None)
    if accepted:
        ranked = _ranked(accepted)
        carrier = _decide(ranked, hint, country)
        codes = tuple(code for code, _ in ranked)
        return Detection(raw, number, True, carrier, codes, None if carrier else CONFLICT)
    if _lost_leading_zeros(number):
        return Detection(raw, number, False, None, (), MANGLED)
    if failed or not number:
        codes = tuple(code for code, _ in _ranked(failed))
        return Detection(raw, number, False, None, codes, INVALID)
    return Detection(raw, number, False, None, (), UNIDENTIFIED)


def carrier_name(code: str) -> str:
    """Display name of a carrier code (the code itself when it is not in the rule table)."""
    info = default_table().carriers.get(code)
    return info["name"] if info else code


def tracking_url(code: str, number: str) -> str | None:
    """The carrier's public tracking page for this number, or None when there is none."""
    info = default_table().carriers.get(code)
    template = info and info.get("url")
    return template.replace("{number}", quote(number, safe="")) if template else None


def known_carriers() -> list[tuple[str, str]]:
    """All carrier codes with their display names, in rule-table order."""
    return [(code, info["name"]) for code, info in default_table().carriers.items()]
