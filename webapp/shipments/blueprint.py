"""The shipments blueprint that the grid, detail, follow-up and teaching views register on."""

from flask import Blueprint

bp = Blueprint("shipments", __name__, url_prefix="/shipments")
# Sent with every response that changed shipments, so the grid and its counts refresh.
CHANGED = {"HX-Trigger": "grid-changed"}
