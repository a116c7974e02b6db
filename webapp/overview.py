"""The overview page: how the merchant's parcels are doing, as charts that open the grid."""

from dataclasses import dataclass

from flask import Blueprint, current_app
from flask_login import current_user, login_required

from webapp.htmx import render
from webapp.overview_query import Bar, idle_bars, needs_action_bars, status_bars, transit_bars

bp = Blueprint("overview", __name__, url_prefix="/overview")

# SVG geometry of a horizontal bar chart, in user units (the viewBox scales it to the page).
LABEL_WIDTH = 170
BAR_SPACE = 300
VALUE_WIDTH = 140
ROW_HEIGHT = 28
BAR_HEIGHT = 18


@dataclass(frozen=True)
class PlacedBar:
    """A bar with its place in the chart."""

    bar: Bar
    y: int
    width: float


@dataclass(frozen=True)
class Chart:
    """One chart ready to draw: title, bars placed, and the size of its drawing."""

    key: str
    title: str
    bars: list[PlacedBar]
    empty: str
    note: str = ""

    label_width = LABEL_WIDTH
    width = LABEL_WIDTH + BAR_SPACE + VALUE_WIDTH
    row_height = ROW_HEIGHT
    bar_height = BAR_HEIGHT

    @property
    def height(self) -> int:
        """Drawing height: one row per bar."""
        return max(len(self.bars), 1) * ROW_HEIGHT


def chart(key: str, title: str, bars: list[Bar], empty: str, note: str = "") -> Chart:
    """Place `bars` on a common scale (the largest fills the bar space)."""
    top = max((b.value for b in bars), default=0) or 1
    placed = [
        PlacedBar(b, i * ROW_HEIGHT, round(b.value / top * BAR_SPACE, 1) if b.value else 0)
        for i, b in enumerate(bars)
    ]
    return Chart(key, title, placed, empty, note)


@bp.get("")
@login_required
def index():
    """The overview page; htmx requests get only the charts partial."""
    merchant_id = current_user.id
    stalled_after = int(current_app.config["STALLED_AFTER_DAYS"])
    charts = [
        chart("status", "Parcels by status", status_bars(merchant_id), "No parcels yet."),
        chart(
            "needs-action",
            "Needing action, by carrier",
            needs_action_bars(merchant_id),
            "Nothing needs action.",
        ),
        chart(
            "idle",
            "In transit: days since the last update",
            idle_bars(merchant_id, stalled_after),
            "No parcels in transit.",
            f"A parcel is stalled after {stalled_after} days without an update (orange bars).",
        ),
        chart(
            "transit",
            "Median days in transit to delivery, by carrier",
            transit_bars(merchant_id),
            "No deliveries yet.",
        ),
    ]
    return render("overview/index.html", "overview/_charts.html", charts=charts)
