"""The JSON API under /api/v1: what the grid does, for scripts and other tools, per token.

Tokens are sent as `Authorization: Bearer …`, looked up by their SHA-256 (the token itself is
never stored), scoped read or read+write, and rate-limited per token. Every query starts from the
token's merchant. Errors are `application/problem+json` (RFC 9457). The contract is
`webapp/static/openapi.json`, which the tests validate every answer against.
"""

import csv
import hashlib
import io
import secrets
import time
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, request
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException

from jobs import storage
from jobs.queues import redis_connection
from jobs.store.grid_query import GridFilter, merchant_shipments, status_counts
from jobs.store.models import (
    FOLLOWUP_STATES,
    ApiToken,
    Shipment,
    StatusChange,
    TrackingEvent,
    Upload,
    db,
    utcnow,
)
from jobs.tracking.carriers import detect
from webapp.cli_data import _shipment_json
from webapp.shipments.paging import grid_page

bp = Blueprint("api", __name__, url_prefix="/api/v1")
TOKEN_PREFIX = "pd_"
PAGE_SIZE, PAGE_LIMIT = 50, 200
CREATE_LIMIT = 1000  # shipments per create request
CREATE_FIELDS = ("tracking_number", "carrier", "order_id", "customer_name", "email", "country")
TIMELINE_LIMIT = 200
STATIC = Path(__file__).resolve().parent / "static"


class Problem(HTTPException):
    """An error answered as application/problem+json."""

    def __init__(self, status: int, title: str, detail: str = "", headers=None):
        super().__init__(description=detail)
        self.code, self.title, self.detail, self.extra_headers = status, title, detail, headers


def new_token(merchant_id: int, name: str, can_write: bool) -> str:
    """Create a token for the merchant and return it; only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.create(
        merchant=merchant_id,
        name=name[:100],
        token_hash=_hash(token),
        hint=token[:10],
        can_write=can_write,
    )
    return token


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@bp.errorhandler(HTTPException)
def _problem(error):
    status = error.code or 500
    body = {
        "type": "about:blank",
        "title": getattr(error, "title", None) or error.name,
        "status": status,
        "detail": getattr(error, "detail", None) or error.description or "",
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for key, value in (getattr(error, "extra_headers", None) or {}).items():
        response.headers[key] = value
    return response


@bp.before_request
def _authenticate():
    if request.endpoint == "api.openapi":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip().startswith(TOKEN_PREFIX):
        raise Problem(
            401,
            "Unauthorized",
            "Send an API token as 'Authorization: Bearer …'.",
            {"WWW-Authenticate": 'Bearer realm="parceldesk"'},
        )
    found = ApiToken.get_or_none(ApiToken.token_hash == _hash(token.strip()))
    if found is None:
        raise Problem(
            401,
            "Unauthorized",
            "This API token is unknown or was revoked.",
            {"WWW-Authenticate": 'Bearer realm="parceldesk", error="invalid_token"'},
        )
    if request.method not in ("GET", "HEAD", "OPTIONS") and not found.can_write:
        raise Problem(403, "Forbidden", "This token may only read; create a read+write token.")
    _rate_limit(found)
    g.api_token = found
    if not found.last_used_at or (utcnow() - found.last_used_at).total_seconds() > 60:
        ApiToken.update(last_used_at=utcnow()).where(ApiToken.id == found.id).execute()


def _rate_limit(token: ApiToken):
    """A fixed one-minute window per token, counted in Redis; fails open if Redis is down."""
    limit = int(current_app.config.get("API_RATE_PER_MINUTE", 120))
    now = time.time()
    window = int(now // 60)
    try:
        connection = redis_connection(current_app.config)
        key = f"parceldesk:api-rate:{token.id}:{window}"
        count = connection.incr(key)
        if count == 1:
            connection.expire(key, 120)
    except RedisError:
        return
    if count > limit:
        wait = max(1, int((window + 1) * 60 - now))
        raise Problem(
            429,
            "Too Many Requests",
            f"This token may make {limit} requests a minute; try again in {wait} s.",
            {"Retry-After": str(wait)},
        )


def _merchant_id() -> int:
    return g.api_token.merchant_id


def _item(shipment: Shipment) -> dict:
    return {
        "id": shipment.id,
        **_shipment_json(shipment),
        "followup": shipment.followup,
        "note": shipment.note,
    }


def _shipment(shipment_id: int) -> Shipment:
    found = merchant_shipments(_merchant_id()).where(Shipment.id == shipment_id).first()
    if found is None:
        raise Problem(404, "Not Found", f"No shipment {shipment_id} in this account.")
    return found


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI description of this API."""
    return current_app.response_class(_openapi_text(), mimetype="application/json")


