"""Versioned schema migrations: numbered steps, each applied once, in order, under a lock.

`parceldesk migrate` (and `parceldesk up`, before it starts anything) applies the steps not yet
recorded in the `schema_migration` table. Web, worker and other processes only check that none
is pending, unless AUTO_MIGRATE is true (the default, for a single machine): then the first of
them to start migrates while the others wait for the lock.

Step 1 creates every model's tables, indexes and columns from the current models (what
`ensure_schema` did in every process before versions existed), so on a fresh database the
later steps find their work done: every step must be safe on a database that already has what
it makes. Adding a model is one line at the end of STEPS, e.g.
`Step(5, "connection table", tables(Connection))`; see docs/deploy.md, "Upgrading".
"""

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from peewee import (
    CharField,
    DateTimeField,
    IntegerField,
    Model,
    OperationalError,
)
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator
from playhouse.migrate import migrate as run_operations

from jobs.store.database import is_postgres
from jobs.store.errors import UserError
from jobs.store.models import MODELS, Connection, ConnectionPull, Merchant, Shipment, db, utcnow
from jobs.store.search_index import ensure_search_index

log = logging.getLogger(__name__)

ADVISORY_LOCK = 0x70617263  # "parc": one PostgreSQL advisory lock key for the migrator
LOCK_WAIT_SECONDS = 600  # how long a SQLite migrator waits for another one's step


class SchemaNotCurrent(UserError):
    """The database lacks steps this code needs, and this process may not apply them.

    A command prints it as one sentence (exit status 1); the web app refuses to start with it.
    """


class SchemaMigration(Model):
    version = IntegerField(primary_key=True)
    name = CharField(max_length=200)
    applied_at = DateTimeField(default=utcnow)

    class Meta:
        database = db
        table_name = "schema_migration"


@dataclass(frozen=True)
class Step:
    version: int
    name: str
    apply: Callable  # apply(database); must be safe when its work is already done
    transaction: bool = True  # False: outside a transaction (CREATE INDEX CONCURRENTLY)
    sqlite_foreign_keys_off: bool = False  # a SQLite table rebuild (its 12-step procedure)


# Building blocks of steps ----------------------------------------------------------------


def tables(*models):
    """A step body creating the models' tables with their indexes, when missing."""

    def apply(database):
        database.create_tables(models, safe=True)
        add_missing_columns(database, models)

    return apply


def add_missing_columns(database, models):
    """Add the columns the models define and their tables lack (nullable or with a default)."""
    migrator = (PostgresqlMigrator if is_postgres(database) else SqliteMigrator)(database)
    for model in models:
        table = model._meta.table_name
        present = {c.name for c in database.get_columns(table)}
        missing = [f for f in model._meta.sorted_fields if f.column_name not in present]
        if missing:
            run_operations(*(migrator.add_column(table, f.column_name, f) for f in missing))


