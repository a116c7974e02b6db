"""The plausibility gate: is a cell a tracking number at all? One place for import, paste, mapping.

A value that passes goes on to carrier detection (where a well-formed number with a wrong check
digit still becomes a `not_found/invalid_number` shipment the merchant can fix). A value that
fails is a row error with a reason code; REFUSALS holds the sentence a merchant reads.
"""

import re
import unicodedata
from urllib.parse import parse_qsl, unquote, urlsplit

MIN_LENGTH = 8  # the shortest real numbers: GLS Track-ID, Evri calling cards (8 characters)
MAX_LENGTH = 40  # the longest real ones (FedEx 34, USPS IMpb 34) with room to spare

REFUSALS = {
    "missing_number": "This row has no tracking number.",
    "placeholder": "This is a placeholder (such as N/A, TBD, pending or “see email”), "
    "not a tracking number: add the number once the parcel has one.",
    "email_address": "This is an email address, not a tracking number.",
    "phone_number": "This looks like a phone number, not a tracking number.",
    "web_address": "This is a web address with no tracking number in it.",
    "formula": "This is a spreadsheet formula, not a tracking number: "
    "export the values (not the formulas) and upload again.",
    "summary_line": "This looks like a totals or summary line, not a shipment.",
    "no_digits": "This is text without any digits; every tracking number has some.",
    "words": "This is text made of words, not a tracking number.",
    "number_too_short": f"This is too short to be a tracking number "
    f"(they have at least {MIN_LENGTH} letters and digits).",
    "number_too_long": f"This is too long to be a tracking number "
    f"(they have at most {MAX_LENGTH} letters and digits).",
    "not_a_number": "This contains characters that tracking numbers never have.",
}

# Compared after folding: lowercase, accents removed, punctuation and spaces squeezed out.
PLACEHOLDERS = frozenset(
    {
        # English
        "na", "tbd", "tba", "tbc", "pending", "none", "null", "nil", "nan", "undefined",
        "unknown", "notavailable", "notapplicable", "notshipped", "notyetshipped", "notyet",
        "seeemail", "seenotes", "seenote", "seeorder", "seeattached", "tofollow", "awaiting",
        "awaitingtracking", "notracking", "notrackingnumber", "untracked", "notrack", "xxx", "x",
        "missing", "empty", "blank", "void", "cancelled", "canceled", "localpickup", "pickup",
        "instorepickup", "collection", "handdelivered", "ontheway", "waiting", "nottracked",
        # German
        "ohnesendungsnummer", "ohnesendungsverfolgung", "keine", "keinesendungsnummer", "ka",
        "keineangabe", "entfallt", "folgt", "ausstehend", "offen", "nichtversendet", "fehlt",
        "siehemail", "sieheemail", "abholung", "selbstabholung", "unbekannt",
        # French
        "sanssuivi", "aucun", "aucune", "enattente", "nonexpedie", "voirmail", "voiremail",
        "inconnu", "nd", "retraitmagasin",
        # Spanish
        "sinseguimiento", "ninguno", "ninguna", "pendiente", "noenviado", "sinnumero",
        "vercorreo", "verelcorreo", "desconocido", "nodisponible",
        # Italian
        "nessuno", "nessuna", "inattesa", "senzatracciamento", "nonspedito", "vedimail",
        "sconosciuto", "nondisponibile",
        # Dutch
        "geen", "geentracking", "inafwachting", "nietverzonden", "ziemail", "onbekend", "nvt",
        # Portuguese
        "nenhum", "nenhuma", "semrastreio", "semrastreamento", "aguardando", "naoenviado",
        "veremail", "desconhecido",
    }
)  # fmt: skip
_SUMMARY_WORDS = re.compile(
    r"\b(grand\s+total|sub\s*total|totals?|summe|gesamt|gesamtsumme|somme|totale?s?|totaal|"
    r"suma|soma|sum|count|anzahl|rows?|lignes?|shipments?)\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+")
_PHONE_SHAPES = (
    re.compile(r"\+\s*\d[\d\s().\-/]{5,}"),  # +44 7700 900123, +1 (555) 123-4567
    re.compile(r"\(\s*\d{2,5}\s*\)[\d\s.\-/]{5,}"),  # (555) 123-4567, (030) 1234567
    re.compile(r"\d{3}[\s.\-/]\d{3}[\s.\-/]\d{4}"),  # 555-123-4567
    re.compile(r"0\d{2,5}[\s\-/]\d{3,9}"),  # 0171 1234567, 030/1234567
    re.compile(r"(?:tel|phone|fon|telefon|mobile|mob|cell)\.?\s*:?.*\d.*", re.IGNORECASE),
)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_SEPARATORS = " \t\r\n\v\f-._'\"`´‘’“”\u00a0\u200b\u2009\u202f\u2013\u2014\u2212\ufeff"
# Query parameters under which carriers' tracking pages carry the number.
_URL_KEYS = (
    "tracknum", "tracknumbers", "tracknumber", "trackingnumber", "tracking_number",
    "trackingnumbers", "tracking", "tracking_id", "trackingid", "idc", "piececode", "awb",
    "awbnumber", "consignment", "parcelnumber", "barcode", "shipmentid", "id", "ids", "q",
    "nums", "number", "numbers", "code", "tn", "trknbr", "trackid", "label", "match", "tlabels",
    "parcel", "sendungsnummer",
)  # fmt: skip
_WORD = re.compile(r"(?<![^\W_])[^\W\d_]{3,}(?![^\W_])")  # 3+ letters standing alone
_FORMULA = re.compile(r"[=+\-@]\s*[A-Za-z_(]")