@lru_cache(maxsize=1)
def _openapi_text() -> str:
    return (STATIC / "openapi.json").read_text(encoding="utf-8")


@bp.get("/shipments")
def list_shipments():
    """The merchant's shipments with the grid's filters and search, in keyset pages."""
    args = request.args.to_dict()
    if "cursor" in args:
        args["after"] = args.pop("cursor")
    grid = GridFilter.from_args(args)
    try:
        size = min(max(int(request.args.get("limit", PAGE_SIZE)), 1), PAGE_LIMIT)
    except ValueError:
        raise Problem(400, "Bad Request", "limit must be a whole number.") from None
    rows, after = grid_page(_merchant_id(), grid, size)
    return jsonify({"items": [_item(s) for s in rows], "next": after or None})


@bp.get("/shipments/<int:shipment_id>")
def get_shipment(shipment_id):
    """One shipment with its events, status history and follow-up."""
    shipment = _shipment(shipment_id)
    events = (
        TrackingEvent.select()
        .where(TrackingEvent.shipment == shipment.id)
        .order_by(TrackingEvent.time.desc(), TrackingEvent.id.desc())
        .limit(TIMELINE_LIMIT)
    )
    changes = (
        StatusChange.select()
        .where(StatusChange.shipment == shipment.id)
        .order_by(StatusChange.at.desc(), StatusChange.id.desc())
    )
    return jsonify(
        {
            **_item(shipment),
            "events": [
                {"time": _iso(e.time), "text": e.text, "location": e.location, "code": e.code}
                for e in events
            ],
            "status_history": [
                {
                    "at": _iso(c.at),
                    "old_status": c.old_status,
                    "old_reason": c.old_reason,
                    "new_status": c.new_status,
                    "new_reason": c.new_reason,
                }
                for c in changes
            ],
        }
    )


def _iso(value):
    return value.isoformat() + "Z" if value else None


@bp.get("/counts")
def counts():
    """Shipments per status tab, as the grid's tabs show them."""
    return jsonify(status_counts(_merchant_id()))


@bp.post("/shipments/<int:shipment_id>/followup")
def set_followup(shipment_id):
    """Set the follow-up state (open, contacted, resolved) and optionally the note."""
    shipment = _shipment(shipment_id)
    body = _json_object()
    state = body.get("state")
    if state not in FOLLOWUP_STATES:
        raise Problem(422, "Unprocessable Content", f"state must be one of {FOLLOWUP_STATES}.")
    note = body.get("note", shipment.note or "")
    if not isinstance(note, str):
        raise Problem(422, "Unprocessable Content", "note must be a string.")
    Shipment.update(followup=state, note=note.strip()[:2000], followup_at=utcnow()).where(
        Shipment.id == shipment.id
    ).execute()
    return jsonify(_item(_shipment(shipment_id)))


@bp.post("/shipments/<int:shipment_id>/recheck")
def recheck(shipment_id):
    """Ask the provider about this shipment again, ahead of routine checks."""
    from webapp.shipments.followup import recheck as recheck_chosen

    shipment = _shipment(shipment_id)
    try:
        recheck_chosen(merchant_shipments(_merchant_id()).where(Shipment.id == shipment.id))
    except RedisError:
        pass  # it is due now in the database: the sweep queues it when Redis is back
    return jsonify({"id": shipment.id, "queued": True}), 202


