"""Process-wide settings and database for job code, which runs outside any Flask app."""

from config import settings as settings_module
from webapp.database import ensure_schema, open_database
from webapp.models import db

_settings = {}


def configure(settings: dict):
    """Adopt `settings` for this process (the app and the CLI call this once at start)."""
    _settings.clear()
    _settings.update(settings)


def setup() -> dict:
    """Settings for a job; opens the database from them if this process has none yet."""
    if not _settings:
        configure(settings_module.load())
    if db.obj is None:
        open_database(_settings["DATABASE_URL"])
        ensure_schema()
    return _settings
