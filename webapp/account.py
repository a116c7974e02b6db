"""The merchant's own account: change password, export everything, delete everything."""

import json
import shutil
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from jobs import storage
from jobs.store.models import Merchant, Shipment, StatusChange, TrackingEvent, Upload, db
from webapp.auth import end_all_sessions, password_problem, start_session

bp = Blueprint("account", __name__, url_prefix="/account")


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=200)])


class DeleteForm(FlaskForm):
    confirm = PasswordField("Your password", validators=[DataRequired(), Length(max=200)])


@bp.get("")
@login_required
def index():
    """Account page: password change, data export, account deletion."""
    return _page(PasswordForm(), DeleteForm())


def _page(password_form, delete_form, status=200):
    html = render_template("account/index.html", form=password_form, delete_form=delete_form)
    return html, status


@bp.post("/password")
@login_required
def change_password():
    """Change the password after checking the current one; every other session ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current.data):
            form.current.errors.append("The current password is wrong.")
        elif problem := password_problem(form.new.data, current_user.email, current_user.name):
            form.new.errors.append(problem)
        else:
            Merchant.update(password_hash=generate_password_hash(form.new.data)).where(
                Merchant.id == current_user.id
            ).execute()
            end_all_sessions(current_user.id)
            start_session(Merchant.get_by_id(current_user.id))
            flash("Your password was changed.")
            return redirect(url_for("account.index"), 303)
    return _page(form, DeleteForm(), 422)


@bp.get("/export")
@login_required
def export():
    """Everything the merchant stored, as JSON lines: uploads, then shipments with history."""
    merchant_id = current_user.id
    return Response(
        stream_with_context(_export_lines(merchant_id)),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="parceldesk-export.jsonl"'},
    )


EXPORT_BATCH = 500  # shipments per round of queries: three queries per batch, not per parcel


def _export_lines(merchant_id):
    for upload in Upload.select().where(Upload.merchant == merchant_id).dicts().iterator():
        yield _line("upload", upload)
    after = 0
    while True:
        batch = list(
            Shipment.select()
            .where(Shipment.merchant == merchant_id, Shipment.id > after)
            .order_by(Shipment.id)
            .limit(EXPORT_BATCH)
            .dicts()
        )
        if not batch:
            return
        ids = [shipment["id"] for shipment in batch]
        events = _by_shipment(
            TrackingEvent.select(
                TrackingEvent.shipment,
                TrackingEvent.time,
                TrackingEvent.text,
                TrackingEvent.location,
            )
            .where(TrackingEvent.shipment.in_(ids))
            .order_by(TrackingEvent.shipment, TrackingEvent.time)
        )
        changes = _by_shipment(
            StatusChange.select(
                StatusChange.shipment,
                StatusChange.at,
                StatusChange.new_status,
                StatusChange.new_reason,
            )
            .where(StatusChange.shipment.in_(ids))
            .order_by(StatusChange.shipment, StatusChange.at)
        )
        for shipment in batch:
            shipment["events"] = events.get(shipment["id"], [])
            shipment["status_history"] = changes.get(shipment["id"], [])
            yield _line("shipment", shipment)
        after = ids[-1]


def _by_shipment(query) -> dict:
    """Rows of one batch query grouped by shipment id, without the id in each row."""
    grouped = {}
    for row in query.dicts().iterator():
        grouped.setdefault(row.pop("shipment"), []).append(row)
    return grouped


def _line(kind, record):
    record = {k: v for k, v in record.items() if k not in ("merchant", "stored_path")}
    return json.dumps({"type": kind, **record}, default=str, ensure_ascii=False) + "\n"


@bp.post("/delete")
@login_required
def delete():
    """Delete the account and everything of it (shipments, events, uploads and their files)."""
    form = DeleteForm()
    if not form.validate_on_submit() or not check_password_hash(
        current_user.password_hash, form.confirm.data
    ):
        form.confirm.errors.append("Type your password to confirm.")
        return _page(PasswordForm(), form, 422)
    merchant_id = current_user.id
    storage.delete_merchant_files(merchant_id, current_app.config)  # object storage too
    with db.atomic():
        Merchant.delete().where(Merchant.id == merchant_id).execute()  # cascades to all its rows
    folder = Path(current_app.config["PARCELDESK_HOME"], "uploads", str(merchant_id))
    shutil.rmtree(folder, ignore_errors=True)  # files of versions that kept them here
    logout_user()
    flash("Your account and all its data were deleted.")
    return redirect(url_for("auth.signup"), 303)
