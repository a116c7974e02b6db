"""Turning one spreadsheet cell into text, a date, or the tracking numbers it holds."""

import re
from datetime import date, datetime, time, timedelta

from jobs.files.normalize import parse_date
from jobs.tracking.carriers import is_mangled

EXCEL_EPOCH = date(1899, 12, 30)  # serial day 0 of Excel's 1900 date system (after its leap bug)
EXACT_DIGITS = 15  # Excel keeps 15 significant digits; beyond that a number's digits are lost
EXCEL_ERRORS = {
    "#N/A",
    "#REF!",
    "#VALUE!",
    "#DIV/0!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_SEPARATORS = re.compile(r"[,;\n\r\t，；、]+")
_TEXT_FORMULA = re.compile(r'=\s*"([^"]*)"')  # ="00123": exporters' way to keep leading zeros


def cell_text(value) -> str:
    """The text a spreadsheet shows for a cell; big numbers keep Excel's 9.4001E+21 form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _float_text(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return "#NUM!"
    if value.is_integer() and abs(value) < 10**EXACT_DIGITS:
        return str(int(value))
    return f"{value:.{EXACT_DIGITS}G}"


def clean(text: str) -> str:
    """Text with control characters turned into spaces and the ="..." wrapper removed."""
    if text.isprintable() and not text.startswith("="):  # the common case, without regexes
        return text.strip()
    text = _CONTROL.sub(" ", text).strip()
    wrapped = _TEXT_FORMULA.fullmatch(text)
    return wrapped.group(1).strip() if wrapped else text


def split_numbers(text: str) -> list[str]:
    """The tracking numbers in one cell: split on commas, semicolons and line breaks.

    Pieces separated only by spaces are split too when every piece is long enough to be a number
    of its own, so 'LX123456785CN RR123456785CN' is two numbers but '1Z 999 AA1 0123 4567 84' one.
    """
    if is_mangled(text.strip()):  # 9,4001E+21 from a comma locale is one (lost) number
        return [text.strip()]
    numbers = []
    for piece in _SEPARATORS.split(text):
        piece = clean(piece)
        if not piece:
            continue
        words = piece.split()
        if len(words) > 1 and all(len(w) >= 8 and any(c.isdigit() for c in w) for w in words):
            numbers.extend(words)
        else:
            numbers.append(piece)
    return numbers


def cell_date(value, day_first: bool = True) -> date | None:
    """The date in a cell (a real date, an Excel serial number or common date text), else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial_date(value)
    return parse_date(clean(cell_text(value)), day_first)


def _serial_date(value: float) -> date | None:
    if 1 <= value < 2958466:  # Excel's valid range, up to 9999-12-31
        return EXCEL_EPOCH + timedelta(days=int(value))
    return None
