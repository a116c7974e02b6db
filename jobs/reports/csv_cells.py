"""CSV rows that spreadsheets open safely: no cell is ever run as a formula."""

import csv
import io
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula trigger after a separator a spreadsheet may split on (Excel's list separator is
# ";" in many locales, tab in pasted text), with spaces or a quote in between.
TRIGGER_AFTER_SEPARATOR = re.compile(r'([,;\t][\s"]*)(?=[=+\-@])')


def neutralise(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_csv(value):
    """Like `neutralise`, and every trigger after a separator gets an apostrophe too.

    `Eve;=cmd|…` written to a CSV is one cell where the separator is ",", but a formula in its
    second cell where Excel splits on ";"; `Eve;'=cmd|…` is text either way.
    """
    if isinstance(value, str):
        value = TRIGGER_AFTER_SEPARATOR.sub(r"\1'", value)
    return neutralise(value)


def csv_rows(header, records):
    """Yield CSV text: a UTF-8 BOM so Excel reads the encoding right, then one line per record."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise_csv(v) for v in record])
        yield buffer.getvalue()