def create_index(model, name: str):
    """A step body creating the model's index `name` (declared on the model), when missing.

    On PostgreSQL it is built CONCURRENTLY (writes go on meanwhile), so the step must be
    declared with transaction=False; an invalid leftover of an interrupted build is dropped.
    """

    def apply(database):
        index = next(i for i in model._meta.fields_to_index() if i._name == name)
        if is_postgres(database):
            valid = database.execute_sql(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE c.relname = %s",
                (name,),
            ).fetchone()
            if valid and valid[0]:
                return
            if valid:
                database.execute_sql(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
            sql, params = database.get_sql_context().sql(index.safe(True)).query()
            sql = sql.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY", 1)
            sql = sql.replace("CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX CONCURRENTLY", 1)
            database.execute_sql(sql, params)
        else:
            model._schema.create_indexes(safe=True)

    return apply


def drop_index(name: str, concurrently: bool = False):
    """A step body dropping index `name` if it exists (CONCURRENTLY on PostgreSQL if asked)."""

    def apply(database):
        how = "CONCURRENTLY " if concurrently and is_postgres(database) else ""
        database.execute_sql(f'DROP INDEX {how}IF EXISTS "{name}"')

    return apply


# Step bodies ------------------------------------------------------------------------------


def baseline(database):
    """Everything `ensure_schema` made before versions: tables, columns, the search index."""
    tables(*MODELS)(database)
    ensure_search_index(database)


def never_reuse_merchant_ids(database):
    """Rebuild an older SQLite merchant table with an AUTOINCREMENT key, so a deleted
    merchant's id is never handed to a new account (SQLite's documented 12-step table change:
    the runner switches foreign keys off, so dropping the old table cascades to nothing, and
    checks them before the commit). PostgreSQL sequences never go back: nothing to do."""
    if is_postgres(database):
        return
    table = Merchant._meta.table_name
    sql = _sqlite_table_sql(database, table)
    if "AUTOINCREMENT" in sql.upper():
        return
    new_sql, found = re.subn(
        r'^(CREATE TABLE\s+)"?merchant"?(\s*\(\s*"?id"?\s+INTEGER\s+NOT NULL\s+PRIMARY KEY)',
        r'\1"merchant__rebuild"\2 AUTOINCREMENT',
        sql,
        flags=re.IGNORECASE,
    )
    if not found:
        raise RuntimeError(f"unexpected schema of the {table} table: {sql}")
    database.execute_sql(new_sql)
    database.execute_sql(f'INSERT INTO "merchant__rebuild" SELECT * FROM "{table}"')
    database.execute_sql(f'DROP TABLE "{table}"')
    database.execute_sql(f'ALTER TABLE "merchant__rebuild" RENAME TO "{table}"')
    Merchant._schema.create_indexes(safe=True)


def _sqlite_table_sql(database, table):
    row = database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return row[0] if row else ""


def stalled_index_with_its_column(database):
    """Databases made before the stalled index carried `stalled` (so counting the filter
    reads only the index) still have the narrower one under the same name: rebuild it."""
    name = "shipment_stalled"
    if is_postgres(database):
        row = database.execute_sql(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", (name,)
        ).fetchone()
        columns = row[0].split("(", 1)[1].split(")", 1)[0] if row else ""
    else:
        columns = ",".join(r[2] for r in database.execute_sql(f'PRAGMA index_info("{name}")'))
    if "stalled" in columns:
        return
    drop_index(name, concurrently=True)(database)
    create_index(Shipment, name)(database)


def accent_insensitive_search(database):
    """Names and emails searched without accents (issue 17): on SQLite the folded-words FTS5
    table and its triggers, filled from the existing rows; on PostgreSQL the unaccent
    extension, `parceldesk_fold` and trigram indexes on the folded columns, built from the
    existing rows (a clear log line, and the search of before, when unaccent is refused)."""
    ensure_search_index(database)
    # Statistics of the folded expressions of the rows there (the look-up reads them); a new
    # database has none to describe and is left to autovacuum.
    if is_postgres(database) and database.execute_sql("SELECT 1 FROM shipment LIMIT 1").fetchone():
        database.execute_sql("ANALYZE shipment")


# The steps, in order. Never change or renumber a released step: add a new one.
STEPS = [
    Step(1, "baseline: tables, columns and search index of the models", baseline),
    Step(
        2,
        "merchant ids never reused (SQLite AUTOINCREMENT)",
        never_reuse_merchant_ids,
        sqlite_foreign_keys_off=True,
    ),  # fmt: skip
    Step(
        3,
        "drop the first needs-action queue index",
        drop_index("shipment_needs_action_queue", concurrently=True),
        transaction=False,
    ),  # fmt: skip
    Step(
        4, "stalled index carries its column", stalled_index_with_its_column, transaction=False
    ),  # fmt: skip
    Step(5, "shop and feed connections", tables(Connection, ConnectionPull)),
    Step(6, "search index covers every order id of a shipment", ensure_search_index),
    Step(7, "accent-insensitive search of names and emails", accent_insensitive_search),
]


# Running them -----------------------------------------------------------------------------


def latest_version() -> int:
    return max(step.version for step in STEPS)


def applied_versions() -> set[int]:
    database = db.obj
    if not database.table_exists(SchemaMigration._meta.table_name):
        return set()
    return {v for (v,) in SchemaMigration.select(SchemaMigration.version).tuples()}


def pending_steps() -> list[Step]:
    done = applied_versions()
    return [step for step in STEPS if step.version not in done]


def migrate() -> list[Step]:
    """Apply every pending step to the database (db) once, in order; the steps applied.

    Two processes starting at once never both apply a step: on PostgreSQL the whole run holds
    an advisory lock; on SQLite each step runs in a write (IMMEDIATE) transaction that first
    reads again whether another process applied it meanwhile.
    """
    database = db.obj
    if not pending_steps():
        return []
    if is_postgres(database):
        applied = _migrate_postgres(database)
    else:
        applied = _migrate_sqlite(database)
    for step in applied:
        log.info("schema migration %d applied: %s", step.version, step.name)
    return applied


def _record(step):
    SchemaMigration.create(version=step.version, name=step.name)


def _migrate_postgres(database) -> list[Step]:
    applied = []
    database.execute_sql("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK,))
    try:
        database.create_tables([SchemaMigration], safe=True)
        for step in pending_steps():  # read again: another one may have run them
            if step.transaction:
                with database.atomic():
                    step.apply(database)
                    _record(step)
            else:
                step.apply(database)
                _record(step)
            applied.append(step)
    finally:
        database.execute_sql("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK,))
    return applied


def _migrate_sqlite(database) -> list[Step]:
    applied = []
    with _write_lock(database):
        database.create_tables([SchemaMigration], safe=True)
    for step in STEPS:
        if step.sqlite_foreign_keys_off:
            database.execute_sql("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction
        try:
            with _write_lock(database):
                if step.version in applied_versions():
                    continue  # another process applied it while this one waited
                step.apply(database)
                check = step.sqlite_foreign_keys_off
                if check and database.execute_sql("PRAGMA foreign_key_check").fetchall():
                    raise RuntimeError(f"migration {step.version} broke a foreign key")
                _record(step)
                applied.append(step)
        finally:
            if step.sqlite_foreign_keys_off:
                database.execute_sql("PRAGMA foreign_keys = ON")
    return applied


class _write_lock:
    """BEGIN IMMEDIATE, waiting (beyond SQLite's busy timeout) while another migrator writes."""

    def __init__(self, database):
        self.transaction = database.atomic("IMMEDIATE")

    def __enter__(self):
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                return self.transaction.__enter__()
            except OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def __exit__(self, *exc):
        return self.transaction.__exit__(*exc)


def drop_all(database=None):
    """Drop every model's table and the migration records (tests and benchmarks start over)."""
    database = database or db.obj
    cascade = {"cascade": True} if is_postgres(database) else {}
    database.drop_tables([*MODELS, SchemaMigration], safe=True, **cascade)


def check_models():
    """Raise when a model has no table after migrating: a step that creates it is missing."""
    database = db.obj
    present = set(database.get_tables())
    missing = [m._meta.table_name for m in MODELS if m._meta.table_name not in present]
    if missing:
        raise SchemaNotCurrent(
            f"no migration step creates the table(s) {', '.join(missing)}: add one to "
            "jobs/store/migrations.py STEPS (docs/deploy.md, Upgrading)"
        )


def ensure_current(auto_migrate: bool) -> list[Step]:
    """At a process's start: migrate when allowed, else refuse to run on an older schema."""
    if auto_migrate:
        applied = migrate()
    else:
        applied = []
        pending = pending_steps()
        if pending:
            done = applied_versions()
            raise SchemaNotCurrent(
                f"the database schema is at version {max(done, default=0)} and this version of "
                f"Parceldesk needs {latest_version()} ({len(pending)} step(s) pending): run "
                "`parceldesk migrate`"
            )
    check_models()
    return applied