@bp.post("/shipments/<int:shipment_id>/carrier")
def set_carrier(shipment_id):
    """Set the carrier by hand (as the detail panel does); the shipment is checked again now."""
    from jobs.tracking.carriers import known_carriers
    from webapp.shipments.detail import assign_carrier

    shipment = _shipment(shipment_id)
    carrier = _json_object().get("carrier")
    if carrier not in dict(known_carriers()):
        raise Problem(422, "Unprocessable Content", "carrier must be a known carrier code.")
    assign_carrier(shipment, carrier)
    return jsonify(_item(_shipment(shipment_id)))


@bp.delete("/shipments/<int:shipment_id>")
def delete_shipment(shipment_id):
    """Delete a shipment with its events and history."""
    from webapp.shipments.detail import delete_shipment as delete

    delete(_shipment(shipment_id))
    return "", 204


def _json_object() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem(400, "Bad Request", "Send a JSON object (Content-Type: application/json).")
    return body


@bp.post("/shipments")
def create_shipments():
    """Create shipments (one object, or {"shipments": [...]}) through the upload import path."""
    body = _json_object()
    items = body.get("shipments", [body] if "tracking_number" in body else None)
    if not isinstance(items, list) or not items:
        raise Problem(422, "Unprocessable Content", "Send tracking_number, or a shipments list.")
    if len(items) > CREATE_LIMIT:
        raise Problem(413, "Content Too Large", f"At most {CREATE_LIMIT} shipments a request.")
    rows = [_row(i, item) for i, item in enumerate(items)]
    numbers = {detect(row[0]).number for row in rows}
    known = {
        s.tracking_number
        for s in merchant_shipments(_merchant_id())
        .select(Shipment.tracking_number)
        .where(Shipment.tracking_number.in_(list(numbers)))
    }
    upload = _store_rows(rows)
    from jobs.imports import import_upload

    import_upload(upload.id)
    return jsonify({"upload_id": upload.id, "results": _results(upload, rows, known)}), 207


def _row(index: int, item) -> list[str]:
    if not isinstance(item, dict):
        raise Problem(422, "Unprocessable Content", f"shipments[{index}] must be an object.")
    values = []
    for field in CREATE_FIELDS:
        value = item.get(field)
        if value is not None and not isinstance(value, str | int):
            raise Problem(422, "Unprocessable Content", f"shipments[{index}].{field}: a string.")
        values.append("" if value is None else str(value))
    return values


def _store_rows(rows) -> Upload:
    """The items as a CSV upload of the merchant, so they meet exactly the upload rules."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(CREATE_FIELDS)
    writer.writerows(rows)
    with db.atomic():
        upload = Upload.create(merchant=_merchant_id(), filename="API request.csv")
        storage.store_bytes(upload.id, text.getvalue().encode("utf-8"), current_app.config)
    return upload


def _results(upload: Upload, rows, known: set) -> list[dict]:
    """Per item: created/updated with the shipment id, or rejected with the reason."""
    from jobs.store.models import RowError

    upload = Upload.get_by_id(upload.id)
    if upload.state == "failed":
        return [
            {"index": i, "result": "rejected", "reason": upload.error} for i in range(len(rows))
        ]
    errors = {e.row: e for e in RowError.select().where(RowError.upload == upload.id)}
    results = []
    for index, row in enumerate(rows):
        error = errors.get(index + 2)  # the file's row: 1 is the header
        if error is not None:
            results.append({"index": index, "result": "rejected", "reason": error.reason})
            continue
        found = _find(row[0])
        if found is None:
            results.append({"index": index, "result": "rejected", "reason": "not_imported"})
        else:
            result = "merged" if found.tracking_number in known else "created"
            results.append({"index": index, "result": result, "id": found.id})
    return results


def _find(raw: str) -> Shipment | None:
    number = detect(raw).number
    return merchant_shipments(_merchant_id()).where(Shipment.tracking_number == number).first()
