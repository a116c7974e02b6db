"""The `parceldesk` command's data commands, as cli-contract.md promises them."""

import io
import json

import pytest

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
