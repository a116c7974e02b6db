"""A shop export that looks like a real one, for benchmarks that must see real-looking data.

Names from several countries (accents included), email domains in the shares shops see
(mostly a few big providers, a long tail of small ones), Shopify-style order ids, and tracking
numbers in the formats and shares of a cross-border shop (China Post and YunExpress for
marketplace goods, Royal Mail, UPS, USPS, DHL, DPD, La Poste), with valid check digits where
the format has one. Rows go through the real import path (jobs.imports.import_upload).
"""

import csv
import random
import unicodedata
from pathlib import Path

from jobs.tracking.checkdigits import s10_check_digit

HEADER = ["Order", "Email", "Shipped at", "Shipping Name", "Shipping Country", "Tracking Number"]
FIRST = (
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara "
    "Lukas Lea Jonas Hannah Léa Chloé Hugo Zoë Inès Théo Noémie Jérôme Sofía Lucía Martín "
    "José María Ángel Giulia Francesco Chiara Oliver Amelia Harry Isla Wei Fang Yuki Hiroshi "
    "Aarav Priya Mohammed Fatima Emma Noah Olivia Liam Søren Åsa Björn Małgorzata"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Müller Schmidt Schneider Fischer "
    "Weber Martin Bernard Dubois Lefèvre Moreau Girard García Rodríguez Martínez López "
    "González Núñez Rossi Russo Ferrari Esposito Taylor Wilson Evans Thomas Roberts Wang Li "
    "Zhang Chen Sato Suzuki Kumar Sharma Khan Ali Jensen Nielsen Andersson Kowalski Nowak "
    "O'Brien Murphy Kelly Brontë Ødegaard"
).split()
DOMAINS = [  # share of customers; the rest are small providers and company domains
    ("gmail.com", 32), ("yahoo.com", 7), ("hotmail.com", 6), ("outlook.com", 5),
    ("icloud.com", 5), ("gmx.de", 4), ("web.de", 3), ("orange.fr", 3), ("free.fr", 2),
    ("btinternet.com", 2), ("yahoo.co.uk", 2), ("libero.it", 2), ("qq.com", 2), ("aol.com", 2),
]  # fmt: skip
COUNTRIES = [("US", 30), ("GB", 15), ("DE", 15), ("FR", 12), ("ES", 6), ("IT", 6), ("NL", 4),
             ("CA", 4), ("AU", 4), ("SE", 2), ("PL", 2)]  # fmt: skip


def s10(rng, prefix, country):
    serial = f"{rng.randrange(10**8):08d}"
    return f"{prefix}{serial}{s10_check_digit(serial)}{country}"


def ups(rng):
    body = "".join(rng.choice("0123456789") for _ in range(8))
    payload = f"{rng.choice(['X', 'A', 'E', 'V'])}{rng.randrange(10)}{rng.randrange(100):02d}{body}"
    payload = f"{rng.choice('0123456789ABCDEFGHJKLMNPRSTUVWXYZ')}{payload[1:]}"
    payload = payload[:16]
    values = [int(c) if c.isdigit() else (ord(c) - 63) % 10 for c in payload]
    total = sum(v * (2 if i % 2 else 1) for i, v in enumerate(values))
    return f"1Z{payload}{(10 - total % 10) % 10}"


def usps(rng):
    body = f"9400{rng.randrange(10**17):017d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return f"{body}{(10 - total % 10) % 10}"


def dhl(rng):
    payload = rng.randrange(10**8, 10**9)
    return f"{payload}{payload % 7}"


CARRIERS = [  # (share, number maker): a cross-border shop's mix
    (25, lambda r: s10(r, r.choice(["LX", "LY", "LZ", "UA", "UB"]), "CN")),
    (15, lambda r: f"YT{r.randrange(10**16):016d}"),
    (12, lambda r: s10(r, r.choice(["RB", "RR", "TT"]), "GB")),
    (12, ups),
    (12, usps),
    (10, lambda r: dhl(r)),  # DHL Express waybill
    (8, lambda r: f"0{r.randrange(10**13):013d}"),  # DPD parcel number
    (6, lambda r: s10(r, r.choice(["CB", "LA", "RK"]), "FR")),
]


def _weighted(rng, table):
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def customer(rng, i):
    """(name, email) as shops see them: one in ten emails from a small or company domain."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice(
        [f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{first}{rng.randrange(100)}",
         f"{last}.{first}{rng.randrange(1000)}"]
    )  # fmt: skip
    local = unicodedata.normalize("NFKD", local.lower().replace("'", ""))
    local = local.encode("ascii", "ignore").decode().replace("ø", "o")
    domain = (
        _weighted(rng, DOMAINS)
        if rng.random() < 0.9
        else f"{rng.choice(['shop', 'mail', 'home', 'net'])}{rng.randrange(5000)}.com"
    )
    return f"{first} {last}", f"{local}@{domain}"


def rows(n: int, seed: int = 17):
    """`n` rows of a Shopify-style orders export, one parcel each (some orders split)."""
    rng = random.Random(seed)
    makers = [m for _, m in CARRIERS]
    weights = [w for w, _ in CARRIERS]
    for i in range(n):
        name, email = customer(rng, i)
        number = rng.choices(makers, weights=weights)[0](rng)
        month, day = 1 + i * 11 // n, 1 + rng.randrange(28)
        yield [f"#{1001 + i}", email, f"2026-{month:02d}-{day:02d} 10:{i % 60:02d}:00 +0100",
               name, _weighted(rng, COUNTRIES), number]  # fmt: skip


def write_csv(path: Path, n: int) -> Path:
    """The export as a CSV file (written once, then reused)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    with open(partial, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows(n))
    partial.rename(path)
    return path
