"""Streamed CSV downloads."""

from flask import Response, stream_with_context

from jobs.reports.csv_cells import csv_rows


def csv_response(filename, header, records) -> Response:
    """A streamed CSV attachment (rows never all held in memory)."""
    return Response(
        stream_with_context(csv_rows(header, records)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
