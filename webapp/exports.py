"""Streamed CSV downloads that spreadsheets open safely."""

import csv
import io

from flask import Response, stream_with_context

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_rows(header, records):
    """Yield CSV text: a UTF-8 BOM so Excel reads the encoding right, then one line per record."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(v) for v in record])
        yield buffer.getvalue()


def csv_response(filename, header, records) -> Response:
    """A streamed CSV attachment (rows never all held in memory)."""
    return Response(
        stream_with_context(csv_rows(header, records)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
