"""Upload shipment lists (file or pasted) and follow the import."""

import json
import tempfile
import uuid
from pathlib import Path

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from peewee import fn
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer
from werkzeug.utils import secure_filename
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from jobs import storage
from jobs.files.parsing import FIELDS, FileRefused, open_table
from jobs.queues import enqueue_import, redis_connection
from jobs.store.models import ColumnMapping, RowError, Shipment, Upload, db
from jobs.store.private_files import private_file
from webapp import throttle
from webapp.htmx import render, wants_partial
from webapp.uploads.blueprint import bp, merchant_upload
from webapp.uploads.mapping import column_warning, render_mapping

ROW_ERRORS_SHOWN = 200
PASTE_LIMIT = 2_000_000  # characters


class UploadForm(FlaskForm):
    file = FileField("Shipment list (CSV, TSV or XLSX)", validators=[FileRequired()])


class PasteForm(FlaskForm):
    numbers = TextAreaField(
        "Or paste tracking numbers, one per line",
        validators=[DataRequired(), Length(max=PASTE_LIMIT)],
    )


@bp.get("")
@login_required
def index():
    """The upload forms and the merchant's recent uploads."""
    return _index_page(UploadForm(), PasteForm())


def _index_page(form, paste, status=200):
    uploads = (
        Upload.select()
        .where(Upload.merchant == current_user.id)
        .order_by(Upload.id.desc())
        .limit(50)
    )
    body, _, headers = render(
        "uploads/index.html", "uploads/_form.html", form=form, paste=paste, uploads=uploads
    )
    return body, status, headers


def _too_many(field) -> bool:
    """Count one upload against UPLOAD_RATE_LIMIT; when over it, say so on `field`."""
    wait = throttle.hit("upload", current_user.id, current_app.config["UPLOAD_RATE_LIMIT"])
    if wait:
        field.errors.append(f"Too many uploads in a short time. Try again in {wait} min.")
    return bool(wait)


def too_large(error):
    """An over-size upload gets the upload form with a message (413), not a bare error page."""
    if request.blueprint != "uploads" or not current_user.is_authenticated:
        return error
    form = UploadForm(formdata=None)
    limit = current_app.config["MAX_UPLOAD_MB"]
    form.file.errors = [f"This file is larger than {limit} MB. Split it, or remove columns."]
    return _index_page(form, PasteForm(formdata=None), 413)


