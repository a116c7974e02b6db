"""Parceldesk web application factory."""

from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import settings as settings_module
from jobs import runtime
from jobs.store.database import open_database
from jobs.store.migrations import ensure_current

ROOT = Path(__file__).resolve().parent.parent


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every route: ids beyond a 64-bit integer are not found (404), never a
    database overflow (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


login_manager = LoginManager()
csrf = CSRFProtect()


def create_app(config=None):
    """Build the app: settings from config/ defaults, the environment, then `config`."""
    settings = settings_module.load(config)
    app = Flask(__name__, template_folder=str(ROOT / "templates"))
    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is registered
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=settings["MAX_UPLOAD_MB"] << 20,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings["SESSION_IDLE_MINUTES"]),
    )
    # Any other Flask setting from the environment: FLASK_SESSION_COOKIE_NAME=..., values
    # parsed as JSON (FLASK_TRUSTED_HOSTS='["track.example.com"]').
    app.config.from_prefixed_env("FLASK")
    if settings["TRUSTED_PROXIES"] > 0:
        hops = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    runtime.configure(app.config)  # one settings object for the web and the jobs
    open_database(settings["DATABASE_URL"], settings["DB_POOL_SIZE"], settings["DB_STALE_TIMEOUT"])
    ensure_current(settings["AUTO_MIGRATE"])
    from jobs.storage import migrate_local_files

    migrate_local_files(settings)  # files older versions kept in PARCELDESK_HOME/uploads
    _init_extensions(app)
    _register_blueprints(app)
    from jobs.reports.labels import TEMPLATE_HELPERS
    from webapp.mail import external_url

    app.jinja_env.globals.update(TEMPLATE_HELPERS, external_url=external_url)
    return app


def _init_extensions(app):
    from webapp import auth
    from webapp.busy import init_busy
    from webapp.security import init_security

    Htmx(app)
    init_security(app)
    init_busy(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager.user_loader(auth.load_merchant)
    login_manager.unauthorized_handler(auth.unauthorized)

    from jobs.store.database import is_postgres
    from jobs.store.models import db
    from jobs.store.search import remember_look_ups

    app.before_request(lambda: remember_look_ups({}))  # one search look-up per request

    @app.teardown_appcontext
    def _close_db(exc):
        remember_look_ups(None)
        # PostgreSQL: hand the connection back to the pool. SQLite: each server thread keeps
        # its own connection (and its page cache and parsed schema) from request to request;
        # reopening it per request cost a third of a grid request's time under load.
        if not db.is_closed() and is_postgres():
            db.close()


def _register_blueprints(app):
    from webapp import (
        account,
        api,
        auth,
        connections,
        digest_settings,
        integrations,
        overview,
        provider_settings,
        reports,
        shipments,
        signup_mail,
        uploads,
        webhooks,
    )

    app.register_blueprint(auth.bp)
    csrf.exempt(api.bp)  # bearer tokens, not cookies: no cross-site request can carry one
    app.register_blueprint(api.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(uploads.bp)
    app.register_error_handler(413, uploads.too_large)
    app.register_blueprint(shipments.bp)
    app.register_blueprint(provider_settings.bp)
    app.register_blueprint(integrations.bp)
    app.register_blueprint(connections.bp)
    csrf.exempt(webhooks.bp)  # providers sign their pushes instead
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(overview.bp)
    app.register_blueprint(digest_settings.bp)
    app.register_blueprint(signup_mail.bp)
    app.add_url_rule("/", "index", shipments.home)
