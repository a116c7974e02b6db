"""The one helper that decides between a partial and a full page."""

from flask import render_template, request


def wants_partial() -> bool:
    """True for htmx requests that are neither boosted nor history restores."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, partial: str, **context):
    """Render only `partial` for htmx swaps, else the full `template` (which includes it)."""
    body = render_template(partial if wants_partial() else template, **context)
    return body, 200, {"Vary": "HX-Request"}
