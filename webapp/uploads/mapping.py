"""What the mapping step tells a merchant: which columns hold tracking numbers, what a chosen
column would import, and the remembered choices (listed and forgotten on Settings)."""

import json

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from jobs.files.parsing import PREVIEW_COLUMNS
from jobs.reports.labels import reason_text
from jobs.store.models import ColumnMapping, Upload, db
from jobs.tracking.carriers import detect
from jobs.tracking.plausibility import check
from webapp.htmx import render, wants_partial
from webapp.uploads.blueprint import bp, merchant_upload

PLAUSIBLE_SHARE = 0.5  # a column below this is "mostly not tracking numbers"
EXAMPLES = 3
NO_NUMBERS = (
    "None of the columns in this file holds tracking numbers. It looks like an order list "
    "without shipping information (a Shopify orders export, for example, has no tracking "
    "column): export your shipments with their tracking numbers and upload that file, or "
    "cancel this upload. If a column does hold them, choose it below."
)


UNRECOGNISED = "no carrier we know writes numbers like this (or its check digit is wrong)"


def _refusal(value: str) -> str | None:
    """Why a value is not a tracking number: the gate's reason, or that no carrier rule accepts
    it, as with order ids, payment ids and SKUs (Shopify's "c12345678901234.1" payment
    references take OnTrac's shape but rarely its check digit)."""
    number, reason = check(value)
    if reason is not None:
        return reason_text(reason)
    found = detect(number)
    return None if found.valid else UNRECOGNISED


def share_recognised(values: list[str]) -> float:
    """The share of non-blank values some carrier rule accepts (0.0 for no values)."""
    filled = [v for v in values if v and v.strip()]
    return sum(_refusal(v) is None for v in filled) / len(filled) if filled else 0.0


def column_shares(table) -> list[float]:
    """For each column, the share of its sample values that are recognised tracking numbers."""
    return [share_recognised(table.sample_column(i)) for i in range(len(table.headers))]


def column_warning(table, index: int) -> str | None:
    """A plain warning when most values of the chosen column are not tracking numbers."""
    values = table.sample_column(index)
    if not values or share_recognised(values) >= PLAUSIBLE_SHARE:
        return None
    refused = [(v, why) for v in values if (why := _refusal(v)) is not None]
    name = table.headers[index] or f"Column {index + 1}"
    examples = "; ".join(f"“{v[:40]}”: {why}" for v, why in refused[:EXAMPLES])
    return (
        f"{len(refused)} of the first {len(values)} values in “{name}” are not tracking "
        f"numbers and would be rejected or stored as unknown ({examples}). "
        "Choose another column, or import anyway."
    )


@bp.app_template_global()
def remembered_mappings():
    """The current merchant's remembered column choices, newest first (for Settings)."""
    if not current_user.is_authenticated:
        return []
    rows = ColumnMapping.select().where(ColumnMapping.merchant == current_user.id)
    return [_described(m) for m in rows.order_by(ColumnMapping.id.desc())]


def _described(saved) -> dict:
    headers = json.loads(saved.headers) if saved.headers else []
    chosen = json.loads(saved.mapping)
    named = {
        field.replace("_", " "): (
            headers[i] if i < len(headers) and headers[i] else f"column {i + 1}"
        )
        for field, i in sorted(chosen.items(), key=lambda item: item[1])
    }
    return {"id": saved.id, "filename": saved.filename or "a file", "columns": named}


@bp.post("/mappings/<int:mapping_id>/forget")
@login_required
def forget_mapping(mapping_id):
    """Forget one remembered column choice: files with those columns ask again."""
    deleted = (
        ColumnMapping.delete()
        .where(ColumnMapping.id == mapping_id, ColumnMapping.merchant == current_user.id)
        .execute()
    )
    if not deleted:
        abort(404)
    flash("Forgotten: files with those columns will ask which column is which again.")
    return redirect(request.form.get("back") or url_for("settings.provider"), 303)


@bp.post("/<int:upload_id>/cancel")
@login_required
def cancel(upload_id):
    """Cancel an upload waiting for its columns: its file and its record are removed."""
    from jobs import storage

    upload = merchant_upload(upload_id)
    if upload.state == "mapping":
        storage.delete([upload.id], current_app.config)  # object storage too
        with db.atomic():
            Upload.delete().where(Upload.id == upload.id).execute()
        flash(f"Upload of {upload.filename} cancelled; nothing was imported.")
    target = url_for("uploads.index")
    if wants_partial():
        return "", 200, {"HX-Redirect": target}
    return redirect(target, 303)


def render_mapping(upload, table, fields, chosen=None, error=None, warning=None):
    """The mapping step (page or partial), with what the columns hold and any error or warning."""
    shares = column_shares(table)
    body, _, headers = render(
        "uploads/mapping.html",
        "uploads/_mapping.html",
        upload=upload,
        table=table,
        fields=fields,
        chosen=chosen if chosen is not None else table.columns,
        error=error,
        warning=warning,
        no_numbers=max(shares, default=0.0) < PLAUSIBLE_SHARE,
        no_numbers_text=NO_NUMBERS,
        preview_columns=PREVIEW_COLUMNS,
    )
    return body, 422 if error or warning else 200, headers
