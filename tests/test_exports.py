"""Files in the layouts of real exports (tests/exports/, sources in its README): each stores
exactly its real shipments with the right fields and refuses every junk row with a reason."""

import json
from pathlib import Path

import pytest

from tests.test_cli import run

EXPORTS = Path(__file__).resolve().parent / "exports"
EXPECTED = json.loads((EXPORTS / "expected.json").read_text(encoding="utf-8"))
FIELDS = ("tracking_number", "carrier", "order_ids", "customer_name", "email", "ship_date",
          "destination_country", "detection_reason")  # fmt: skip


@pytest.fixture
def cli_env(app, monkeypatch):
    """The command line pointed at the test app's home, database and Redis."""
    for key in ("PARCELDESK_HOME", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.setenv(key, app.config[key])
    return app


def import_file(capsys, monkeypatch, path):
    """`parceldesk import --json` then `parceldesk shipments --json`, as an operator would."""
    run(capsys, "create-merchant", "shop@example.com", "--password-stdin",
        stdin="a long enough password\n", monkeypatch=monkeypatch)  # fmt: skip
    status, out, _ = run(capsys, "import", str(path), "--merchant", "shop@example.com", "--json")
    summary = json.loads(out)
    _, out, _ = run(capsys, "shipments", "--merchant", "shop@example.com", "--json")
    shipments = [json.loads(line) for line in out.splitlines()]
    return status, summary, shipments


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_export_stores_exactly_its_shipments(cli_env, capsys, monkeypatch, name):
    expected = EXPECTED[name]
    status, summary, shipments = import_file(capsys, monkeypatch, EXPORTS / name)
    assert summary["error"] == expected.get("error")
    assert status == (2 if expected.get("error") else 0)
    got = sorted(({k: s[k] for k in FIELDS} for s in shipments), key=lambda s: s["tracking_number"])
    assert got == expected["shipments"]
    assert [[r["row"], r["reason"]] for r in summary["rejected"]] == expected["rejected"]
    for ship in shipments:
        extra = expected.get("extra", {}).get(ship["tracking_number"])
        if extra is not None:
            assert {k: ship["extra"].get(k) for k in extra} == extra


def test_every_fixture_is_listed_with_its_source():
    readme = (EXPORTS / "README.md").read_text(encoding="utf-8")
    files = {p.name for p in EXPORTS.iterdir() if p.suffix in (".csv", ".txt", ".xlsx")}
    assert files == set(EXPECTED)
    assert all(f"`{name}`" in readme for name in files)
