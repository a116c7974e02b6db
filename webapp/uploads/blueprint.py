"""The uploads blueprint, and the one way a view finds the merchant's upload."""

from flask import Blueprint, abort
from flask_login import current_user

from jobs.store.models import Upload

bp = Blueprint("uploads", __name__, url_prefix="/uploads")


def merchant_upload(upload_id: int) -> Upload:
    """The current merchant's upload, or 404 (never another merchant's)."""
    upload = Upload.get_or_none(Upload.id == upload_id, Upload.merchant == current_user.id)
    if upload is None:
        abort(404)
    return upload
