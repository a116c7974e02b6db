"""The XLSX writer of reports, streamed row by row (xlsxwriter's constant_memory mode)."""

from collections.abc import Iterable
from datetime import datetime

import xlsxwriter

from jobs.reports import COLUMNS, STATUS_COLUMN
from jobs.reports.csv_cells import neutralise

# Fill and text colours per status label, with dark-enough text on each fill for contrast.
STATUS_COLOURS = {
    "Alert": ("#F8D7DA", "#842029"),
    "Undelivered": ("#FCE3C6", "#7A3E00"),
    "Returned": ("#E2D9F3", "#432874"),
    "Expired": ("#E2E3E5", "#41464B"),
    "Not found": ("#FFF3CD", "#664D03"),
    "Pick up": ("#CFF4FC", "#055160"),
    "In transit": ("#DCE8FA", "#0A3F8C"),
    "Delivered": ("#D1E7DD", "#0F5132"),
}


def write_xlsx(rows: Iterable[list], path) -> int:
    """Write a report workbook to `path` (frozen header, autofilter, coloured statuses)."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,  # each row is flushed to disk once the next one starts
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet("Report")
    formats = _formats(workbook)
    for col, (name, width) in enumerate(COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, name, formats["header"])
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        _write_row(sheet, count, row, formats)
    sheet.autofilter(0, 0, max(count, 1), len(COLUMNS) - 1)
    workbook.close()
    return count


def _formats(workbook) -> dict:
    formats = {
        "header": workbook.add_format({"bold": True, "bg_color": "#E9ECEF", "bottom": 1}),
        "time": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    for label, (fill, text) in STATUS_COLOURS.items():
        formats[label] = workbook.add_format({"bg_color": fill, "font_color": text})
    return formats


def _write_row(sheet, row_index: int, row: list, formats: dict):
    """Each cell with an explicit type, so no text is ever taken for a formula or a number."""
    for col, value in enumerate(row):
        if value is None or value == "":
            continue
        if isinstance(value, datetime):
            sheet.write_datetime(row_index, col, value, formats["time"])
        elif isinstance(value, int | float):
            sheet.write_number(row_index, col, value)
        else:
            style = formats.get(value) if col == STATUS_COLUMN else None
            sheet.write_string(row_index, col, neutralise(str(value)), style)
