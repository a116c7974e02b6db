"""Open the database named by the settings and bring its schema up to date."""

from peewee import PostgresqlDatabase
from playhouse.db_url import connect
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from webapp.models import MODELS, db

SQLITE_PRAGMAS = {
    "journal_mode": "wal",  # readers (the grid) never wait for the import writer
    "busy_timeout": 10000,
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -32000,
}


def open_database(url: str):
    """Bind the models to the database at `url` (sqlite:///path or postgresql://...)."""
    if url.startswith("sqlite"):
        database = connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    else:
        database = connect(url)
    db.initialize(database)
    return database


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
