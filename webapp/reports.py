"""Report downloads: the grid's current view or a preset, as CSV or XLSX."""

import os
import tempfile

from flask import Blueprint, Response, abort, request
from flask_login import current_user, login_required

from jobs.reports import (
    HEADER,
    PRESETS,
    report_filename,
    report_query,
    report_rows,
    text_cells,
    write_report,
)
from jobs.store.grid_query import GridFilter
from webapp.exports import csv_response
from webapp.timezones import merchant_zone_name

bp = Blueprint("reports", __name__, url_prefix="/reports")
FORMATS = ("csv", "xlsx")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/export")
@login_required
def export():
    """Download the filtered grid view (its query-string filters) or ?preset=exceptions."""
    fmt = request.args.get("format", "csv")
    preset = request.args.get("preset") or None
    if fmt not in FORMATS or (preset is not None and preset not in PRESETS):
        abort(400)
    grid = GridFilter.from_args(request.args)
    query = report_query(current_user.id, preset, grid)
    filename = report_filename(fmt, preset, grid)
    if fmt == "csv":
        return csv_response(
            filename, HEADER, (text_cells(r) for r in report_rows(query, zone=merchant_zone_name()))
        )
    return _xlsx_response(filename, query)


def _xlsx_response(filename, query):
    """Build the workbook in a temporary file (memory stays flat), then stream that file."""
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        write_report(report_rows(query, zone=merchant_zone_name()), "xlsx", path)
        handle = open(path, "rb")  # noqa: SIM115 - closed when sent or when the response closes
    finally:
        os.unlink(path)  # the open handle keeps the data until the download is done
    response = Response(
        _chunks(handle),
        mimetype=XLSX_MIMETYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Length": str(os.fstat(handle.fileno()).st_size),
        },
    )
    response.call_on_close(handle.close)  # a download cut short still frees the file
    return response


def _chunks(handle, size=1 << 16):
    try:
        while chunk := handle.read(size):
            yield chunk
    finally:
        handle.close()
