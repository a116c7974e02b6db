"""The shipments area: the grid (tabs, counts, search, pages, live updates), a shipment's
detail panel, follow-up marks and bulk actions, and teaching a wording its status.

Each module registers its views on `bp` (`blueprint.py`); importing the package registers them all.
"""

from webapp.shipments import detail, followup, grid, teach  # noqa: F401  (they register views)
from webapp.shipments.blueprint import bp
from webapp.shipments.grid import home

__all__ = ["bp", "home"]