@bp.post("")
@login_required
def create():
    """Check and store the file; queue its import, or ask which column holds the numbers."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _index_page(form, PasteForm(), 422)
    if _too_many(form.file):
        return _index_page(form, PasteForm(), 429)
    filename = form.file.data.filename or "upload"
    path = _new_path(filename)
    try:
        with private_file(path) as stored:  # 0600 while it waits in the temporary folder
            form.file.data.save(stored)
        table = open_table(path, filename, current_app.config["MAX_UPLOAD_MB"] << 20)
    except FileRefused as refused:
        path.unlink(missing_ok=True)  # a refused file leaves nothing behind
        form.file.errors.append(str(refused))
        return _index_page(form, PasteForm(), 422)
    mapping = None if table.confident else _remembered(table.signature())
    try:
        with db.atomic():
            upload = Upload.create(
                merchant=current_user.id,
                filename=filename[:255],
                mapping=mapping,
                state="queued" if table.confident or mapping else "mapping",
            )
            storage.store_file(upload.id, path, current_app.config)
    finally:
        path.unlink(missing_ok=True)
    if upload.state == "mapping":
        return redirect(url_for("uploads.mapping", upload_id=upload.id), 303)
    return _queue(upload)


@bp.post("/paste")
@login_required
def paste():
    """Import a pasted list of numbers like a one-column file."""
    form = PasteForm()
    if not form.validate_on_submit():
        return _index_page(UploadForm(), form, 422)
    if _too_many(form.numbers):
        return _index_page(UploadForm(), form, 429)
    with db.atomic():
        upload = Upload.create(merchant=current_user.id, filename="Pasted numbers", source="paste")
        storage.store_bytes(upload.id, form.numbers.data.encode("utf-8"), current_app.config)
    return _queue(upload)


def _queue(upload):
    try:
        enqueue_import(redis_connection(current_app.config), upload.id)
    except RedisError:
        # The file and its Upload row are safe in the database; the sweep queues it later.
        flash(
            "Your file is saved. The job queue is unavailable right now, so processing will "
            "start by itself as soon as it is back."
        )
    target = url_for("uploads.show", upload_id=upload.id)
    if wants_partial():  # the htmx mapping step: let the browser go to the progress page
        return "", 200, {"HX-Redirect": target}
    return redirect(target, 303)


def _new_path(filename) -> Path:
    """A temporary local file for checking an upload before it goes to the shared store."""
    folder = Path(tempfile.gettempdir())
    return folder / f"parceldesk-{uuid.uuid4().hex}-{secure_filename(filename) or 'upload'}"


def _remembered(signature):
    saved = ColumnMapping.get_or_none(
        ColumnMapping.merchant == current_user.id, ColumnMapping.signature == signature
    )
    return saved.mapping if saved else None


@bp.route("/<int:upload_id>/mapping", methods=["GET", "POST"])
@login_required
def mapping(upload_id):
    """The column-mapping step: a preview of the first rows and a choice per field."""
    upload = merchant_upload(upload_id)
    if upload.state != "mapping":
        return redirect(url_for("uploads.show", upload_id=upload.id), 303)

    try:
        with storage.local_copy(upload, current_app.config) as path:
            table = open_table(path, upload.filename)
    except storage.FileGone as gone:
        abort(410, str(gone))
    if request.method != "POST":
        return render_mapping(upload, table, FIELDS)
    chosen = _chosen_mapping(len(table.headers))
    if "tracking_number" not in chosen:
        error = "Choose the column that holds the tracking numbers."
        return render_mapping(upload, table, FIELDS, chosen, error=error)
    warning = column_warning(table, chosen["tracking_number"])
    if warning and request.form.get("confirm") != "1":
        return render_mapping(upload, table, FIELDS, chosen, warning=warning)
    # A column imported despite the warning is not remembered for the next file.
    return _save_mapping(upload, table, chosen, remember=warning is None)


def _chosen_mapping(width):
    chosen = {}
    for field in FIELDS:
        value = request.form.get(field, "")
        if value.isdigit() and int(value) < width:
            chosen[field] = int(value)
    return chosen


def _save_mapping(upload, table, chosen, remember=True):
    encoded = json.dumps(chosen, sort_keys=True)
    with db.atomic():
        if remember:
            described = {
                ColumnMapping.mapping: encoded,
                ColumnMapping.headers: json.dumps(table.headers[:200], ensure_ascii=False),
                ColumnMapping.filename: upload.filename,
            }
            ColumnMapping.insert(
                merchant=upload.merchant_id,
                signature=table.signature(),
                **{field.name: value for field, value in described.items()},
            ).on_conflict(
                conflict_target=[ColumnMapping.merchant, ColumnMapping.signature],
                update=described,
            ).execute()
        Upload.update(mapping=encoded, state="queued").where(Upload.id == upload.id).execute()
    return _queue(upload)


@bp.get("/<int:upload_id>")
@login_required
def show(upload_id):
    """One upload: progress while it runs (htmx polls this URL), then summary and rejected rows."""
    upload = merchant_upload(upload_id)
    if upload.state == "mapping":
        return redirect(url_for("uploads.mapping", upload_id=upload.id))
    return render("uploads/show.html", "uploads/_progress.html", **_progress(upload))


@bp.get("/<int:upload_id>/rejected.csv")
@login_required
def rejected_csv(upload_id):
    """Every rejected row of an upload as CSV, to fix and upload again."""
    from jobs.reports.labels import reason_text
    from webapp.exports import csv_response

    upload = merchant_upload(upload_id)
    return csv_response(
        f"rejected-rows-{upload.id}.csv",
        ["row", "value", "reason", "explanation"],
        _rejected_records(upload.id, reason_text),
    )


def _rejected_records(upload_id, reason_text):
    """The rows, read while the response streams: the request's connection is closed by then,
    so the query must run inside the generator (peewee reconnects), never before it."""
    rows = (
        RowError.select(RowError.row, RowError.value, RowError.reason)
        .where(RowError.upload == upload_id)
        .order_by(RowError.row)
        .tuples()
    )
    for row, value, reason in rows.iterator():
        yield [row, value, reason, reason_text(reason)]


def _rows_read(upload):
    """Rows the running import job has read so far (from its RQ meta), if it says."""
    try:
        job = Job.fetch(
            f"import-{upload.id}",
            connection=redis_connection(current_app.config),
            serializer=JSONSerializer,
        )
        return job.get_meta(refresh=True).get("rows_read")
    except (NoSuchJobError, RedisError):
        return None


def _progress(upload):
    total, checked = (
        Shipment.select(fn.COUNT(Shipment.id), fn.COUNT(Shipment.checked_at))
        .where(Shipment.upload == upload.id)
        .tuples()
        .get()
    )
    errors = (
        RowError.select()
        .where(RowError.upload == upload.id)
        .order_by(RowError.row)
        .limit(ROW_ERRORS_SHOWN)
    )
    finished = upload.state in ("done", "failed")
    rows_read = _rows_read(upload) if upload.state == "parsing" else None
    truncated_at = (
        RowError.select(RowError.row)
        .where(RowError.upload == upload.id, RowError.reason == "truncated_row")
        .scalar()
    )
    percent = 100 if finished else int(100 * checked / total) if total else 0
    return {
        "upload": upload,
        "total": total,
        "checked": checked,
        "percent": percent,
        "row_errors": errors,
        "rows_read": rows_read,
        "truncated_at": truncated_at,
        "combined": getattr(upload, "combined", 0),
        "running": not finished,
        "shown_limit": ROW_ERRORS_SHOWN,
    }
