"""The merchant teaches the classifier: "this status is wrong" → a rule for that wording."""

import uuid

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import runtime
from jobs.queues import enqueue_reclassify, redis_connection
from jobs.reports.labels import reason_label, status_label
from jobs.store.models import MerchantRule, TrackingEvent, db, utcnow
from jobs.tracking.reading import wording_key
from jobs.tracking.taxonomy import REASONS
from webapp.htmx import wants_partial
from webapp.shipments.blueprint import bp
from webapp.shipments.detail import merchant_shipment

TEXTS_SHOWN = 20
# statuses a single wording can mean (not_found and expired are about whole parcels)
TEACHABLE = [s for s in REASONS if s not in ("not_found", "expired")]


@bp.app_template_global()
def teaching(shipment) -> dict:
    """The distinct wordings of a shipment's events (newest first) and the pairs to choose."""
    texts = []
    query = (
        TrackingEvent.select(TrackingEvent.text)
        .where(TrackingEvent.shipment == shipment.id)
        .order_by(TrackingEvent.time.desc())
        .limit(200)
    )
    for row in query:
        if row.text and row.text not in texts:
            texts.append(row.text)
    pairs = [
        (f"{status}/{reason}", f"{status_label(status)} — {reason_label(reason)}")
        for status in TEACHABLE
        for reason in REASONS[status]
    ]
    return {"texts": texts[:TEXTS_SHOWN], "pairs": pairs}


def _job_prefix() -> str:
    return f"teach-{current_user.id}-"


@bp.post("/<int:shipment_id>/teach")
@login_required
def teach(shipment_id):
    """Store the merchant's reading of one wording and reclassify their parcels in background."""
    shipment = merchant_shipment(shipment_id)
    text = request.form.get("text", "").strip()
    status, _, reason = request.form.get("pair", "").partition("/")
    known = {t for t in teaching(shipment)["texts"]}
    if text not in known or status not in TEACHABLE or reason not in REASONS.get(status, ()):
        abort(400)
    with db.atomic():
        MerchantRule.insert(
            merchant=current_user.id,
            wording=wording_key(text),
            sample=text,
            status=status,
            reason=reason,
            created_at=utcnow(),
        ).on_conflict(
            conflict_target=[MerchantRule.merchant, MerchantRule.wording],
            update={
                MerchantRule.status: status,
                MerchantRule.reason: reason,
                MerchantRule.sample: text,
            },
        ).execute()
    job_id = _job_prefix() + uuid.uuid4().hex[:12]
    cause = f"your rule: “{text[:200]}” means {status}/{reason}"
    enqueue_reclassify(redis_connection(runtime.setup()), current_user.id, cause, job_id=job_id)
    if not wants_partial():
        return redirect(url_for("shipments.detail", shipment_id=shipment.id), 303)
    body = render_template(
        "shipments/_teach.html", s=shipment, taught=(text, status, reason), job_id=job_id
    )
    return body, 200, {"Vary": "HX-Request"}


@bp.get("/teach/progress/<job_id>")
@login_required
def teach_progress(job_id):
    """How far the reclassification after teaching has got; polls itself until it is done."""
    if not job_id.startswith(_job_prefix()):
        abort(404)
    try:
        job = Job.fetch(
            job_id, connection=redis_connection(runtime.setup()), serializer=JSONSerializer
        )
    except NoSuchJobError:
        abort(404)
    state = job.get_status()
    body = render_template("shipments/_teach_progress.html", job=job, state=state, job_id=job_id)
    headers = {"Vary": "HX-Request"}
    if state == "finished":
        headers["HX-Trigger"] = "grid-changed"
    return body, 200, headers
