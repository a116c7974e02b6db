"""Uploaded files and pasted text turned into one Record per tracking number, or a RejectedRow."""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jobs.files import columns as cols
from jobs.files.cells import EXCEL_ERRORS, cell_date, cell_text, clean, split_numbers
from jobs.files.delimited import FileRefused, TextSource, Truncated, check_size, sniff_kind
from jobs.files.normalize import DateOrder, country_code, first_email
from jobs.files.workbooks import WorkbookSource
from jobs.tracking import plausibility

__all__ = [
    "FIELDS",
    "REASON_MESSAGES",
    "FileRefused",
    "Record",
    "RejectedRow",
    "Table",
    "open_table",
    "parse_pasted",
]

FIELDS = cols.FIELDS
SAMPLE_ROWS = 50  # rows read up front for header detection and the preview
NUMBER_MAX = 64  # characters besides spaces; the longest real numbers have about 40
SHOWN_VALUE_MAX = 100  # a RejectedRow's value is cut to this for display
MAX_COLUMNS = 500  # real exports have under 100; a file this wide is refused up front
PREVIEW_COLUMNS = 40  # columns the mapping step's preview shows (all can still be chosen)
EXTRA_COLUMNS_MAX = 60  # other columns kept per shipment (shown in the detail panel)
EXTRA_VALUE_MAX = 200  # characters kept of each
NO_TRACKING_COLUMN = (
    "No column of tracking numbers was found; please choose which column holds them."
)

TOO_WIDE = (
    "This file has {count:,} columns; shipment lists have far fewer and Parceldesk reads at most "
    "{limit}. Please export only the columns you need (or save the sheet again) and upload it."
)
REASON_MESSAGES = {
    **plausibility.REFUSALS,
    "spreadsheet_error": "The cell shows a spreadsheet error (such as #N/A) instead of a number.",
    "unreadable_row": "This row could not be read (an unclosed quote or a gigantic cell).",
    "truncated_row": "The file ends in the middle of this row (it was cut off, for example by "
    "an interrupted download); the complete rows before it were imported.",
}


@dataclass
class Record:
    """One tracking number of one data row, with that row's order data."""

    row: int
    number: str
    order_id: str | None = None
    carrier: str | None = None
    customer_name: str | None = None
    email: str | None = None
    country: str | None = None
    ship_date: date | None = None
    extra: dict[str, str] | None = None


@dataclass
class RejectedRow:
    """A data row (or one number of it) that cannot be imported; reason is a REASON_MESSAGES key."""

    row: int
    value: str
    reason: str


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_VALUE_MAX else text[:SHOWN_VALUE_MAX] + "…"


def _is_blank(cells: list) -> bool:
    return not any(cell_text(c).strip() for c in cells)


def _cell(cells: list, index: int | None):
    return cells[index] if index is not None and index < len(cells) else None


def _number_items(row: int, cell, fields: dict):
    """The row's Records, one per number of its tracking cell, or RowErrors saying why not."""
    text = cell_text(cell)
    if len(text) > 8 * NUMBER_MAX:
        yield RejectedRow(row, _shown(clean(text)), "number_too_long")
        return
    # A formula or a link is one value, whatever commas it holds: judge it before splitting.
    whole = clean(text)
    pieces = [whole] if plausibility.is_formula(whole) or "://" in whole else split_numbers(text)
    if not pieces:
        yield RejectedRow(row, "", "missing_number")
    for piece in pieces:
        if piece.upper() in EXCEL_ERRORS:
            yield RejectedRow(row, piece, "spreadsheet_error")
            continue
        number, reason = plausibility.check(piece)
        if reason is not None:
            yield RejectedRow(row, _shown(piece), reason)
        else:
            yield Record(row=row, number=number, **fields)


def _text_plan(columns: dict[str, int]) -> list[tuple[str, int | None, int]]:
    """(field, column, max length) for each text field, worked out once per file."""
    limits = cols.aliases()
    return [(n, columns.get(n), limits[n]["max_length"]) for n in FIELDS[1:-1]]


