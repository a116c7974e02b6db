"""The `parceldesk` command's data commands, as cli-contract.md promises them."""

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis

from jobs.queues import embedded_redis, queue
from webapp.cli import main


@pytest.fixture
def cli_env(app, monkeypatch):
    for key in ("PARCELDESK_HOME", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.setenv(key, app.config[key])
    return app


def run(capsys, *argv, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_create_merchant_import_and_list(cli_env, capsys, monkeypatch, tmp_path):
    status, out, _ = run(
        capsys,
        "create-merchant",
        "ops@example.com",
        "--password-stdin",
        stdin="a long enough password\n",
        monkeypatch=monkeypatch,
    )
    assert status == 0 and json.loads(out)["email"] == "ops@example.com"
    sample = tmp_path / "list.csv"
    sample.write_text("tracking number,order\nSBXDELIVERED01,A1\nSBXDELIVERED01,A1\n,A2\n")
    status, out, _ = run(capsys, "import", str(sample), "--merchant", "ops@example.com", "--json")
    summary = json.loads(out)
    assert status == 0
    assert set(summary) == {"upload_id", "imported", "duplicates", "rejected", "error"}
    assert (summary["imported"], summary["duplicates"], summary["error"]) == (1, 1, None)
    assert [r["row"] for r in summary["rejected"]] == [4]
    status, out, _ = run(capsys, "shipments", "--merchant", "ops@example.com", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["tracking_number"] for r in rows] == ["SBXDELIVERED01"]
    assert rows[0]["checked_at"] is None  # queued, not yet resolved
    assert {"order_id", "carrier", "status", "reason", "last_event_at"} <= set(rows[0])


def test_refused_file_exits_2_and_mistakes_exit_1(cli_env, capsys, monkeypatch, tmp_path):
    run(
        capsys,
        "create-merchant",
        "ops@example.com",
        "--password-stdin",
        stdin="a long enough password\n",
        monkeypatch=monkeypatch,
    )
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    status, out, _ = run(capsys, "import", str(empty), "--merchant", "ops@example.com", "--json")
    assert status == 2 and json.loads(out)["error"]
    status, _, err = run(capsys, "shipments", "--merchant", "nobody@example.com")
    assert status == 1 and err.startswith("parceldesk: no merchant") and "Traceback" not in err
    status, _, err = run(
        capsys,
        "create-merchant",
        "x@example.com",
        "--password-stdin",
        stdin="short\n",
        monkeypatch=monkeypatch,
    )
    assert status == 1 and "at least 10" in err


def test_detect_prints_one_object_per_number(capsys):
    status, out, _ = run(capsys, "detect", "1Z 999 AA1 0123 4567 84", "nonsense")
    lines = [json.loads(line) for line in out.splitlines()]
    assert status == 0 and len(lines) == 2
    assert lines[0]["carrier"] == "ups" and lines[0]["number"] == "1Z999AA10123456784"
    assert lines[1]["carrier"] is None and lines[1]["reason"] is not None


def redis_servers_in(home: Path) -> list[int]:
    """Pids of redis-server processes working in `home` (the embedded Redis chdirs there)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (proc / "comm").read_text().strip() == "redis-server" and (
                Path(os.readlink(proc / "cwd")) == home
            ):
                pids.append(int(proc.name))
        except OSError:
            continue  # ended meanwhile, or not ours to look at
    return pids


def parceldesk(home: Path, *argv, stdin=None):
    """`parceldesk ...` in its own process, with the embedded Redis of `home` (no REDIS_URL)."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env["PARCELDESK_HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-m", "webapp.cli", *argv],
        env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


needs_proc = pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs Linux /proc")


@needs_proc
def test_commands_in_a_new_home_leave_no_redis_server_behind(tmp_path):
    home = (tmp_path / "home").resolve()
    sample = tmp_path / "list.csv"
    sample.write_text("tracking number\nSBXDELIVERED01\n")
    parceldesk(home, "create-merchant", "ops@example.com", "--password-stdin",
               stdin="a long enough password\n")  # fmt: skip
    out = parceldesk(home, "import", str(sample), "--merchant", "ops@example.com", "--json")
    assert json.loads(out)["imported"] == 1
    assert redis_servers_in(home) == []  # each command stopped the server it started
    server = embedded_redis(str(home))  # the queued check was saved with the server's data
    try:
        assert server.owned and server.socket_file == str(home / "redis.sock")
        assert len(queue("resolve", Redis(unix_socket_path=server.socket_file))) == 1
    finally:
        server.shutdown()
    assert redis_servers_in(home) == []


@needs_proc
def test_a_command_beside_a_running_server_joins_it_and_leaves_it_running(tmp_path):
    home = (tmp_path / "home").resolve()
    server = embedded_redis(str(home))  # as `parceldesk up` holds it
    try:
        (pid,) = redis_servers_in(home)
        parceldesk(home, "create-merchant", "ops@example.com", "--password-stdin",
                   stdin="a long enough password\n")  # fmt: skip
        sample = tmp_path / "list.csv"
        sample.write_text("tracking number\nSBXDELIVERED01\n")
        parceldesk(home, "import", str(sample), "--merchant", "ops@example.com")
        assert redis_servers_in(home) == [pid]
        assert len(queue("resolve", Redis(unix_socket_path=server.socket_file))) == 1
    finally:
        server.shutdown()
    assert redis_servers_in(home) == []


def test_up_help_describes_its_options(capsys):
    assert main(["up", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # as one line, whatever the terminal width
    assert "port of the web server [default: 8000]" in out
    assert "RQ worker processes" in out and "address to listen on" in out
    assert "PARCELDESK_HOME" in out  # where the embedded Redis lives


@pytest.mark.skipif(not shutil.which("make"), reason="needs make")
def test_make_run_takes_a_port():
    root = Path(__file__).resolve().parent.parent
    plan = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert "parceldesk up --port 8123" in plan
