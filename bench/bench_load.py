"""Load: many merchants browse the grid while others upload big files, against a real server.

Starts `parceldesk up` (web, workers, embedded Redis) on a loopback port, signs up the merchants
over HTTP, then measures grid partial latency while the uploads are imported and resolved.
Run: python -m bench.bench_load [--quick]
"""

import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from bench.loadclient import GRID_PATHS, Merchant, sample_csv

# A merchant reads a page before the next click: `think` seconds on average (0 = hammering).
FULL = {
    "browsers": 50,
    "uploaders": 3,
    "upload_rows": 100_000,
    "seconds": 60,
    "own_rows": 300,
    "think": 1.0,
}
QUICK = {
    "browsers": 10,
    "uploaders": 3,
    "upload_rows": 2_000,
    "seconds": 8,
    "own_rows": 60,
    "think": 0.1,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: str, port: int, database_url: str | None = None):
    """`parceldesk up` in its own process group; returns (process, base URL) once it answers."""
    env = dict(os.environ, PARCELDESK_HOME=home)
    env["SIGNUP_RATE_LIMIT"] = "100000"  # every simulated merchant signs up from 127.0.0.1
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp.cli", "up", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded machine may take a while
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/login", timeout=1).read()
            return process, base
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the server did not start")


def browse(base, index, config, stop, samples):
    """One merchant: sign up, upload a small list, then page through the grid until `stop`."""
    merchant = Merchant(base, f"browser{index}@example.com")
    merchant.sign_up()
    merchant.upload(sample_csv(config["own_rows"], f"{index:02d}"))
    pause = random.Random(index)
    i = index
    while True:  # one page at least, however late a loaded machine let it sign up
        path = GRID_PATHS[i % len(GRID_PATHS)]
        samples.append((path, *merchant.timed(path)))
        i += 1
        if stop.wait(pause.uniform(0.5, 1.5) * config["think"]):
            break


def upload_big(base, index, config, results):
    merchant = Merchant(base, f"uploader{index}@example.com")
    merchant.sign_up()
    start = time.perf_counter()
    status = merchant.upload(sample_csv(config["upload_rows"], f"9{index}"), name="big.csv")
    results.append((status, time.perf_counter() - start))


def run(config, database_url=None) -> dict:
    """Run one load scenario and return its figures."""
    with tempfile.TemporaryDirectory() as home:
        process, base = start_server(home, free_port(), database_url)
        try:
            return _measure(base, config)
        finally:
            process.terminate()
            process.wait(timeout=30)


def _measure(base, config):
    samples, uploads, stop = [], [], threading.Event()
    with ThreadPoolExecutor(config["browsers"] + config["uploaders"]) as pool:
        for i in range(config["uploaders"]):
            pool.submit(upload_big, base, i, config, uploads)
        browsers = [
            pool.submit(browse, base, i, config, stop, samples) for i in range(config["browsers"])
        ]
        time.sleep(config["seconds"])
        stop.set()
        for future in browsers:
            future.result()
    return summarise(samples, uploads, config)


def summarise(samples, uploads, config) -> dict:
    """p50/p95 of grid partials, error count, upload request times."""
    times = sorted(seconds for _, _, seconds in samples)
    errors = sum(1 for _, status, _ in samples if status != 200)
    errors += sum(1 for status, _ in uploads if status != 200)  # 303 to the upload page, followed
    return {
        "requests": len(samples),
        "errors": errors,
        "p50_ms": round(statistics.median(times) * 1000, 1) if times else None,
        "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1) if times else None,
        "uploads": len(uploads),
        "upload_post_s": [round(seconds, 2) for _, seconds in uploads],
        **{k: config[k] for k in ("browsers", "uploaders", "upload_rows", "seconds", "think")},
    }


def main(quick: bool = False) -> dict:
    """Figures of the load run (the quick one is what the test suite runs)."""
    figures = run(QUICK if quick else FULL)
    print("| merchants browsing | uploading (rows each) | requests | errors | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {figures['browsers']} | {figures['uploaders']} ({figures['upload_rows']:,}) | "
        f"{figures['requests']} | {figures['errors']} | {figures['p50_ms']} | {figures['p95_ms']} |"
    )
    return figures


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
