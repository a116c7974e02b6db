"""A clear "try again" page when SQLite's write lock stays taken longer than the busy timeout."""

import logging

from peewee import OperationalError

from webapp.htmx import render

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 10


def init_busy(app):
    """Answer 503 with a retry message, not a 500, when a write waited out the busy timeout.

    An import stores a whole file in one transaction (never half a file), which holds SQLite's
    single write lock for as long as it runs: a minute for a million rows. A web write queued
    behind it waits busy_timeout and then gives up; nothing was written, so retrying is safe.
    """

    @app.errorhandler(OperationalError)
    def _busy(exc):
        if "database is locked" not in str(exc):
            raise exc
        log.warning("write refused, database busy: %s", exc)
        body, _, headers = render("errors/busy.html", "errors/_busy.html")
        return body, 503, {**headers, "Retry-After": str(RETRY_AFTER_SECONDS)}