def fold(text: str) -> str:
    """Lowercase letters and digits only, accents removed: how placeholders are compared."""
    text = unicodedata.normalize("NFKD", text).casefold()
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))


def compact(text: str) -> str:
    """The value with the separators people type into numbers removed, upper-cased."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if ch not in _SEPARATORS).upper()


def is_formula(cell: str) -> bool:
    """True for a spreadsheet formula (=1+1, =HYPERLINK(…), +A1, @SUM(…)): never split it."""
    text = cell.strip()
    return text.startswith("=") or _FORMULA.match(text) is not None


def check(value: str) -> tuple[str | None, str | None]:
    """(the value to import, None) or (None, the reason code of REFUSALS it is not a number)."""
    text = value.strip()
    # The common case, kept fast: one ASCII token of letters and digits of a plausible length.
    if text.isascii() and text.isalnum() and MIN_LENGTH <= len(text) <= MAX_LENGTH:
        if not text.isalpha() and text.strip("0"):
            return text, None
    if not text:
        return None, "missing_number"
    if is_formula(text):
        return None, "formula"
    if _URL.match(text):
        return _from_url(text)
    folded = fold(text)
    if folded in PLACEHOLDERS or not folded.strip("0x-"):
        return None, "placeholder"
    if _EMAIL.search(text):
        return None, "email_address"
    if any(shape.fullmatch(text) for shape in _PHONE_SHAPES):
        return None, "phone_number"
    if _SUMMARY_WORDS.search(text):
        return None, "summary_line"
    if not any(ch.isdigit() for ch in text):
        return None, "no_digits"
    if len(_WORD.findall(text)) >= 2 and not _is_valid_number(text):
        return None, "words"  # "Parcel number 1 of 2", "see email 123"; not "SBX DEL IVE 01"
    return _shape(text)


def _is_valid_number(text: str) -> bool:
    """Whether the value, its separators removed, is a number some carrier rule accepts."""
    from jobs.tracking.carriers import detect

    number = compact(text)
    return number.isascii() and number.isalnum() and detect(number).valid


def _shape(text: str) -> tuple[str | None, str | None]:
    from jobs.tracking.carriers import is_mangled

    number = compact(text)
    if not number.isascii() or not number.isalnum():
        if is_mangled(text):  # 9.4001E+21: detection explains spreadsheet damage better
            return text, None
        return None, "not_a_number"
    if len(number) < MIN_LENGTH:
        return None, "number_too_short"
    if len(number) > MAX_LENGTH:
        return None, "number_too_long"
    return text, None


def _from_url(text: str) -> tuple[str | None, str | None]:
    """A carrier's tracking link yields its number; any other web address is refused."""
    url = urlsplit(text if "://" in text else "https://" + text)
    from jobs.tracking.carriers import detect

    named = [v for k, v in parse_qsl(url.query) if k.lower() in _URL_KEYS]
    parts = [unquote(p) for p in reversed(re.split(r"[/#?=&]", url.path + "/" + url.fragment))]
    for candidate, must_detect in [(v, False) for v in named] + [(p, True) for p in parts if p]:
        for piece in re.split(r"[,;|\s]+", candidate):
            number, reason = check(piece) if not _URL.match(piece) else (None, "web_address")
            if reason is None and (not must_detect or detect(piece).valid):
                return number, None
    return None, "web_address"


_REPORT_LINES = re.compile(
    r"\b(records?\s*\(s\)|records?|downloaded|seller\s+id|exported|generated)\b", re.IGNORECASE
)


def is_summary_row(texts: list[str]) -> bool:
    """True for a row without a number whose text reads as a report's totals or footer line."""
    joined = " ".join(t for t in texts if t)
    return bool(_SUMMARY_WORDS.search(joined) or _REPORT_LINES.search(joined))


def share_plausible(values: list[str]) -> float:
    """The share of non-blank values that pass the gate (1.0 for no values)."""
    filled = [v for v in values if v and v.strip()]
    if not filled:
        return 0.0
    return sum(check(v)[1] is None for v in filled) / len(filled)
