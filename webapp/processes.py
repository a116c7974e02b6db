"""`parceldesk up`: the embedded Redis, the web server, workers and the cron scheduler together."""

import os
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 10


def run_everything(settings, host: str, port: int, workers: int) -> int:
    """Start every child, print the URL, and stop them all on Ctrl-C or when one dies."""
    env = dict(os.environ, PARCELDESK_HOME=settings["PARCELDESK_HOME"])
    embedded = None
    if not settings["REDIS_URL"]:
        from jobs.queues import embedded_redis

        embedded = embedded_redis(settings["PARCELDESK_HOME"])
        env["REDIS_URL"] = f"unix://{embedded.socket_file}"
        print(f"Embedded Redis at {embedded.socket_file}", flush=True)
    _migrate_once(env)
    command = [sys.executable, "-m", "webapp.cli"]
    children = [_spawn(command + ["web", "--host", host, "--port", str(port)], env)]
    children.append(_spawn(command + ["worker", "--pool", str(workers)], env))
    children.append(_spawn(command + ["cron"], env))
    print(f"Parceldesk is running on http://{host}:{port}  (Ctrl-C stops everything)", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # also when started in the background
    status = 0
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        status = 1
        print("A Parceldesk process stopped; stopping the others.", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        _stop(children)
        if embedded is not None:
            embedded.shutdown()
    return status


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops everything the way Ctrl-C does


def _migrate_once(env):
    """`parceldesk migrate`: the schema is current before the web server and workers start."""
    subprocess.run([sys.executable, "-m", "webapp.cli", "migrate"], env=env, check=True)


def _spawn(command, env):
    # Own process group: Ctrl-C reaches only us, and we stop the children in order.
    return subprocess.Popen(command, env=env, start_new_session=True)


def _stop(children):
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        try:
            child.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
