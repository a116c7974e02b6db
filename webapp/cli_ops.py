"""Operations commands of `parceldesk`: migrate, copy-database (from SQLite to PostgreSQL)."""

import json
import sys

import click
from peewee import sort_models

CHUNK = 5000


@click.command(short_help="apply pending schema migrations")
@click.option(
    "--json", "as_json", is_flag=True, help='one JSON object: {"applied": [...], "version": N}'
)
def migrate(as_json):
    """Apply the schema migrations the database lacks, each once and in order (several at once
    wait for each other), and print what was applied.
    """
    from config import settings as settings_module
    from jobs import runtime
    from jobs.store.database import open_database
    from jobs.store.migrations import applied_versions, check_models
    from jobs.store.migrations import migrate as apply_migrations

    settings = settings_module.load()
    runtime.configure(settings)
    database = open_database(settings["DATABASE_URL"], pool_size=1)
    applied = apply_migrations()
    check_models()
    version = max(applied_versions(), default=0)
    database.close()
    if as_json:
        steps = [{"version": step.version, "name": step.name} for step in applied]
        print(json.dumps({"applied": steps, "version": version}))
        return
    for step in applied:
        print(f"applied {step.version}: {step.name}")
    print(f"schema at version {version}" + ("" if applied else " (nothing to apply)"))


@click.command("copy-database", short_help="copy every table into an empty database")
@click.option(
    "--from", "source", required=True, metavar="URL", help="the database to copy (sqlite:///…)"
)
@click.option("--to", "target", required=True, metavar="URL", help="the empty database to fill")
@click.option("--chunk", type=int, default=CHUNK, metavar="N", help="rows per insert")
def copy_database_command(source, target, chunk):
    """Copy every table of one database into an empty one (SQLite to PostgreSQL, say), both
    migrated to this version first, in one transaction; print the rows copied per table as JSON.
    """
    try:
        counts = copy_database(source, target, chunk)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    print(json.dumps(counts))


COMMANDS = [migrate, copy_database_command]


def copy_database(source_url: str, target_url: str, chunk: int = CHUNK) -> dict:
    """Copy every table of `source_url` into the empty `target_url` in id order; rows per table."""
    from jobs.store.database import is_postgres
    from jobs.store.models import MODELS, db

    source = _open_current(source_url)
    target = _open_current(target_url)
    models = sort_models(MODELS)  # parents before children, so foreign keys always resolve
    with target.bind_ctx(models):
        filled = [m.__name__ for m in models if m.select().exists()]
    if filled:
        raise ValueError(f"the target database is not empty ({', '.join(filled)}); use a new one")
    counts = {}
    with target.atomic():  # all or nothing: a failed copy leaves the target empty
        for model in models:
            counts[model._meta.table_name] = _copy_table(model, source, target, chunk)
            print(f"copied {model._meta.table_name}", file=sys.stderr, flush=True)
        if is_postgres(target):
            _reset_sequences(models, target)
    for database in (source, target):
        database.close()
    db.initialize(None)
    return counts


def _open_current(url):
    """Open `url` and bring its schema to this version, so both sides have the same columns."""
    from jobs.store.database import open_database
    from jobs.store.migrations import migrate

    database = open_database(url, pool_size=1)
    migrate()
    return database


def _copy_table(model, source, target, chunk) -> int:
    """Copy one table in chunks of ids; values go through the fields, so types convert."""
    fields = model._meta.sorted_fields
    copied, last = 0, 0
    while True:
        with source.bind_ctx([model]):
            rows = list(
                model.select(*fields)
                .where(model.id > last)
                .order_by(model.id)
                .limit(chunk)
                .tuples()
            )
        if not rows:
            return copied
        with target.bind_ctx([model]):
            model.insert_many(rows, fields=fields).execute()
        copied += len(rows)
        last = rows[-1][0]


def _reset_sequences(models, target):
    """Point each id sequence past the copied ids, so new rows do not collide with them."""
    for model in models:
        table = model._meta.table_name
        target.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table}"'
        )
