"""Order fields as shops write them, made uniform: dates, countries (ISO 3166-1 alpha-2), emails.

Dates: ISO, numeric day-first or month-first (the order is decided for a whole column from all
its values by `DateOrder`, never guessed per row), and month names in English, German, French,
Spanish, Italian, Dutch and Portuguese (from Babel's locale data). Countries: names in several
languages, ISO-3 and ISO-2 codes (pycountry and its translations).
"""

import re
import unicodedata
from datetime import date
from functools import cache, lru_cache

MONTH_LOCALES = ("en", "de", "fr", "es", "it", "nl", "pt")
COUNTRY_LOCALES = ("de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da")
# Common names pycountry does not list (its names are the ISO ones) and usual abbreviations.
COUNTRY_ALIASES = {
    "uk": "GB", "greatbritain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "northernireland": "GB", "grossbritannien": "GB", "angleterre": "GB", "usa": "US",
    "us": "US", "america": "US", "unitedstatesofamerica": "US", "russia": "RU",
    "turkey": "TR", "holland": "NL", "southkorea": "KR", "korea": "KR", "northkorea": "KP",
    "czechia": "CZ", "vatican": "VA", "laos": "LA", "macedonia": "MK", "ivorycoast": "CI",
    "eire": "IE", "deutschland": "DE", "osterreich": "AT", "schweiz": "CH", "suisse": "CH",
}  # fmt: skip
EXTRA_MONTHS = {"mrz": 3, "sept": 9, "janv": 1, "fevr": 2, "juil": 7}

_EMAIL = re.compile(r"[^\s@<>,;:()\"']+@[^\s@<>,;:()\"']+\.[^\s@<>,;:()\"'.]+")
_TOKENS = re.compile(r"\d+:\d+(?::\d+)?(?:[.,]\d+)?|\d+|[^\W\d_]+", re.UNICODE)
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[ T])")
_NUMERIC = re.compile(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4}|\d{2})(?:$|[ T,])")


def fold(text: str) -> str:
    """Lowercase letters and digits only, accents removed."""
    text = unicodedata.normalize("NFKD", text).casefold()
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))


@cache
def month_names() -> dict[str, int]:
    """Folded month names and abbreviations of MONTH_LOCALES -> month number."""
    from babel.dates import get_month_names

    months = dict(EXTRA_MONTHS)
    for locale in MONTH_LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    months.setdefault(fold(name), number)
    return months


class DateOrder:
    """Whether a column's numeric dates read day-first or month-first, from all its values.

    Feed every value; a value with a first part above 12 proves day-first, a second part above
    12 proves month-first. Undecided columns read day-first, as most of the world writes.
    """

    def __init__(self):
        self.day_first = 0
        self.month_first = 0

    def feed(self, text: str) -> None:
        """Count the evidence of one value."""
        if (m := _NUMERIC.match(text.strip())) is not None:
            self.day_first += int(m[1]) > 12
            self.month_first += int(m[2]) > 12

    @staticmethod
    def is_numeric(text: str) -> bool:
        """True for a numeric date whose order is open (not ISO, no month name)."""
        return _NUMERIC.match(text.strip()) is not None

    @property
    def decided(self) -> bool:
        """True once some value settles the order."""
        return bool(self.day_first or self.month_first)

    @property
    def is_day_first(self) -> bool:
        """The column's reading; a mixed column follows its majority."""
        return self.day_first >= self.month_first


@lru_cache(maxsize=8192)  # a file's dates repeat a lot
def parse_date(text: str, day_first: bool = True) -> date | None:
    """The date in a text cell (ISO, numeric in the column's order, or with a month name)."""
    text = text.strip()
    if not text:
        return None
    if (m := _ISO.match(text)) is not None:
        return _safe(int(m[1]), int(m[2]), int(m[3]))
    if (m := _NUMERIC.match(text)) is not None:
        first, second, year = int(m[1]), int(m[2]), _year(m[3])
        day, month = (first, second) if day_first else (second, first)
        return _safe(year, month, day)  # a row that contradicts its column is not understood
    return _named_month(text)


def _year(digits: str) -> int:
    return int(digits) + (2000 if len(digits) <= 2 else 0)


def _named_month(text: str) -> date | None:
    """'04-Mär-25', 'March 4, 2025', '4. März 2025', 'mar 04 2025 10:00 PST'."""
    months = month_names()
    month, numbers, month_at = None, [], None
    for token in _TOKENS.findall(text):
        if ":" in token:
            continue  # a time of day
        if token.isdigit():
            numbers.append(token)
        elif month is None and (found := months.get(fold(token))) is not None:
            month, month_at = found, len(numbers)
    if month is None or len(numbers) < 2:
        return None
    four = [n for n in numbers[:3] if len(n) == 4]
    if four:
        year = int(four[0])
        day = next((int(n) for n in numbers[:3] if n is not four[0] and len(n) <= 2), None)
    elif month_at == 0 and len(numbers) >= 2:  # Mar 04 25
        day, year = int(numbers[0]), _year(numbers[1])
    else:  # 04-Mar-25
        day, year = int(numbers[0]), _year(numbers[1])
    return _safe(year, month, day) if day is not None else None


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@cache
def _country_names() -> dict[str, str]:
    """Folded country names (English and COUNTRY_LOCALES), ISO-3 and ISO-2 codes -> ISO-2."""
    import gettext

    import pycountry

    names: dict[str, str] = {}
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in COUNTRY_LOCALES
    ]
    for country in pycountry.countries:
        code = country.alpha_2
        english = [country.name] + [
            getattr(country, attr)
            for attr in ("official_name", "common_name")
            if hasattr(country, attr)
        ]
        for name in english:
            names.setdefault(fold(name), code)
            for translation in translations:
                names.setdefault(fold(translation.gettext(name)), code)
        names[fold(country.alpha_3)] = code
    for alias, code in COUNTRY_ALIASES.items():
        names.setdefault(alias, code)
    for country in pycountry.countries:  # two-letter codes last: they must not shadow names
        names[fold(country.alpha_2)] = country.alpha_2
    names["uk"] = "GB"
    return names


@lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """ISO 3166-1 alpha-2 for a country name (several languages), ISO-3 or ISO-2 code."""
    key = fold(text)
    if not key:
        return None
    return _country_names().get(key)


def first_email(text: str) -> str:
    """The first email address in a cell that holds several (or the text as it is)."""
    found = _EMAIL.search(text)
    return found.group(0) if found else text