def _row_fields(cells: list, plan: list, dates: int | None, day_first: bool):
    """A row's order data by field name, normalised, and notes saying what was changed."""
    out, notes = {}, []
    for name, index, limit in plan:
        text = clean(cell_text(_cell(cells, index))) or None
        if text is not None and len(text) > limit:
            text = text[:limit]
            notes.append(f"{name} cut to {limit} characters")
        out[name] = text
    if out.get("email"):
        out["email"] = first_email(out["email"])
    if out.get("country"):
        written = out["country"]
        out["country"] = country_code(written)
        if out["country"] is None:
            notes.append(f"country not understood: {_shown(written)}")
    raw = _cell(cells, dates)
    out["ship_date"] = cell_date(raw, day_first) if raw not in (None, "") else None
    if out["ship_date"] is None and (shown := clean(cell_text(raw))):
        notes.append(f"ship_date not understood: {_shown(shown)}")
    return out, notes


def _extra(cells: list, plan: list[tuple[int, str]], notes: list[str]) -> dict | None:
    """The row's other columns by header (non-empty ones), with notes on what was not understood."""
    kept = {}
    for index, header in plan:
        text = clean(cell_text(_cell(cells, index)))
        if text:
            kept[header] = text[:EXTRA_VALUE_MAX]
    for note in notes:  # a value we could not read stays visible instead of being lost
        if note.startswith(("country not understood: ", "ship_date not understood: ")):
            name, value = note.split(" not understood: ", 1)
            kept[f"{name.replace('_', ' ')} (as written)"] = value
    return kept or None


class Table:
    """An opened upload: its header, detected columns, a preview, and a stream of records."""

    def __init__(self, source, sample: list[tuple[int, list[str]]], filename: str):
        self._source = source
        self.filename = filename
        self.headers, self.header_row, self.columns, self.confident = cols.detect_layout(sample)
        self._sample = [(n, cells) for n, cells in sample if n > self.header_row]
        self._complete = len(sample) < SAMPLE_ROWS  # the sample holds the whole file

    def preview(self, n: int = 5) -> list[list[str]]:
        """The first n data rows below the header (from the first 50 rows), as text."""
        width = len(self.headers)
        rows = [c[:width] + [""] * (width - len(c)) for _, c in self._sample if any(c)]
        return [[_shown(c) for c in r] for r in rows[:n]]

    def sample_column(self, index: int) -> list[str]:
        """The texts of one column in the sample rows below the header (for the mapping step)."""
        return [c[index] for _, c in self._sample if index < len(c) and c[index]]

    def signature(self) -> str:
        """Stable hash of the normalised headers, to remember a merchant's mapping."""
        if self.header_row == 0:
            return cols.signature(["#no header", str(len(self.headers))])
        return cols.signature(self.headers)

    def records(self, mapping: dict[str, int] | None = None) -> Iterator[Record | RejectedRow]:
        """Each data row as Records (one per number) or RowErrors, streamed; mapping overrides."""
        columns = self.columns if mapping is None else _checked_mapping(mapping)
        if "tracking_number" not in columns:
            raise FileRefused(NO_TRACKING_COLUMN)
        return self._stream(columns)

    def _stream(self, columns: dict[str, int]) -> Iterator[Record | RejectedRow]:
        plan, numbers, dates = (
            _text_plan(columns),
            columns["tracking_number"],
            columns.get("ship_date"),
        )
        day_first = self._day_first(dates)
        extra_plan = self._extra_plan(columns)
        for row, cells in self._source.rows():
            if row <= self.header_row:
                continue
            if cells is not None and len(cells) > MAX_COLUMNS:  # only the sample was checked
                cells = type(cells)(cells[:MAX_COLUMNS])
            if cells is None:
                yield RejectedRow(row, "", "unreadable_row")
            elif isinstance(cells, Truncated):
                shown = _shown(", ".join(clean(cell_text(c)) for c in cells))
                yield RejectedRow(row, shown, "truncated_row")
            elif not _is_blank(cells):
                number_cell = clean(cell_text(_cell(cells, numbers)))
                if not number_cell and plausibility.is_summary_row(
                    [clean(cell_text(c)) for c in cells]
                ):
                    yield RejectedRow(row, _shown(clean(cell_text(cells[0]))), "summary_line")
                    continue
                fields, notes = _row_fields(cells, plan, dates, day_first)
                if extra_plan or notes:
                    fields["extra"] = _extra(cells, extra_plan, notes)
                yield from _number_items(row, _cell(cells, numbers), fields)

    def _day_first(self, dates: int | None) -> bool:
        """The date column's order (day or month first), decided from all of its values: the
        sample first, then the whole file when the sample holds numeric dates that leave it open."""
        order = DateOrder()
        if dates is None:
            return True
        texts = [cell_text(c[dates]) for _, c in self._sample if dates < len(c)]
        for text in texts:
            order.feed(text)
        numeric = any(DateOrder.is_numeric(t) for t in texts)
        if numeric and not self._complete:
            order = DateOrder()
            for row, cells in self._source.rows():
                if row > self.header_row and cells and dates < len(cells):
                    order.feed(cell_text(cells[dates]))
        return order.is_day_first

    def _extra_plan(self, columns: dict[str, int]) -> list[tuple[int, str]]:
        """(index, header) of the named columns no field uses, in file order, capped."""
        if self.header_row == 0:
            return []
        used = set(columns.values())
        named = [(i, h) for i, h in enumerate(self.headers) if h and i not in used]
        return named[:EXTRA_COLUMNS_MAX]


