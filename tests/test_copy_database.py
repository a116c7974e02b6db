"""`parceldesk copy-database`: a SQLite instance copied row for row into PostgreSQL (or SQLite)."""

import json
import os
from datetime import date, datetime

import pytest

from jobs.store.database import open_database
from jobs.store.migrations import migrate
from jobs.store.models import (
    MODELS,
    Merchant,
    Shipment,
    StatusChange,
    TrackingEvent,
    Upload,
    db,
)
from tests.conftest import empty_postgres
from webapp.cli import main

TARGETS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=TARGETS)
def target_url(request, tmp_path):
    """An empty target database of each configured engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'target.db'}"
    url = os.environ["TEST_DATABASE_URL"]
    empty_postgres(url)
    db.close()
    return url


@pytest.fixture
def source_url(tmp_path):
    """A SQLite instance holding awkward values: unicode, NULLs, booleans, dates, long texts."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    open_database(url)
    migrate()
    for m in range(3):
        merchant = Merchant.create(email=f"m{m}@example.com", password_hash="x", name="Zoë 张伟")
        upload = Upload.create(merchant=merchant, filename="list.csv", state="done")
        for i in range(7):
            shipment = Shipment.create(
                merchant=merchant,
                upload=upload if i % 2 else None,
                tracking_number=f"LX{m}{i:07d}CN",
                ship_date=date(2026, 11, 1 + i),
                needs_action=bool(i % 3),
                checked_at=datetime(2026, 11, 20, 12, 30, 15, 123456) if i else None,
                last_event_text="Colis livré — 已签收 " * 30,
            )
            TrackingEvent.create(shipment=shipment, time=datetime(2026, 11, 2, 8), text="Arrivé")
            StatusChange.create(shipment=shipment, new_status="in_transit", new_reason="in_transit")
    Shipment.delete().where(Shipment.id == 5).execute()  # a gap in the ids must survive
    db.close()
    return url


def snapshot(url) -> dict:
    """Every row of every table, as tuples in id order."""
    database = open_database(url)
    with database.bind_ctx(MODELS):
        rows = {m.__name__: list(m.select().order_by(m.id).tuples()) for m in MODELS}
    database.close()
    return rows


def test_copy_is_row_for_row_and_sequences_continue(source_url, target_url, capsys):
    assert main(["copy-database", "--from", source_url, "--to", target_url, "--chunk", "4"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["shipment"] == 20 and counts["merchant"] == 3
    before = snapshot(source_url)
    assert snapshot(target_url) == before
    database = open_database(target_url)
    with database.bind_ctx(MODELS):  # new rows get ids after the copied ones
        merchant = Merchant.create(email="new@example.com", password_hash="x")
        shipment = Shipment.create(merchant=merchant, tracking_number="NEW1")
    database.close()
    assert merchant.id == 4 and shipment.id == 22


def test_refuses_a_target_that_holds_data(source_url, tmp_path, capsys):
    assert main(["copy-database", "--from", source_url, "--to", source_url]) == 1
    assert "not empty" in capsys.readouterr().err
