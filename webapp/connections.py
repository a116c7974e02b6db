"""Settings → Connections: shops and feeds that shipments are pulled from on a schedule."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from redis.exceptions import RedisError
from wtforms import IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from jobs import connections
from jobs.connectors import LABELS, ConnectorError, connector_for
from jobs.pulls import enqueue_pull
from jobs.queues import redis_connection
from jobs.store.models import Connection, ConnectionPull, db, utcnow
from webapp import throttle
from webapp.htmx import render, wants_partial

bp = Blueprint("connections", __name__, url_prefix="/settings/connections")


class _Base(FlaskForm):
    every_minutes = IntegerField(
        "Pull every (minutes)",
        default=connections.DEFAULT_EVERY,
        validators=[NumberRange(connections.MIN_EVERY, connections.MAX_EVERY)],
    )


class ShopifyForm(_Base):
    url = StringField("Store (mystore.myshopify.com)", validators=[DataRequired(), Length(max=300)])
    token = PasswordField("Admin API access token", validators=[Optional(), Length(max=200)])
    client_id = StringField("Or the app's client ID", validators=[Length(max=200)])
    client_secret = PasswordField("and its client secret", validators=[Optional(), Length(max=200)])

    def validate(self, extra_validators=None):
        """A token, or a client ID with its secret (Dev Dashboard apps)."""
        valid = super().validate(extra_validators)
        if not (self.token.data or (self.client_id.data and self.client_secret.data)):
            self.token.errors = [
                *self.token.errors,
                "Enter the access token, or the app's client ID and secret.",
            ]
            return False
        return valid


class WooCommerceForm(_Base):
    url = StringField("Store address (https://…)", validators=[DataRequired(), Length(max=300)])
    key = StringField("Consumer key (ck_…)", validators=[DataRequired(), Length(max=200)])
    secret = PasswordField("Consumer secret (cs_…)", validators=[DataRequired(), Length(max=200)])


class FeedForm(_Base):
    url = StringField("File address (CSV or XLSX)", validators=[DataRequired(), Length(max=2000)])
    username = StringField("User name (Basic auth, optional)", validators=[Length(max=200)])
    password = PasswordField("Password (optional)", validators=[Optional(), Length(max=200)])
    header_name = StringField("Or a header name (optional)", validators=[Length(max=100)])
    header_value = PasswordField("Its token (optional)", validators=[Optional(), Length(max=500)])


FORMS = {"shopify": ShopifyForm, "woocommerce": WooCommerceForm, "feed": FeedForm}
CREDENTIAL_FIELDS = {
    "shopify": ("token", "client_id", "client_secret"),
    "woocommerce": ("key", "secret"),
    "feed": ("username", "password", "header_name", "header_value"),
}


def _form(kind, formdata=True):
    if kind not in FORMS:
        abort(404)
    return FORMS[kind](prefix=kind) if formdata else FORMS[kind](prefix=kind, formdata=None)


def _credentials(kind, form) -> dict:
    return {name: (getattr(form, name).data or "").strip() for name in CREDENTIAL_FIELDS[kind]}


def _owned(connection_id) -> Connection:
    found = Connection.get_or_none(
        Connection.id == connection_id, Connection.merchant == current_user.id
    )
    if found is None:
        abort(404)
    return found


def _last_uploads(ids) -> dict:
    """The upload of each connection's latest pull (to show its refused rows)."""
    latest = {}
    pulls = ConnectionPull.select().where(ConnectionPull.connection.in_(ids or [0]))
    for p in pulls.order_by(ConnectionPull.id):
        latest[p.connection_id] = p.upload_id
    return latest


def _page(status=200, forms=None, results=None):
    rows = list(
        Connection.select().where(Connection.merchant == current_user.id).order_by(Connection.id)
    )
    forms = {k: (forms or {}).get(k) or _form(k, formdata=False) for k in FORMS}
    body, _, headers = render(
        "settings/connections.html",
        "settings/_connections.html",
        connections=rows,
        forms=forms,
        results=results or {},
        labels=LABELS,
        last_uploads=_last_uploads([c.id for c in rows]),
        now=utcnow(),
    )
    return body, status, {**headers, "Cache-Control": "no-store"}


@bp.get("")
@login_required
def index():
    """The merchant's connections with their last and next runs, and a form per kind."""
    return _page()


