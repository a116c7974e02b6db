"""Column recognition: header names in many languages (config/columns.json), header search."""

import hashlib
import json
import re
import unicodedata
from functools import cache

from config import CONFIG_DIR
from jobs.files.cells import split_numbers

FIELDS = (
    "tracking_number",
    "order_id",
    "carrier",
    "customer_name",
    "email",
    "country",
    "ship_date",
)
CONFIG_PATH = CONFIG_DIR / "columns.json"
HEADER_SEARCH_ROWS = 30  # title lines above the header rarely exceed a handful
NUMBER_SHARE = 0.8  # share of number-like cells that makes a header-less column confident

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NUMBER_LIKE = re.compile(r"[A-Za-z0-9]{8,45}")
_MANGLED = re.compile(r"\d(\.\d+)?E\+\d+", re.IGNORECASE)
_DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


def normalize_header(text: str) -> str:
    """Header text reduced to lowercase words without accents or punctuation ('#' kept)."""
    text = _CAMEL.sub(" ", str(text))
    text = unicodedata.normalize("NFKD", text).casefold()
    kept = []
    for ch in text:
        if unicodedata.combining(ch):
            continue
        kept.append(ch if ch.isalnum() or ch == "#" else " ")
    return " ".join("".join(kept).split())


def _is_cjk(text: str) -> bool:
    return any(ord(ch) >= 0x2E80 for ch in text)


@cache
def aliases() -> dict[str, dict]:
    """The validated alias table of config/columns.json, names normalised; raises ValueError."""
    try:
        data = json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
        fields = data["fields"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{CONFIG_PATH}: cannot read the column table ({exc})") from exc
    if set(fields) != set(FIELDS):
        raise ValueError(f"{CONFIG_PATH}: fields must be exactly {', '.join(FIELDS)}")
    table, seen = {}, {}
    for field in FIELDS:
        table[field] = _validated_field(field, fields[field])
        for name in table[field]["exact"]:
            if seen.setdefault(name, field) != field:
                raise ValueError(f"{CONFIG_PATH}: '{name}' is listed for {seen[name]} and {field}")
    return table


def _validated_field(field: str, spec) -> dict:
    max_length = spec.get("max_length") if isinstance(spec, dict) else None
    if not isinstance(max_length, int) or max_length < 1:
        raise ValueError(f"{CONFIG_PATH}: {field}.max_length must be a positive integer")
    out = {"max_length": max_length}
    for key in ("exact", "contains", "exclude"):
        names = spec.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise ValueError(f"{CONFIG_PATH}: {field}.{key} must be a list of non-empty names")
        out[key] = [normalize_header(n) for n in names]
    if not out["exact"]:
        raise ValueError(f"{CONFIG_PATH}: {field}.exact needs at least one name")
    return out


def _contains(header: str, name: str) -> bool:
    if _is_cjk(name):
        return name in header
    return f" {name} " in f" {header} "


def match_header(text: str) -> tuple[str, tuple] | None:
    """The field a header names and its rank (lower is a better match), or None."""
    header = normalize_header(text)
    if not header:
        return None
    best = None
    for field, spec in aliases().items():
        if header in spec["exact"]:
            rank = (0, spec["exact"].index(header))
        elif any(_contains(header, word) for word in spec["exclude"]):
            continue
        else:
            found = [len(n) for n in spec["contains"] if _contains(header, n)]
            if not found:
                continue
            rank = (1, -max(found))
        if best is None or rank < best[1]:
            best = (field, rank)
    return best


def match_columns(cells: list[str]) -> dict[str, int]:
    """Field -> column index for a header row, each field taking its best-matching column."""
    best: dict[str, tuple[tuple, int]] = {}
    for index, cell in enumerate(cells):
        found = match_header(cell)
        if found and (found[0] not in best or found[1] < best[found[0]][0]):
            best[found[0]] = (found[1], index)
    return {field: best[field][1] for field in FIELDS if field in best}


def find_header(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    """Index (into rows) of the header row and its columns; rows naming a tracking column win."""
    found = []
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = match_columns(cells)
        if columns:
            found.append((("tracking_number" in columns, len(columns)), -index, columns))
    if not found:
        return None
    (has_tracking, count), neg_index, columns = max(found, key=lambda f: (f[0], f[1]))
    if has_tracking or count >= 2:
        return -neg_index, columns
    return None


def looks_like_number(text: str) -> bool:
    """True for text shaped like a tracking number (or one a spreadsheet turned into 1.2E+21)."""
    text = text.strip()
    if _MANGLED.fullmatch(text):
        return True
    if _DATE_LIKE.fullmatch(text):
        return False
    compact = "".join(text.replace("-", " ").split())
    return _NUMBER_LIKE.fullmatch(compact) is not None and sum(c.isdigit() for c in compact) >= 4


def signature(headers: list[str]) -> str:
    """Stable short hash of the normalised headers, to remember a merchant's mapping."""
    names = [normalize_header(h) for h in headers]
    while names and not names[-1]:
        names.pop()
    return hashlib.sha256("\x1f".join(names).encode("utf-8")).hexdigest()[:32]


def _all_numbers(text: str) -> bool:
    numbers = split_numbers(text)
    return bool(numbers) and all(looks_like_number(n) for n in numbers)


def _letters(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def detect_layout(
    sample: list[tuple[int, list[str]]],
) -> tuple[list[str], int, dict[str, int], bool]:
    """(headers, header_row, columns, confident) for the first rows of a file, as (row, texts)."""
    rows = [(n, cells) for n, cells in sample if any(cells)]
    width = max((len(c) for _, c in rows), default=0)
    found = find_header([cells for _, cells in rows])
    if found is not None:
        index, columns = found
        number, cells = rows[index]
        headers = cells + [""] * (width - len(cells))
        return headers, number, columns, "tracking_number" in columns
    header_at = _unnamed_header(rows)
    body = rows[header_at + 1 :] if header_at is not None else rows
    guess = _number_column(body, width)
    columns = {} if guess is None else {"tracking_number": guess}
    used = {i for _, cells in rows for i, c in enumerate(cells) if c}
    confident = guess is not None and len(used) == 1 and _share(body, guess) >= NUMBER_SHARE
    if header_at is None:
        return [f"Column {_letters(i)}" for i in range(width)], 0, columns, confident
    number, cells = rows[header_at]
    return cells + [""] * (width - len(cells)), number, columns, confident


def _unnamed_header(rows: list[tuple[int, list[str]]]) -> int | None:
    """An unknown header: the text-only row just above the first row holding numbers."""
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(_all_numbers(c) for c in cells if c):
            return index - 1 if index > 0 else None
    # No numbers at all: a first row without digits above rows with digits still reads as a header.
    has_digit = [any(ch.isdigit() for c in cells for ch in c) for _, cells in rows]
    return 0 if len(rows) > 1 and not has_digit[0] and any(has_digit[1:]) else None


def _share(rows: list[tuple[int, list[str]]], column: int) -> float:
    values = [cells[column] for _, cells in rows if column < len(cells) and cells[column]]
    return sum(_all_numbers(v) for v in values) / len(values) if values else 0.0


def _number_column(rows: list[tuple[int, list[str]]], width: int) -> int | None:
    """The column where most cells look like tracking numbers (at least half of the rows)."""
    shares = [(_share(rows, i), -i) for i in range(width)]
    share, neg_index = max(shares, default=(0.0, 0))
    return -neg_index if share >= 0.5 else None
