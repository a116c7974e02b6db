"""Detection throughput and agreement: Parceldesk's detect() next to the `tracking-numbers` package.

Run: .venv/bin/python bench/bench_detect.py [--count 200000] [--seed 7]
Prints a markdown table: numbers/second on one core, share of the generated list on which both
give the same carrier family, and share of the tracking_number_data specification's test numbers
each gets right (when /work/shared/tracking_number_data is present).
"""

import argparse
import json
import random
import string
import time
from pathlib import Path

from jobs.tracking.carrier_rules import default_table
from jobs.tracking.carriers import detect

SPEC = Path("/work/shared/tracking_number_data/couriers")
# (rule id, template, share): d digit, a letter, x letter or digit, c S10 country,
# s UPS service code, others literal.
MIX = [
    ("ups-1z", "1Zxxxxxxsddddddd" + "d", 12),
    ("usps-impb-94", "9400dddddddddddddddddd", 10),
    ("usps-impb-92", "4209dddd92ddd9dddddddddddddddd", 3),
    ("fedex-12", "dddddddddddd", 8),
    ("fedex-34", "1ddddddddddddddddddddddddddddddddd", 2),
    ("s10", "LXdddddddddc", 10),
    ("s10", "RRdddddddddc", 6),
    ("s10", "CPdddddddddc", 4),
    ("dhl-express", "dddddddddd", 5),
    ("dpd-15", "0ddddddddddddd" + "x", 3),
    ("canada-post-16", "dddddddddddddddd", 3),
    ("ontrac", "Cdddddddddddddd", 2),
    ("yunexpress", "YTdddddddddddddddd", 5),
    ("cainiao-lp", "LP00dddddddddddd", 4),
    ("4px", "4PX30dddddddddddCN", 3),
    ("amazon-tba", "TBAdddddddddddd", 4),
    ("yodel", "JJD000ddddddddddddd", 2),
    ("colissimo", "6Axxxxxxxxxxx", 2),
]
UPS_SERVICES = ["01", "02", "03", "12", "13", "42", "66", "YW", "A8"]
COUNTRIES = ["CN", "CN", "CN", "GB", "US", "DE", "FR", "NL", "HK", "SG", "JP", "AU", "CV"]
# Our codes folded into the package's courier codes, for the agreement column.
FAMILY = {"dhl-express": "dhl", "dhl-ecommerce": "dhl", "dhl-paket": "dhl"}


def _fill(template: str, rng: random.Random) -> str:
    pick = {
        "d": string.digits,
        "a": string.ascii_uppercase,
        "x": string.digits + string.ascii_uppercase,
    }
    out = []
    for char in template:
        if char == "c":
            out.append(rng.choice(COUNTRIES))
        elif char == "s":
            out.append(rng.choice(UPS_SERVICES))
        else:
            out.append(rng.choice(pick[char]) if char in pick else char)
    return "".join(out)


def _with_check(rule_id: str, number: str) -> str:
    rule = next(r for r in default_table().rules if r.id == rule_id)
    if rule.check is None:
        return number
    end = rule.regex.match(number).end(rule.group) - 1 if rule.group else len(number) - 1
    for char in string.digits + string.ascii_uppercase:
        candidate = number[:end] + char + number[end + 1 :]
        match = rule.regex.match(candidate)
        if match and rule.check(match.group(rule.group) if rule.group else candidate):
            return candidate
    return number


