"""Versioned schema migrations: fresh and old databases, once only, under a lock, `migrate`."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from jobs.store import migrations
from jobs.store.database import open_database
from jobs.store.migrations import (
    STEPS,
    SchemaNotCurrent,
    Step,
    applied_versions,
    check_models,
    migrate,
    pending_steps,
)
from jobs.store.models import MODELS, BaseModel, Merchant, Shipment, db
from jobs.store.search_index import ensure_search_index
from tests.conftest import empty_postgres
from webapp import create_app
from webapp.cli import main

ROOT = Path(__file__).resolve().parent.parent
ALL = [step.version for step in STEPS]


@pytest.fixture
def empty(database_url):
    """The database of each engine, empty and bound."""
    if database_url.startswith("postgres"):
        database = empty_postgres(database_url)
    else:
        database = open_database(database_url)
    yield database
    db.close()


def index_columns(database, name):
    """The columns of index `name`, or None when there is none."""
    if migrations.is_postgres(database):
        row = database.execute_sql(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", (name,)
        ).fetchone()
        return row and row[0].split("(", 1)[1].split(")", 1)[0].replace(" ", "").split(",")
    rows = database.execute_sql(f'PRAGMA index_info("{name}")').fetchall()
    return [r[2] for r in rows] or None


def old_install(database):
    """A database as the start-up `ensure_schema` left it before versions existed, with the
    indexes of an even older release: the first queue index, and the stalled one without
    its column."""
    database.create_tables(MODELS, safe=True)
    ensure_search_index(database)
    database.execute_sql("DROP INDEX shipment_stalled")
    for name, where in (
        ("shipment_needs_action_queue", "needs_action = true AND followup != 'resolved'"),
        ("shipment_stalled", "stalled = true"),
    ):
        database.execute_sql(
            f"CREATE INDEX {name} ON shipment (merchant_id, last_event_at, id) WHERE {where}"
        )
    merchant = Merchant.create(email="old@example.com", password_hash="!")
    Shipment.create(merchant=merchant, tracking_number="OLD0001", customer_name="Ada Lovelace")


def test_a_fresh_database_gets_every_step(empty):
    assert [step.version for step in migrate()] == ALL
    assert applied_versions() == set(ALL)
    assert {m._meta.table_name for m in MODELS} <= set(empty.get_tables())
    assert index_columns(empty, "shipment_stalled")[-1] == "stalled"
    assert migrate() == []  # a second run applies nothing
    assert pending_steps() == []


def test_an_old_database_is_upgraded_and_keeps_its_rows(empty, monkeypatch):
    old_install(empty)
    assert index_columns(empty, "shipment_needs_action_queue")
    statements, real = [], type(empty).execute_sql

    def record(self, sql, *args, **kwargs):
        statements.append(sql)
        return real(self, sql, *args, **kwargs)

    monkeypatch.setattr(type(empty), "execute_sql", record)
    assert [step.version for step in migrate()] == ALL
    if migrations.is_postgres(empty):  # the app may keep writing while indexes change
        assert any(s.startswith("CREATE INDEX CONCURRENTLY") for s in statements), statements
        assert 'DROP INDEX CONCURRENTLY IF EXISTS "shipment_needs_action_queue"' in statements
    assert index_columns(empty, "shipment_needs_action_queue") is None  # the old index dropped
    assert index_columns(empty, "shipment_stalled")[-1] == "stalled"  # rebuilt with its column
    assert index_columns(empty, "shipment_needs_action_queue_v2")
    assert [s.tracking_number for s in Shipment.select()] == ["OLD0001"]
    assert migrate() == []
    if not migrations.is_postgres(empty):  # ids are never reused after the rebuild
        sql = empty.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'merchant'")
        assert "AUTOINCREMENT" in sql.fetchone()[0]


def test_concurrent_migrators_apply_each_step_once(empty, monkeypatch):
    """Three threads migrate at once; a slow extra step shows that they wait for each other."""
    runs = []

    def slow(database):
        runs.append(threading.get_ident())
        time.sleep(0.5)

    monkeypatch.setattr(migrations, "STEPS", [*STEPS, Step(99, "slow", slow)])
    results, errors = [], []

    def migrator():
        try:
            results.append([step.version for step in migrate()])
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            empty.close()

    threads = [threading.Thread(target=migrator) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(runs) == 1
    assert sorted(v for applied in results for v in applied) == [*ALL, 99]


def test_two_migrate_processes_apply_each_step_once(empty, database_url, tmp_path):
    env = dict(os.environ, DATABASE_URL=database_url, PARCELDESK_HOME=str(tmp_path / "home"))
    command = [sys.executable, "-m", "webapp.cli", "migrate", "--json"]
    processes = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    try:
        finished = [p.communicate(timeout=120) for p in processes]
    finally:
        for p in processes:  # a failure must not leave a process running into later tests
            p.kill()
            p.wait()
    assert [p.returncode for p in processes] == [0, 0], [err for _, err in finished]
    outputs = [json.loads(out) for out, _ in finished]
    applied = sorted(step["version"] for out in outputs for step in out["applied"])
    assert applied == ALL
    assert [out["version"] for out in outputs] == [max(ALL)] * 2


def test_migrate_command_prints_what_it_applied(empty, database_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PARCELDESK_HOME", str(tmp_path / "home"))
    assert main(["migrate", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "applied": [{"version": s.version, "name": s.name} for s in STEPS],
        "version": max(ALL),
    }
    assert main(["migrate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"applied": [], "version": max(ALL)}
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out == f"schema at version {max(ALL)} (nothing to apply)\n"


def test_without_auto_migrate_processes_refuse_an_old_schema(
    empty, database_url, tmp_path, monkeypatch, capsys
):
    config = {
        "DATABASE_URL": database_url,
        "PARCELDESK_HOME": str(tmp_path / "home"),
        "SECRET_KEY": "x",
        "AUTO_MIGRATE": False,
    }
    with pytest.raises(SchemaNotCurrent, match="run `parceldesk migrate`"):
        create_app(config)
    assert applied_versions() == set()  # it changed nothing
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("AUTO_MIGRATE", "false")
    db.initialize(None)  # as in a new process
    assert main(["create-merchant", "a@example.com", "--password-stdin"]) == 1
    assert "run `parceldesk migrate`" in capsys.readouterr().err  # one sentence, no traceback
    db.obj.close()
    db.initialize(empty)
    migrate()
    assert create_app(config).test_client().get("/login").status_code == 200


def test_auto_migrate_lets_the_app_migrate_itself(empty, database_url, tmp_path):
    config = {"DATABASE_URL": database_url, "PARCELDESK_HOME": str(tmp_path), "SECRET_KEY": "x"}
    create_app(config)
    assert applied_versions() == set(ALL)


def test_a_model_without_a_step_is_reported(empty, monkeypatch):
    class FutureThing(BaseModel):
        pass

    migrate()
    monkeypatch.setattr(migrations, "MODELS", [*MODELS, FutureThing])
    with pytest.raises(
        SchemaNotCurrent, match="no migration step creates the table.* future_thing"
    ):
        check_models()
    steps = [*STEPS, Step(max(ALL) + 1, "future table", migrations.tables(FutureThing))]
    monkeypatch.setattr(migrations, "STEPS", steps)  # the one line a new model needs
    assert [step.name for step in migrate()] == ["future table"]
    check_models()
    empty.drop_tables([FutureThing])


def test_up_migrates_before_it_starts_the_processes(empty, database_url, tmp_path, monkeypatch):
    from webapp import processes

    started = []

    class Exited:
        pid = 0

        def poll(self):
            return 0

        def wait(self, timeout=None):
            return 0

    def spawn(command, env):
        started.append((command[3], applied_versions()))
        return Exited()

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(ROOT)  # `python -m webapp.cli` of this checkout
    monkeypatch.setattr(processes, "_spawn", spawn)
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # pytest keeps its handlers
    settings = {"PARCELDESK_HOME": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0"}
    processes.run_everything(settings, "127.0.0.1", 8000, 1)
    assert started == [(name, set(ALL)) for name in ("web", "worker", "cron")]


def test_a_failing_step_is_not_recorded_and_runs_again_next_time(empty, monkeypatch):
    migrate()
    calls = []

    def fails_once(database):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk full")

    monkeypatch.setattr(migrations, "STEPS", [*STEPS, Step(99, "flaky", fails_once)])
    with pytest.raises(RuntimeError, match="disk full"):
        migrate()
    assert [step.version for step in pending_steps()] == [99]
    assert [step.version for step in migrate()] == [99]


def test_the_accent_step_backfills_an_existing_database_once(empty, monkeypatch):
    """A database with rows from before accent-insensitive search: the new step folds their
    names and emails into the search index once; running it again changes nothing."""
    from jobs.store import search
    from jobs.store.grid_query import GridFilter, shipments_matching

    monkeypatch.setattr(migrations, "STEPS", STEPS[:-1])  # the release before
    migrate()
    merchant = Merchant.create(email="old@example.com", password_hash="!")
    Shipment.create(merchant=merchant, tracking_number="OLD0001", customer_name="Jörg Müller",
                    email="françois@exemple.test")  # fmt: skip
    Shipment.create(merchant=merchant, tracking_number="OLD0002", customer_name="Anna Muller")
    monkeypatch.setattr(migrations, "STEPS", STEPS)
    assert [step.version for step in migrate()] == [max(ALL)]
    assert "accent" in STEPS[-1].name
    assert migrate() == []
    STEPS[-1].apply(empty)  # safe on a database that has its work done

    monkeypatch.setattr(search, "SMALL_ACCOUNT", 0)  # through the indexes

    def found(q):
        with search.look_ups_remembered():
            return {s.tracking_number for s in shipments_matching(merchant.id, GridFilter(q=q))}

    assert found("muller") == {"OLD0001", "OLD0002"}
    assert found("MÜLLER") == {"OLD0001", "OLD0002"}
    assert found("francois") == {"OLD0001"}
    assert found("jorg") == {"OLD0001"}
    Shipment.update(customer_name="Jürgen Weiß").where(
        Shipment.tracking_number == "OLD0001"
    ).execute()
    assert found("jurgen") == {"OLD0001"}  # kept up to date after the step, as before
    assert found("jorg") == set()
