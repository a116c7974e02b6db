"""Settings → Integrations: API tokens (shown once, revocable) and outbound webhook endpoints."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from redis.exceptions import RedisError
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from jobs import notify
from jobs.outbound import UnsafeURL, check_url
from jobs.queues import enqueue_webhook_delivery, redis_connection
from jobs.store.models import ApiToken, WebhookDelivery, WebhookEndpoint, WebhookEvent, db
from jobs.tracking.classify import STATUSES
from webapp.api import new_token

bp = Blueprint("integrations", __name__, url_prefix="/settings/integrations")
KIND_LABELS = {"json": "JSON (signed)", "slack": "Slack", "teams": "Microsoft Teams"}
LOG_LIMIT = 50


class TokenForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    scope = RadioField(
        "Access",
        choices=[SelectChoice("read", "Read only"), SelectChoice("write", "Read and write")],
        default="read",
    )


class CheckboxesField(SelectMultipleField):
    """Several choices as a row of checkboxes (a multi-select list is hard to use with a mouse)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EndpointForm(FlaskForm):
    url = StringField("Receiver URL", validators=[DataRequired(), Length(max=2000)])
    kind = RadioField(
        "Format", choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()], default="json"
    )
    statuses = CheckboxesField(
        "Or only these statuses",
        choices=[SelectChoice(k, v) for k, v in STATUSES],
    )
    needs_action_only = BooleanField("Only parcels that need action", default=True)


def _page(token_form=None, endpoint_form=None, status=200, **extra):
    merchant_id = current_user.id
    tokens = ApiToken.select().where(ApiToken.merchant == merchant_id).order_by(ApiToken.id)
    endpoints = (
        WebhookEndpoint.select()
        .where(WebhookEndpoint.merchant == merchant_id)
        .order_by(WebhookEndpoint.id)
    )
    body = render_template(
        "settings/integrations.html",
        token_form=token_form or TokenForm(formdata=None),
        endpoint_form=endpoint_form or EndpointForm(formdata=None),
        tokens=tokens,
        endpoints=endpoints,
        kinds=KIND_LABELS,
        **extra,
    )
    return body, status, {"Cache-Control": "no-store"}


@bp.get("")
@login_required
def index():
    """The merchant's API tokens and webhook endpoints."""
    return _page()


@bp.post("/tokens")
@login_required
def create_token():
    """Create an API token and show it this once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(token_form=form, status=422)
    token = new_token(current_user.id, form.name.data.strip(), form.scope.data == "write")
    return _page(new_token=token)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    """Revoke a token: it stops working at once."""
    deleted = (
        ApiToken.delete()
        .where(ApiToken.id == token_id, ApiToken.merchant == current_user.id)
        .execute()
    )
    if not deleted:
        abort(404)
    flash("The token was revoked.")
    return redirect(url_for("integrations.index"), 303)


@bp.post("/endpoints")
@login_required
def create_endpoint():
    """Add a webhook endpoint; its signing secret is shown this once."""
    form = EndpointForm()
    if not form.validate_on_submit():
        return _page(endpoint_form=form, status=422)
    try:
        url = check_url(form.url.data, current_app.config.get("ALLOW_PRIVATE_URLS", False))
    except UnsafeURL as unsafe:
        form.url.errors.append(f"Parceldesk cannot send to this address: {unsafe}.")
        return _page(endpoint_form=form, status=422)
    secret = notify.new_secret()
    with db.atomic():
        latest = notify.latest_change_id()
        WebhookEndpoint.create(
            merchant=current_user.id,
            url=url,
            kind=form.kind.data,
            secret=notify.store_secret(secret, current_app.config["SECRET_KEY"]),
            statuses=",".join(form.statuses.data or []),
            needs_action_only=form.needs_action_only.data,
            cursor=latest,
        )
    return _page(new_secret=secret if form.kind.data == "json" else None, added=True)


def _endpoint(endpoint_id) -> WebhookEndpoint:
    found = WebhookEndpoint.get_or_none(
        WebhookEndpoint.id == endpoint_id, WebhookEndpoint.merchant == current_user.id
    )
    if found is None:
        abort(404)
    return found


@bp.post("/endpoints/<int:endpoint_id>/delete")
@login_required
def delete_endpoint(endpoint_id):
    """Remove an endpoint and its delivery log."""
    _endpoint(endpoint_id).delete_instance(recursive=True)
    flash("The endpoint was removed.")
    return redirect(url_for("integrations.index"), 303)


@bp.post("/endpoints/<int:endpoint_id>/test")
@login_required
def test_endpoint(endpoint_id):
    """Send a test event now; its result appears in the delivery log."""
    endpoint = _endpoint(endpoint_id)
    event = notify.test_event(endpoint, notify.base_url(current_app.config))
    _enqueue(event.id)
    flash("A test event is on its way; its result appears below in a few seconds.")
    return redirect(url_for("integrations.log", endpoint_id=endpoint.id), 303)


def _enqueue(event_id):
    try:
        enqueue_webhook_delivery(redis_connection(current_app.config), event_id)
    except RedisError:
        pass  # pending and due in the database: the sweep sends it when Redis is back


@bp.get("/endpoints/<int:endpoint_id>")
@login_required
def log(endpoint_id):
    """The endpoint's latest events with every delivery attempt."""
    endpoint = _endpoint(endpoint_id)
    events = list(
        WebhookEvent.select()
        .where(WebhookEvent.endpoint == endpoint.id)
        .order_by(WebhookEvent.id.desc())
        .limit(LOG_LIMIT)
    )
    attempts = {}
    for delivery in (
        WebhookDelivery.select()
        .where(WebhookDelivery.event.in_([e.id for e in events] or [0]))
        .order_by(WebhookDelivery.at)
    ):
        attempts.setdefault(delivery.event_id, []).append(delivery)
    body = render_template(
        "settings/webhook_log.html",
        endpoint=endpoint,
        events=events,
        attempts=attempts,
        kinds=KIND_LABELS,
    )
    return body, 200, {"Cache-Control": "no-store"}


@bp.post("/events/<int:event_id>/redeliver")
@login_required
def redeliver(event_id):
    """Send an event again now, with the same webhook-id."""
    event = WebhookEvent.get_or_none(WebhookEvent.id == event_id)
    if event is None:
        abort(404)
    endpoint = _endpoint(event.endpoint_id)
    notify.reset(event)
    _enqueue(event.id)
    flash("The event is being sent again.")
    return redirect(url_for("integrations.log", endpoint_id=endpoint.id), 303)
