"""Nothing lost, nothing duplicated: provider storms, a SIGKILLed worker, a flushed Redis."""

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from jobs import runtime
from jobs.queues import QUEUE_NAMES, queue
from jobs.store.models import Shipment, StatusChange, TrackingEvent, db, utcnow
from jobs.sweep import sweep
from jobs.tracking.checkdigits import s10_check_digit
from tests.loopback import LoopbackServer, Reply
from tests.test_provider_settings import save_provider
from tests.test_seventeentrack import KEY, Fake17Track
from tests.test_thin_path import upload_csv

NUMBERS = [f"LX{n:08d}{s10_check_digit(f'{n:08d}')}CN" for n in range(1, 7)]  # valid S10
CSV = "Tracking number\n" + "\n".join(NUMBERS) + "\n"
# The adapters' HTTP timeout in these tests. Scripted hangs run into it whatever the load;
# every other reply must come back within it, and on a loaded machine a few tenths of a second
# are not always enough (a scripted 429 lost to a timeout would change what a test sees).
TIMEOUT = 2.0
EVENTS_PER_NUMBER = 3  # tests.test_seventeentrack.track_item: three events with a time
SLOW = Reply(hang=True)  # the client gives up before the reply
STORM = [
    SLOW,
    Reply(500, b"oops"),
    Reply.of({"code": 0}, 429, {"Retry-After": "2"}),
    Reply(200, b'{"code": 0, "data": {"accepted": [{"numb'),  # garbage JSON
    Reply(503, b""),
    Reply.of({"code": 0}, 429, {"Retry-After": "1"}),
    SLOW,
    Reply(502, b"<html>bad gateway</html>"),
]


class Scripted(Fake17Track):
    """A 17TRACK that plays scripted failures first, then answers like the real API."""

    def __init__(self, script=()):
        super().__init__()
        self.script = list(script)
        self.lock = threading.Lock()

    def __call__(self, req):
        with self.lock:
            reply = self.script.pop(0) if self.script else None
        return reply or super().__call__(req)


@pytest.fixture
def server(app):
    state = Scripted()
    with LoopbackServer(state) as loopback:
        state.server = loopback
        for target in (app.config, runtime.setup()):
            target["PROVIDER_BASE_URL"] = loopback.url + "/track/v2.2"
            target["PROVIDER_TIMEOUT_SECONDS"] = TIMEOUT
        yield state


@pytest.fixture
def merchant(app, merchant_client, server):
    save_provider(merchant_client, "17track", KEY)
    return merchant_client


def connection_of(app):
    return Redis.from_url(app.config["REDIS_URL"])


def pending_jobs(connection) -> int:
    """Jobs queued or scheduled (retries) in any queue."""
    queues = [queue(name, connection) for name in QUEUE_NAMES]
    return sum(len(q) + q.scheduled_job_registry.count for q in queues)


def work_until_idle(connection):
    """Run burst workers, pulling scheduled retries forward, until RQ holds nothing."""
    queues = [queue(name, connection) for name in QUEUE_NAMES]
    for _ in range(20):
        for q in queues:  # what RQ would do once the retry interval has passed
            registry = q.scheduled_job_registry
            for job_id in registry.get_job_ids():
                connection.zadd(registry.key, {job_id: 0})
        worker = SimpleWorker(queues, connection=connection, serializer=JSONSerializer)
        worker.work(burst=True, with_scheduler=True)
        if not pending_jobs(connection):
            return
    raise AssertionError("RQ never drained")


def drain(app, rounds=10):
    """Work, then let leases expire and sweep, until every shipment is classified."""
    connection = connection_of(app)
    for _ in range(rounds):
        work_until_idle(connection)
        if not unchecked():
            return
        expire_leases()
        sweep()
    raise AssertionError(f"{unchecked()} shipments never classified")


def unchecked() -> int:
    return Shipment.select().where(Shipment.checked_at.is_null()).count()


def expire_leases():
    """Move every lease into the past, as if LEASE (or a Retry-After) had elapsed."""
    past = utcnow() - timedelta(seconds=1)
    Shipment.update(claimed_until=past).where(Shipment.claimed_until.is_null(False)).execute()
    # a job's own claim (resolve._claim) holds the row by next_check_at until LEASE elapses
    Shipment.update(next_check_at=past).where(Shipment.claim_token.is_null(False)).execute()


def assert_each_classified_exactly_once():
    shipments = list(Shipment.select())
    assert sorted(s.tracking_number for s in shipments) == NUMBERS  # none lost, none doubled
    assert {s.status for s in shipments} == {"delivered"}
    changes = list(StatusChange.select())
    assert sorted(c.shipment_id for c in changes) == sorted(s.id for s in shipments)
    assert {(c.old_status, c.new_status) for c in changes} == {("not_found", "delivered")}
    assert TrackingEvent.select().count() == EVENTS_PER_NUMBER * len(NUMBERS)


def test_timeouts_5xx_429_storms_and_garbage_json_end_classified_once(app, merchant, server):
    server.script = list(STORM)
    upload_csv(merchant, CSV)
    drain(app)
    assert not server.script  # every scripted failure was met
    assert_each_classified_exactly_once()


def test_retry_after_postpones_the_rq_retry_and_holds_the_lease(app, merchant, server):
    server.script = [Reply.of({"code": 0}, 429, {"Retry-After": "900"})]
    upload_csv(merchant, CSV)
    connection = connection_of(app)
    before = utcnow().replace(microsecond=0)  # RQ keeps whole seconds
    SimpleWorker(
        [queue(name, connection) for name in QUEUE_NAMES],
        connection=connection,
        serializer=JSONSerializer,
    ).work(burst=True)
    after = utcnow()
    registry = queue("resolve", connection).scheduled_job_registry
    (job_id,) = registry.get_job_ids()
    at = registry.get_scheduled_time(job_id).replace(tzinfo=None)  # not RQ's default 10 s:
    assert before + timedelta(seconds=900) <= at <= after + timedelta(seconds=901)
    leases = {s.claimed_until for s in Shipment.select()}
    assert all(lease >= before + timedelta(seconds=900) for lease in leases)
    assert sweep()["enqueued"] == 0  # the sweep leaves them to the scheduled retry
    drain(app)
    assert_each_classified_exactly_once()


