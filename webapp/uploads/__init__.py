"""Uploads: files and pasted numbers in, the column-mapping step, the import's progress.

Each module registers its views on `bp` (`blueprint.py`); importing the package registers them.
"""

from webapp.uploads import mapping, views  # noqa: F401  (they register views)
from webapp.uploads.blueprint import bp
from webapp.uploads.views import too_large

__all__ = ["bp", "too_large"]