@bp.get("/help")
@login_required
def guide():
    """How to give Parceldesk access to a Shopify or WooCommerce store, and what each pulls."""
    return render_template("settings/connections_help.html")


@bp.post("/<kind>")
@login_required
def create(kind):
    """Save a connection (credentials encrypted); its first pull is due at once."""
    form = _form(kind)
    if not form.validate_on_submit():
        return _page(422, forms={kind: form})
    try:
        connection = connections.create(
            current_user.id,
            kind,
            form.url.data,
            _credentials(kind, form),
            current_app.config,
            every_minutes=form.every_minutes.data,
        )
    except ConnectorError as error:
        form.url.errors.append(str(error))
        return _page(422, forms={kind: form})
    _enqueue(connection.id)
    flash(f"{LABELS[kind]} connected: its first pull is on its way.")
    return redirect(url_for("connections.index"), 303)


def _too_many_tests() -> str | None:
    limit = current_app.config["CONNECTION_TEST_RATE_LIMIT"]
    wait = throttle.hit("connection-test", current_user.id, limit)
    return f"Too many tests in a short time; wait {wait} min." if wait else None


@bp.post("/<kind>/test")
@login_required
def test_new(kind):
    """Try the credentials typed in the add form, before saving them."""
    form = _form(kind)
    form.validate()
    result = {"ok": False, "message": _too_many_tests()}
    if not result["message"]:
        try:
            said = connections.test_new(
                current_user.id, kind, form.url.data, _credentials(kind, form), current_app.config
            )
            result = {"ok": True, "message": said}
        except ConnectorError as error:
            result["message"] = str(error)
    return _result(f"{kind}-test", result, forms={kind: form})


@bp.post("/<int:connection_id>/test")
@login_required
def test(connection_id):
    """Try a saved connection now; says plainly what works or what is wrong."""
    connection = _owned(connection_id)
    result = {"ok": False, "message": _too_many_tests()}
    if not result["message"]:
        try:
            result = {"ok": True, "message": connector_for(connection, current_app.config).test()}
        except ConnectorError as error:
            result["message"] = str(error)
    return _result(f"connection-{connection.id}-test", result)


def _result(target, result, forms=None):
    status = 429 if result["message"] and result["message"].startswith("Too many") else 200
    if wants_partial():
        body = render_result(target, result)
        return body, status, {"Vary": "HX-Request", "Cache-Control": "no-store"}
    return _page(status, forms=forms, results={target: result})


def render_result(target, result):
    """The one-line result of a connection test (its own swap target)."""
    return render_template("settings/_connection_result.html", target=target, result=result)


@bp.post("/<int:connection_id>/pull")
@login_required
def pull_now(connection_id):
    """Queue a pull of this connection now."""
    connection = _owned(connection_id)
    Connection.update(next_run_at=utcnow()).where(Connection.id == connection.id).execute()
    _enqueue(connection.id)
    if wants_partial():
        return row(connection.id)
    flash("A pull is on its way; its counts appear here when it is done.")
    return redirect(url_for("connections.index"), 303)


@bp.get("/<int:connection_id>")
@login_required
def row(connection_id):
    """One connection's row (polled while a pull is due or running)."""
    connection = _owned(connection_id)
    if not wants_partial():
        return redirect(url_for("connections.index"), 303)
    body, _, headers = render(
        "settings/connections.html",
        "settings/_connection_row.html",
        c=connection,
        labels=LABELS,
        last_uploads=_last_uploads([connection.id]),
        now=utcnow(),
        results={},
    )
    return body, 200, {**headers, "Cache-Control": "no-store"}


@bp.post("/<int:connection_id>/delete")
@login_required
def delete(connection_id):
    """Remove a connection and its credentials; the shipments it brought stay."""
    connection = _owned(connection_id)
    with db.atomic():
        ConnectionPull.delete().where(ConnectionPull.connection == connection.id).execute()
        connection.delete_instance()
    flash(f"The {LABELS[connection.kind]} connection was removed.")
    return redirect(url_for("connections.index"), 303)


def _enqueue(connection_id):
    try:
        enqueue_pull(redis_connection(current_app.config), connection_id)
    except RedisError:
        pass  # due in the database: the sweep queues it when Redis is back
