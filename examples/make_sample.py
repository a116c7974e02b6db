"""Regenerate examples/sample-shipments.csv: ~50 rows of real-format numbers and a few problems.

Numbers are random but valid for their carrier's format and check digit (found by trying each last
character until jobs.tracking.carriers.detect accepts exactly that carrier), so the sandbox gives
each one a realistic history. Run: .venv/bin/python examples/make_sample.py
"""

import csv
import random
import string
from pathlib import Path

from jobs.tracking.carriers import detect

# (carrier, template: # = digit, * = letter or digit, ? = the check digit; without ?, one more
# check character is appended)
TEMPLATES = [
    ("ups", "1Z******#########"),
    ("usps", "9400#################"),
    ("fedex", "###########"),
    ("china-post", "LX########?CN"),
    ("royal-mail", "RR########?GB"),
    ("deutsche-post", "RR########?DE"),
    ("la-poste", "CP########?FR"),
    ("japan-post", "EJ########?JP"),
    ("correos", "PK########?ES"),
    ("yunexpress", "YT###############"),
]
CUSTOMERS = [
    "Ann Archer",
    "Bruno Díaz",
    "Chloé Martin",
    "Dieter Groß",
    "Emi Tanaka",
    "Farah Khan",
    "Giulia Rossi",
    "Hugo Lefèvre",
    "Ines Costa",
    "Jan de Vries",
    "王芳",
    "Lena Berg",
]
COUNTRIES = ["US", "GB", "DE", "FR", "JP", "ES", "IT", "NL", "CN", "PT"]


def _fill(template, rng):
    chars = [
        rng.choice(string.digits)
        if c in "#?"
        else rng.choice(string.ascii_uppercase + string.digits)
        if c == "*"
        else c
        for c in template
    ]
    return "".join(chars)


def valid_number(carrier, template, rng):
    """A random number that detect() assigns to `carrier` alone."""
    for _ in range(2000):
        base = _fill(template, rng)
        slot = template.index("?") if "?" in template else len(template)
        for check in string.digits:
            number = base[:slot] + check + base[slot + 1 :] if "?" in template else base + check
            found = detect(number)
            if found.carrier == carrier and found.reason is None:
                return number
    raise SystemExit(f"no valid {carrier} number found for {template}")


def rows(rng):
    """Sample rows: order, tracking number, carrier column, customer, email, country, date."""
    out = []
    for i in range(42):
        carrier, template = TEMPLATES[i % len(TEMPLATES)]
        out.append([f"#{1001 + i}", valid_number(carrier, template, rng)])
    out += [
        ["#1043", "SBXALERTLOST01"],
        ["#1044", "SBXUNDELIVEREDABSENT01"],
        ["#1045", "SBXRETURNEDTOSENDER01"],
        ["#1046", "SBXPICKUPAWAITING01"],
        ["#1047", "1Z999AA10123456785"],  # wrong check digit
        ["#1048", "HELLO-WORLD"],  # no carrier's format
        ["#1049", "9.4001E+21"],  # damaged by a spreadsheet
        ["#1050", ""],  # forgotten number
        ["#1001", out[0][1]],
    ]  # the first parcel again
    for i, row in enumerate(out):
        name = CUSTOMERS[i % len(CUSTOMERS)]
        email = f"customer{i + 1}@example.com"
        row += [name, email, COUNTRIES[i % len(COUNTRIES)], f"2026-11-{1 + i % 25:02d}"]
    return out


def main():
    rng = random.Random(2026)
    path = Path(__file__).with_name("sample-shipments.csv")
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["Order", "Tracking number", "Customer name", "Email", "Country", "Ship date"]
        )
        writer.writerows(rows(rng))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