def _checked_mapping(mapping: dict[str, int]) -> dict[str, int]:
    for name, index in mapping.items():
        if name not in FIELDS:
            raise ValueError(f"unknown field in mapping: {name!r}")
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise ValueError(f"column index for {name} must be a non-negative integer")
    return dict(mapping)


def open_table(path: str | Path, filename: str, max_bytes: int | None = None) -> Table:
    """Open an uploaded CSV/TSV/XLSX file and detect its header and columns; raises FileRefused."""
    path = Path(path)
    check_size(path, max_bytes)
    kind = sniff_kind(path)
    if kind in ("zip", "ole"):
        source = WorkbookSource(path, kind)
    else:
        source = TextSource(path, _names_fields)
    sample = []
    for row, cells in source.rows():
        if cells is not None:
            cells = _trimmed(cells)
            if len(cells) > MAX_COLUMNS:
                raise FileRefused(TOO_WIDE.format(count=len(cells), limit=MAX_COLUMNS))
            sample.append((row, [clean(cell_text(c)) for c in cells]))
        if len(sample) >= SAMPLE_ROWS:
            break
    if not any(any(cells) for _, cells in sample):
        raise FileRefused("The file is empty: it contains no rows.")
    table = Table(source, sample, filename)
    if len(sample) < SAMPLE_ROWS and not table.preview(1):
        raise FileRefused("The file has a header row but no rows below it.")
    return table


def _names_fields(cells: list[str]) -> bool:
    """Whether a row reads as a header (two known column names); over-wide rows never do."""
    return len(cells) <= MAX_COLUMNS and len(cols.match_columns(cells)) >= 2


def _trimmed(cells: list) -> list:
    """The cells without the empty ones a spreadsheet may leave at the end of a row."""
    end = len(cells)
    while end and (cells[end - 1] is None or cells[end - 1] == ""):
        end -= 1
    return cells if end == len(cells) else cells[:end]


def parse_pasted(text: str) -> Iterator[Record | RejectedRow]:
    """Numbers pasted into the box, one or more per line; a leading 'Tracking number' is skipped."""
    first = True
    for row, line in enumerate(io.StringIO(text, newline=None), start=1):
        if not line.strip():
            continue
        if first and (cols.match_header(line) or ("",))[0] == "tracking_number":
            first = False
            continue
        first = False
        yield from _number_items(row, line, {})
