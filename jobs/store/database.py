"""Open the database named by the settings; helpers for writing to it."""

from peewee import PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect

from jobs.store.folding import SQL_FUNCTION, fold
from jobs.store.models import db
from jobs.store.private_files import private_sqlite_file

SQLITE_PRAGMAS = {
    "journal_mode": "wal",  # readers (the grid) never wait for the import writer
    "busy_timeout": 10000,
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -32000,
}


def is_postgres(database=None) -> bool:
    """Whether `database` (default: the open one) is PostgreSQL; the one place that asks."""
    return isinstance(database if database is not None else db.obj, PostgresqlDatabase)


def open_database(url: str, pool_size: int = 10, stale_timeout: int = 300):
    """Bind the models to the database at `url` (sqlite:///path or postgresql://...).

    PostgreSQL gets a connection pool shared by the threads of one process (the web server's);
    SQLite keeps one connection per thread, which is all its single writer lock allows anyway.
    """
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        database = connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
        # The search compares names and emails without accents (search_index.like_condition).
        database.register_function(fold, SQL_FUNCTION, 1, deterministic=True)
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
    if is_postgres():
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
