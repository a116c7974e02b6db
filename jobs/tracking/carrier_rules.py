"""Load, validate and compile the carrier rule table (config/carriers.json) once per process."""

import json
import re
import re._constants as _c
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from config import CONFIG_DIR
from jobs.tracking.checkdigits import CheckDigitError, Checker, build_checker

RULES_PATH = CONFIG_DIR / "carriers.json"
CONFIDENCE = {"high": 3, "medium": 2, "low": 1}
S10_CARRIER = "@s10"
ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_RULE_KEYS = {
    "id",
    "carrier",
    "product",
    "pattern",
    "check",
    "confidence",
    "source",
    "beats",
    "shadows",
    "zero_padded",
}


class RuleTableError(ValueError):
    """The rule table is malformed; the message names the bad entry."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    carrier: str  # a carrier code, or "@s10": decided by the country suffix
    regex: re.Pattern
    check: Checker | None
    group: str | None  # named group the check digit covers; None: the whole number
    rank: int
    zero_padded: bool
    beats: frozenset[str]
    shadows: frozenset[str]
    lengths: tuple[int, int]
    first_chars: frozenset[str]


@dataclass(frozen=True)
class RuleTable:
    carriers: dict[str, dict]
    rules: tuple[Rule, ...]
    dispatch: dict[int, dict[str, tuple[Rule, ...]]]  # length -> first character -> rules
    s10_operators: dict[str, str]
    s10_fallback: str
    hints: dict[str, frozenset[str]]


def _fail(where: str, problem: str):
    raise RuleTableError(f"config/carriers.json: {where}: {problem}")


def _pattern_lengths(regex: re.Pattern, where: str) -> tuple[int, int]:
    # The private parser is the only stdlib way to get a pattern's width; it lets us bucket
    # rules by length so each number is tried only against rules that can match it.
    low, high = re._parser.parse(regex.pattern).getwidth()
    if high > 200:
        _fail(where, "pattern must have a bounded length")
    return low, high


def _in_chars(items) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, arg in items:
        if op is _c.LITERAL:
            chars.add(chr(arg))
        elif op is _c.RANGE:
            chars.update(map(chr, range(arg[0], arg[1] + 1)))
        elif op is _c.CATEGORY and arg is _c.CATEGORY_DIGIT:
            chars.update("0123456789")
        else:
            return None
    return frozenset(chars)


def _first(items) -> tuple[frozenset[str] | None, bool]:
    """First characters a parsed pattern can match (None: any), and whether it can be empty."""
    found: set[str] = set()
    for op, arg in items:
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue
        if op is _c.LITERAL:
            chars, nullable = frozenset(chr(arg)), False
        elif op is _c.IN:
            chars, nullable = _in_chars(arg), False
        elif op is _c.SUBPATTERN:
            chars, nullable = _first(arg[3])
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            chars, nullable = _first(arg[2])
            nullable = nullable or arg[0] == 0
        elif op is _c.BRANCH:
            parts = [_first(branch) for branch in arg[1]]
            chars = (
                None
                if any(c is None for c, _ in parts)
                else frozenset().union(*(c for c, _ in parts))
            )
            nullable = any(n for _, n in parts)
        else:
            return None, False
        if chars is None:
            return None, False
        found |= chars
        if not nullable:
            return frozenset(found), False
    return frozenset(found), True


def _check_entry(entry: dict, carriers: dict) -> str:
    """Validate a rule entry's plain fields; return its name for error messages."""
    if not isinstance(entry, dict):
        _fail("rules", f"entry {entry!r} is not an object")
    where = f"rule {entry.get('id', '?')!r}"
    if set(entry) - _RULE_KEYS:
        _fail(where, f"unknown keys {sorted(set(entry) - _RULE_KEYS)}")
    for key in ("id", "carrier", "pattern", "confidence", "source"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            _fail(where, f"missing or empty {key!r}")
    if entry["carrier"] != S10_CARRIER and entry["carrier"] not in carriers:
        _fail(where, f"unknown carrier {entry['carrier']!r}")
    if entry["confidence"] not in CONFIDENCE:
        _fail(where, f"confidence must be one of {sorted(CONFIDENCE)}")
    return where


def _compile_rule(entry: dict, carriers: dict, countries: str) -> Rule:
    where = _check_entry(entry, carriers)
    text = entry["pattern"].replace("{s10_countries}", countries)
    if not (text.startswith("^") and text.endswith("$")):
        _fail(where, "pattern must be anchored with ^ and $")
    try:
        regex = re.compile(text, re.ASCII)
    except re.error as exc:
        _fail(where, f"bad pattern: {exc}")
    check = None
    if "check" in entry:
        try:
            check = build_checker(entry["check"])
        except CheckDigitError as exc:
            _fail(where, str(exc))
    group = "body" if "body" in regex.groupindex else None
    return Rule(
        entry["id"],
        entry["carrier"],
        regex,
        check,
        group,
        CONFIDENCE[entry["confidence"]],
        bool(entry.get("zero_padded")),
        frozenset(entry.get("beats", ())),
        frozenset(entry.get("shadows", ())),
        _pattern_lengths(regex, where),
        _first(re._parser.parse(regex.pattern, regex.flags).data)[0] or ALNUM,
    )


def _check_carriers(carriers: dict) -> None:
    for code, info in carriers.items():
        where = f"carrier {code!r}"
        if not _SLUG.match(code):
            _fail(where, "code must be a lowercase slug")
        if not isinstance(info.get("name"), str) or not info["name"]:
            _fail(where, "missing name")
        url = info.get("url")
        if url is not None and not (url.startswith("https://") and "{number}" in url):
            _fail(where, "url must be https and contain {number}")


def _hint_index(carriers: dict, groups: dict) -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for code, info in carriers.items():
        for label in (code, info["name"], *info.get("aliases", ())):
            index.setdefault(hint_key(label), set()).add(code)
    for label, codes in groups.items():
        if unknown := set(codes) - set(carriers):
            _fail(f"hint group {label!r}", f"unknown carriers {sorted(unknown)}")
        index.setdefault(hint_key(label), set()).update(codes)
    return {key: frozenset(codes) for key, codes in index.items()}


def hint_key(text: str) -> str:
    """Lower-case words of a carrier label, for matching free-text carrier columns."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


def _check_references(rules: tuple[Rule, ...]) -> None:
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        _fail("rules", f"duplicate ids {sorted({i for i in ids if ids.count(i) > 1})}")
    for rule in rules:
        if missing := (rule.beats | rule.shadows) - set(ids):
            _fail(f"rule {rule.id!r}", f"beats/shadows unknown rules {sorted(missing)}")


def _s10_countries(s10: dict, carriers: dict) -> str:
    """Check the S10 suffix list and operators; return the suffixes as a regex alternation."""
    countries = s10.get("countries", "").split()
    if not countries or not all(re.fullmatch(r"[A-Z]{2}", c) for c in countries):
        _fail("s10.countries", "must be two-letter upper-case codes")
    for country, code in {**s10.get("operators", {}), "fallback": s10.get("fallback")}.items():
        if code not in carriers:
            _fail(f"s10.operators[{country}]", f"unknown carrier {code!r}")
    return "|".join(countries)


def build_table(data: dict) -> RuleTable:
    """Validate the parsed rule table and compile it into a RuleTable."""
    carriers = data.get("carriers") or _fail("carriers", "missing")
    _check_carriers(carriers)
    s10 = data.get("s10") or _fail("s10", "missing")
    countries = _s10_countries(s10, carriers)
    rules = tuple(_compile_rule(e, carriers, countries) for e in data.get("rules") or ())
    if not rules:
        _fail("rules", "missing or empty")
    _check_references(rules)
    max_length = max(r.lengths[1] for r in rules)
    by_length = {
        n: tuple(r for r in rules if r.lengths[0] <= n <= r.lengths[1])
        for n in range(max_length + 1)
    }
    # Numbers are tried only against rules that fit their length and first character.
    dispatch = {
        n: {c: tuple(r for r in candidates if c in r.first_chars) for c in ALNUM}
        for n, candidates in by_length.items()
    }
    return RuleTable(
        carriers,
        rules,
        dispatch,
        dict(s10["operators"]),
        s10["fallback"],
        _hint_index(carriers, data.get("hint_groups", {})),
    )


def load_table(path: Path = RULES_PATH) -> RuleTable:
    """Read and compile a rule table file, raising RuleTableError on any bad entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RuleTableError(f"{path}: cannot read the carrier rule table: {exc}") from None
    return build_table(data)


@cache
def default_table() -> RuleTable:
    """The project's rule table, compiled on first use."""
    return load_table()