def test_redis_flushed_while_a_retry_is_pending(app, merchant, server):
    server.script = [Reply(503, b"")]
    upload_csv(merchant, CSV)
    connection = connection_of(app)
    SimpleWorker(
        [queue(name, connection) for name in QUEUE_NAMES],
        connection=connection,
        serializer=JSONSerializer,
    ).work(burst=True)
    assert pending_jobs(connection) == 1 and unchecked() == len(NUMBERS)
    connection.flushdb()  # the scheduled retry is gone with everything else
    drain(app)
    assert_each_classified_exactly_once()


class Blocking(Scripted):
    """Holds the first gettrackinfo until released, so a worker can be killed mid-batch."""

    def __init__(self):
        super().__init__()
        self.arrived, self.release = threading.Event(), threading.Event()

    def __call__(self, req):
        if req.path.endswith("/gettrackinfo") and not self.arrived.is_set():
            self.arrived.set()
            self.release.wait(60)
        return super().__call__(req)


def start_worker(app, *args, log=None):
    """`parceldesk worker` as a child process sharing the test's database, Redis and home."""
    env = dict(
        os.environ,
        DATABASE_URL=app.config["DATABASE_URL"],
        REDIS_URL=app.config["REDIS_URL"],
        PARCELDESK_HOME=app.config["PARCELDESK_HOME"],
        SECRET_KEY=app.config["SECRET_KEY"],
        PROVIDER_BASE_URL=app.config["PROVIDER_BASE_URL"],
        PROVIDER_TIMEOUT_SECONDS="30",
    )
    command = [sys.executable, "-m", "webapp.cli", "worker", *args]
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def kill_worker(pid: int):
    """SIGKILL the worker and its work horse together, as when the host dies.

    RQ forks each job into a horse in its own session; the parent is frozen first so that it
    cannot notice the horse's death and tidy up.
    """
    os.kill(pid, signal.SIGSTOP)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == pid:  # ppid
            os.kill(int(stat.parent.name), signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_worker_killed_mid_batch_loses_nothing(app, merchant_client, tmp_path):
    state = Blocking()
    with LoopbackServer(state) as loopback, open(tmp_path / "worker.log", "wb") as log:
        state.server = loopback
        for target in (app.config, runtime.setup()):
            target["PROVIDER_BASE_URL"] = loopback.url + "/track/v2.2"
        save_provider(merchant_client, "17track", KEY)
        upload_csv(merchant_client, CSV)
        worker = start_worker(app, log=log)
        try:
            assert state.arrived.wait(240), (tmp_path / "worker.log").read_text()
            kill_worker(worker.pid)  # mid-batch: registered, not yet fetched
            assert worker.wait(30) == -signal.SIGKILL
        finally:
            state.release.set()
            if worker.poll() is None:
                kill_worker(worker.pid)
        assert unchecked() == len(NUMBERS)
        assert sweep()["enqueued"] == 0  # leased: the sweep waits for the lease to expire
        expire_leases()
        assert sweep()["enqueued"] == len(NUMBERS)
        burst = start_worker(app, "--burst", log=log)
        assert burst.wait(120) == 0, (tmp_path / "worker.log").read_text()
    assert_each_classified_exactly_once()


RACE_GRACE = 1.0  # seconds the push gets to read inside the poll's transaction (it must not)


def test_a_poll_and_a_push_racing_on_one_shipment_record_one_change(app, merchant, monkeypatch):
    """Two threads apply the same answer; the poll stops inside its transaction, after its read,
    and the push starts then: the write lock must keep the push from reading until the poll
    has committed, so the push sees "delivered" and records nothing."""
    from jobs import resolve
    from jobs.providers.seventeentrack import result_from_item
    from tests.test_seventeentrack import track_item

    upload_csv(merchant, CSV)
    connection = connection_of(app)
    imports = queue("imports", connection)
    SimpleWorker([imports], connection=connection, serializer=JSONSerializer).work(burst=True)
    first, stale = Shipment.get(), Shipment.get()  # both read "not_found" before either writes
    result = {first.tracking_number: result_from_item(track_item(first.tracking_number))}
    settings = runtime.setup()
    poll_read, push_read, push_read_early = threading.Event(), threading.Event(), []
    read_events = resolve._known_events

    def read_then_hold(shipments):
        known = read_events(shipments)
        if threading.current_thread().name == "poll":
            poll_read.set()
            push_read_early.append(push_read.wait(RACE_GRACE))  # False when the lock holds
        else:
            push_read.set()
        return known

    monkeypatch.setattr(resolve, "_known_events", read_then_hold)
    errors = []

    def apply(shipment):
        try:
            resolve.apply_results([shipment], result, "17track", settings, utcnow())
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            db.close()

    poll = threading.Thread(target=apply, args=(first,), name="poll")
    push = threading.Thread(target=apply, args=(stale,), name="push")
    poll.start()
    assert poll_read.wait(60), errors
    push.start()
    for thread in (poll, push):
        thread.join(60)
    assert not errors, errors
    assert push_read_early == [False]  # the push read only after the poll's commit
    assert StatusChange.select().where(StatusChange.shipment == first.id).count() == 1
    assert TrackingEvent.select().where(TrackingEvent.shipment == first.id).count() == 3
