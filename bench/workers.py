"""Helpers for benchmarks that run real worker processes: an isolated instance, timed bursts."""

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def instance(database_url: str | None = None, **settings):
    """A throw-away instance (home, database, embedded Redis) opened in this process."""
    from jobs import runtime
    from jobs.queues import embedded_redis
    from jobs.store.database import release_connections
    from jobs.store.models import db
    from webapp.cli import setup

    with tempfile.TemporaryDirectory(prefix="parceldesk-bench-") as home:
        env = {
            "PARCELDESK_HOME": home,
            "DATABASE_URL": database_url or f"sqlite:///{home}/bench.db",
            **{key: str(value) for key, value in settings.items()},
        }
        server = embedded_redis(home)
        env["REDIS_URL"] = f"unix://{server.socket_file}"
        saved = {key: os.environ.get(key) for key in env}
        os.environ.update(env)
        try:
            if env["DATABASE_URL"].startswith("postgres"):
                _empty_postgresql(env["DATABASE_URL"])
            runtime.configure({})
            yield setup(), env
        finally:
            release_connections(everything=True)
            db.initialize(None)  # the next instance opens its own database
            for key, value in saved.items():
                os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)
            server.shutdown()


def _empty_postgresql(url):
    from jobs.store.database import open_database
    from jobs.store.migrations import drop_all
    from jobs.store.models import db

    drop_all(open_database(url))
    db.close()
    db.initialize(None)  # setup() opens it again and creates the tables


def run_workers(env: dict, count: int, log_dir: str) -> float:
    """Start `count` `parceldesk worker --burst` processes; seconds until the last one exits."""
    from jobs.store.database import release_connections

    release_connections(everything=True)  # let the workers have the database to themselves
    command = [sys.executable, "-m", "webapp.cli", "worker", "--burst"]
    started = time.perf_counter()
    children = []
    for n in range(count):
        with open(Path(log_dir, f"worker{n}.log"), "ab") as log:
            children.append(
                subprocess.Popen(
                    command, env=dict(os.environ, **env), cwd=ROOT, stdout=log, stderr=log
                )
            )
    codes = [child.wait() for child in children]
    if any(codes):
        raise RuntimeError(f"a worker failed; see {log_dir}")
    return time.perf_counter() - started