def _damage(number: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:  # a typo in one digit
        i = rng.randrange(len(number))
        return number[:i] + rng.choice(string.digits) + number[i + 1 :]
    if roll < 0.07:  # junk
        return "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(12))
    if roll < 0.08:  # spreadsheet scientific notation
        return f"{int(''.join(c for c in number if c.isdigit()) or 1):.4E}"
    if roll < 0.18:  # how people paste numbers
        return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    if roll < 0.21:
        return number.lower()
    return number


def make_numbers(count: int, seed: int) -> list[str]:
    """A realistic mixed list of tracking numbers, with typos, junk and formatting noise."""
    rng = random.Random(seed)
    rules = [(rule_id, template) for rule_id, template, share in MIX for _ in range(share)]
    numbers = []
    for _ in range(count):
        rule_id, template = rng.choice(rules)
        numbers.append(_damage(_with_check(rule_id, _fill(template, rng)), rng))
    return numbers


def _ours(number: str) -> str | None:
    result = detect(number)
    table = default_table()
    if result.carrier in table.s10_operators.values() or result.carrier == table.s10_fallback:
        if len(result.number) == 13 and result.number[-2:].isalpha():
            return "s10"
    return FAMILY.get(result.carrier, result.carrier)


def _theirs(number: str) -> str | None:
    from tracking_numbers import get_tracking_number

    found = get_tracking_number(number)
    return found.courier.code if found else None


def _timed(function, numbers: list[str]) -> float:
    """Numbers per second; results are dropped as a streaming import would."""
    start = time.perf_counter()
    for number in numbers:
        function(number)
    return len(numbers) / (time.perf_counter() - start)


def _spec_examples() -> list[tuple[str, str, bool]]:
    examples = []
    for path in sorted(SPEC.glob("*.json")) if SPEC.is_dir() else []:
        data = json.loads(path.read_text(encoding="utf-8"))
        for product in data["tracking_numbers"]:
            for kind in ("valid", "invalid"):
                for number in product["test_numbers"][kind]:
                    examples.append((data["courier_code"], number, kind == "valid"))
    return examples


def _spec_score(accepts, examples) -> str:
    if not examples:
        return "n/a"
    right = sum(accepts(number, courier) is valid for courier, number, valid in examples)
    return f"{right}/{len(examples)} ({100 * right / len(examples):.1f}%)"


def _we_accept(number: str, courier: str) -> bool:
    """Whether our verdict accepts the number for the specification's courier (in any candidate)."""
    result = detect(number)
    if not result.valid:
        return False
    if courier == "s10":
        return len(result.number) == 13 and result.number[-2:].isalpha()
    spec = {"canada-post": "canada_post", "old-dominion": "old_dominion"}
    return courier in {spec.get(c, FAMILY.get(c, c)) for c in result.candidates}


def _they_accept(number: str, courier: str) -> bool:
    return _theirs(number) == courier


def main(quick: bool = False, count: int | None = None, seed: int = 7) -> dict:
    """Time both detectors on one generated list; print the comparison table, return figures."""
    count = count or (50_000 if quick else 1_000_000)
    numbers = make_numbers(count, seed)
    detect("warm up the rule table")
    from tracking_numbers import get_tracking_number

    ours_rate = _timed(detect, numbers)
    theirs_rate = _timed(get_tracking_number, numbers)
    agree = sum(_ours(n) == _theirs(n) for n in numbers) / len(numbers)
    examples = _spec_examples()
    ours_spec, theirs_spec = _spec_score(_we_accept, examples), _spec_score(_they_accept, examples)
    print(f"{len(numbers):,} mixed numbers, one core\n")
    print("| detector | numbers/s | same carrier family as the other | spec test numbers right |")
    print("|---|---:|---:|---:|")
    print(
        f"| parceldesk detect() (all rules) | {ours_rate:,.0f} | {100 * agree:.1f}% | {ours_spec} |"
    )
    print(
        f"| tracking-numbers 0.1.8 (first match) | {theirs_rate:,.0f} | {100 * agree:.1f}% "
        f"| {theirs_spec} |"
    )
    return {
        "numbers (mixed, one core)": count,
        "parceldesk detect(), every rule (numbers/s)": round(ours_rate),
        "baseline: tracking-numbers 0.1.8, first match (numbers/s)": round(theirs_rate),
        "same carrier family (%)": round(100 * agree, 1),
        "spec test numbers right: parceldesk": ours_spec,
        "spec test numbers right: baseline": theirs_spec,
        "target": "≥ 100,000 numbers/s and faster than the baseline",
    }


def _cli():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    main(args.quick, args.count, args.seed)


if __name__ == "__main__":
    _cli()
