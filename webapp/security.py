"""Response headers that keep pages from being framed, sniffed or made to run injected script."""

from flask import abort, request

# htmx runs with allowEval and allowScriptTags off (see layout.html), so no inline script,
# inline style or eval is ever needed.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def init_security(app):
    """Add the security headers to every response; refuse NUL characters in any input."""

    @app.before_request
    def _refuse_nul_characters():
        # No field holds a NUL, and PostgreSQL cannot even compare with one (it would be a 500).
        texts = [request.path, *request.args.keys(), *request.args.values()]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            texts += [*request.form.keys(), *request.form.values()]
        if any("\x00" in text for text in texts):
            abort(400, "NUL characters are not allowed in requests.")

    @app.after_request
    def _security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            # Pages, partials and downloads hold customer data: never kept by a browser's or a
            # proxy's cache (the back button on a shared computer, a caching proxy).
            response.headers["Cache-Control"] = "no-store"
        return response
