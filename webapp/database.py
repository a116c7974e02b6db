"""Open the database named by the settings and bring its schema up to date."""

import re

from peewee import PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from webapp.models import MODELS, Merchant, db
from webapp.private_files import private_sqlite_file
from webapp.search_index import ensure_search_index

SQLITE_PRAGMAS = {
    "journal_mode": "wal",  # readers (the grid) never wait for the import writer
    "busy_timeout": 10000,
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -32000,
}


def open_database(url: str, pool_size: int = 10, stale_timeout: int = 300):
    """Bind the models to the database at `url` (sqlite:///path or postgresql://...).

    PostgreSQL gets a connection pool shared by the threads of one process (the web server's);
    SQLite keeps one connection per thread, which is all its single writer lock allows anyway.
    """
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        database = connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    else:
        scheme, rest = url.split("://", 1)
        database = connect(
            f"{scheme.split('+')[0]}+pool://{rest}",
            max_connections=pool_size,
            stale_timeout=stale_timeout,
            timeout=30,  # a thread waits for a free connection rather than failing at once
        )
    db.initialize(database)
    return database


def write_transaction():
    """A transaction that will write: on SQLite it takes the write lock at BEGIN (IMMEDIATE).

    A deferred SQLite transaction that reads first and writes later fails at once with
    "database is locked" when another process wrote in between; IMMEDIATE waits its turn.
    """
    database = db.obj
    if isinstance(database, SqliteDatabase):
        return database.atomic("IMMEDIATE")
    return database.atomic()


def execute_each(model, rows: list[dict], verb: str = "INSERT", suffix: str = ""):
    """Run one INSERT (or UPDATE by "id") statement for every row dict, all with the same keys.

    Peewee builds SQL per row of insert_many, which costs more than the database's work on
    large batches (profiled: half of an import); here the SQL is built once and executed many
    times with parameters converted by each field. `suffix` is appended (ON CONFLICT ...) as
    plain SQL: a literal "%" in it is escaped here for drivers whose placeholder is "%s".
    """
    fields = [model._meta.fields[name] for name in rows[0] if name != "id"]
    columns = [f'"{f.column_name}"' for f in fields]
    mark, table = db.param, f'"{model._meta.table_name}"'
    if verb == "INSERT":
        values = ", ".join([mark] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})"
    else:
        sql = f"UPDATE {table} SET {', '.join(f'{c} = {mark}' for c in columns)} WHERE id = {mark}"
        fields.append(model._meta.primary_key)
    if mark == "%s":
        suffix = suffix.replace("%", "%%")
    params = [[f.db_value(row[f.name]) for f in fields] for row in rows]
    cursor = db.cursor()
    if isinstance(db.obj, PostgresqlDatabase):
        from psycopg2.extras import execute_batch

        execute_batch(cursor, sql + suffix, params, page_size=200)  # a few round trips
    else:
        cursor.executemany(sql + suffix, params)


def release_connections(everything: bool = False):
    """Return this thread's connection to the pool; with `everything`, close pooled ones too."""
    database = db.obj
    if database is None:
        return
    if not database.is_closed():
        database.close()
    if everything and hasattr(database, "close_idle"):
        database.close_idle()  # a job's process is about to exit: hang up cleanly


def ensure_schema():
    """Create missing tables and indexes, and add columns new models gained; safe to repeat."""
    database = db.obj
    database.create_tables(MODELS, safe=True)
    migrator = (PostgresqlMigrator if isinstance(database, PostgresqlDatabase) else SqliteMigrator)(
        database
    )
    for model in MODELS:
        table = model._meta.table_name
        present = {c.name for c in database.get_columns(table)}
        missing = [f for f in model._meta.sorted_fields if f.column_name not in present]
        if missing:
            migrate(*(migrator.add_column(table, f.column_name, f) for f in missing))
    if isinstance(database, SqliteDatabase):
        never_reuse_merchant_ids(database)
    ensure_search_index(database)


def never_reuse_merchant_ids(database):
    """Rebuild an older SQLite merchant table with an AUTOINCREMENT key (SQLite's documented
    12-step table change), so a deleted merchant's id is never handed to a new account.

    Foreign keys are switched off for the swap (dropping the old table must not cascade to
    every shipment) and checked before the commit; the table is re-read inside the write lock,
    so two processes starting at once rebuild it only once.
    """
    table = Merchant._meta.table_name
    if "AUTOINCREMENT" in (_table_sql(database, table) or "AUTOINCREMENT").upper():
        return
    database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        with database.atomic("IMMEDIATE"):
            sql = _table_sql(database, table)
            if "AUTOINCREMENT" in sql.upper():
                return
            new_sql, found = re.subn(
                r'^(CREATE TABLE\s+)"?merchant"?'
                r'(\s*\(\s*"?id"?\s+INTEGER\s+NOT NULL\s+PRIMARY KEY)',
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
            if database.execute_sql("PRAGMA foreign_key_check").fetchall():
                raise RuntimeError("rebuilding the merchant table broke a foreign key")
    finally:
        database.execute_sql("PRAGMA foreign_keys = ON")


def _table_sql(database, table):
    row = database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return row[0] if row else None
