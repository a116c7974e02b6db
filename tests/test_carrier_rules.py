"""Rule-level tests: check-digit algorithms, the rule table's validation, and numbers generated
from every rule (valid ones accepted, single-digit changes caught)."""

import copy
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.tracking import checkdigits
from jobs.tracking.carrier_rules import RULES_PATH, RuleTableError, build_table, default_table
from jobs.tracking.carriers import detect


def _ok(algorithm: str, body: str, **params) -> bool:
    return checkdigits.build_checker({"algorithm": algorithm, **params})(body)


@pytest.mark.parametrize(
    ("algorithm", "params", "good", "bad"),
    [
        ("s10", {}, "123456785", "123456786"),  # UPU S10 serial + check (RB123456785GB)
        ("s10", {}, "000000005", "000000000"),  # remainder 0 gives check 5
        ("mod7", {}, "3318810025", "3318810026"),  # DHL Express
        ("mod10", {"weights": [1, 2], "letters": "ups"}, "879E930346834440", "879E930346834441"),
        ("mod10", {"weights": [3, 1]}, "03071790000523483741", "03071790000523483742"),  # USPS 20
        (
            "mod10",
            {"weights": [3, 1], "prepend": "91"},
            "71969010756003077385",
            "71969010756003077386",
        ),  # USPS legacy: check computed with the 91 identifier
        (
            "mod10",
            {"weights": [2, 1], "from_right": True, "digit_sum": True},
            "79927398713",
            "79927398710",
        ),  # the textbook Luhn number
        ("mod10", {"weights": [4, 9]}, "000000000000", "000000000001"),  # DHL Identcode
        ("mod10", {"weights": [3, 1], "offset": 1}, "000000000009", "000000000000"),  # GLS
        (
            "mod11_mod10",
            {"weights": [3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1]},
            "986578788855",
            "996578788855",
        ),  # FedEx 12
        ("mod37_36", {}, "09980000020033F", "09980000020033D"),  # DPD
    ],
)
def test_check_digit_algorithms(algorithm, params, good, bad):
    assert _ok(algorithm, good, **params)
    assert not _ok(algorithm, bad, **params)


def _table_data():
    return json.loads(RULES_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["rules"][1].update(pattern="^1Z($"), "rule 'ups-1z': bad pattern"),
        (lambda d: d["rules"][1].update(carrier="nope"), "rule 'ups-1z': unknown carrier"),
        (lambda d: d["rules"][1].update(confidence="sure"), "rule 'ups-1z': confidence"),
        (lambda d: d["rules"][1].update(check={"algorithm": "mod99"}), "unknown check-digit"),
        (lambda d: d["rules"][1].update(check={"algorithm": "mod7", "x": 1}), "bad parameters"),
        (lambda d: d["rules"][1].update(pattern="1Z.*"), "anchored"),
        (lambda d: d["rules"][1].update(beats=["ghost"]), "unknown rules"),
        (lambda d: d["carriers"]["ups"].update(url="http://x/{number}"), "carrier 'ups': url"),
        (lambda d: d["s10"]["operators"].update(GB="nope"), "s10.operators[GB]"),
        (lambda d: d["rules"][1].update(colour="red"), "rule 'ups-1z': unknown keys"),
        (lambda d: d.update(rules=[]), "rules: missing or empty"),
    ],
)
def test_rule_table_errors_name_the_bad_entry(mutate, message):
    data = copy.deepcopy(_table_data())
    mutate(data)
    with pytest.raises(RuleTableError, match=re.escape(message)):
        build_table(data)


def _valid_samples(rule_id: str):
    """Numbers matching a check-digit rule, with the check character set so that they pass."""
    rule = next(r for r in default_table().rules if r.id == rule_id)

    def fix(text):
        match = rule.regex.match(text)
        end = match.end(rule.group) - 1 if rule.group else len(text) - 1
        for char in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            candidate = text[:end] + char + text[end + 1 :]
            if rule.regex.match(candidate) and rule.check(_body(rule, candidate)):
                return rule, candidate, end
        return None

    return st.from_regex(rule.regex, fullmatch=True).map(fix).filter(bool)


def _body(rule, number):
    return rule.regex.match(number).group(rule.group) if rule.group else number


# Algorithms that catch every single-character substitution (weights coprime with 10, Luhn,
# ISO 7064). The others have documented blind spots, so they are tested for acceptance only.
EXHAUSTIVE = [
    "usps-20", "usps-legacy-20", "usps-legacy-91", "usps-impb-92", "usps-impb-93", "usps-impb-94",
    "usps-impb-95", "canada-post-16", "fedex-15", "fedex-sscc18", "fedex-96-22", "purolator-12",
    "dpd-15", "dpd-28", "dhl-paket-20", "hermes-de", "old-dominion", "old-dominion-guaranteed",
    "gls-12",
]  # fmt: skip
CHECKED = [rule.id for rule in default_table().rules if rule.check is not None]


# filter_too_much: valid numbers are rare; too_slow: wall-clock (see tests/conftest.py)
RELAXED = [HealthCheck.filter_too_much, HealthCheck.too_slow]


@pytest.mark.parametrize("rule_id", EXHAUSTIVE)
@settings(max_examples=40, suppress_health_check=RELAXED)
@given(data=st.data())
def test_single_digit_change_is_caught(rule_id, data):
    rule, number, check_at = data.draw(_valid_samples(rule_id))
    start = rule.regex.match(number).start(rule.group) if rule.group else 0
    position = data.draw(st.integers(start, check_at))
    digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != number[position]))
    changed = number[:position] + digit + number[position + 1 :]
    if rule.regex.match(changed):
        assert not rule.check(_body(rule, changed))


def test_exhaustive_list_names_check_digit_rules():
    assert set(EXHAUSTIVE) <= set(CHECKED)


@pytest.mark.parametrize("rule_id", CHECKED)
@settings(max_examples=30, suppress_health_check=RELAXED)
@given(data=st.data())
def test_generated_valid_numbers_are_accepted(rule_id, data):
    rule, number, _ = data.draw(_valid_samples(rule_id))
    result = detect(number)
    assert result.valid and detect_carrier(rule, number) in result.candidates


def detect_carrier(rule, number):
    table = default_table()
    if rule.carrier == "@s10":
        return table.s10_operators.get(number[-2:], table.s10_fallback)
    return rule.carrier


# Checksum-free rules whose pattern hypothesis can generate (lookaheads are covered by the table)
# and that no other rule overrides (those are covered by the known conflicts).
_OVERRIDDEN = set().union(*(r.beats | r.shadows for r in default_table().rules))
UNCHECKED = [
    r.id
    for r in default_table().rules
    if r.check is None and "(?=" not in r.regex.pattern and r.id not in _OVERRIDDEN
]


@pytest.mark.parametrize("rule_id", UNCHECKED)
@settings(max_examples=20)
@given(data=st.data())
def test_checksum_free_shapes_are_accepted(rule_id, data):
    rule = next(r for r in default_table().rules if r.id == rule_id)
    number = data.draw(st.from_regex(rule.regex, fullmatch=True))
    result = detect(number)
    assert result.valid and rule.carrier in result.candidates
