"""Operations commands of `parceldesk`: migrate, copy-database (from SQLite to PostgreSQL)."""

import json
import sys

from peewee import PostgresqlDatabase, sort_models

CHUNK = 5000


def add_commands(sub):
    """Register the operations commands on the `parceldesk` sub-parser."""
    mig = sub.add_parser(
        "migrate",
        help="apply pending schema migrations",
        description="Apply the schema migrations the database lacks, each once and in order"
        " (several at once wait for each other), and print what was applied.",
    )
    mig.add_argument(
        "--json", action="store_true", help='one JSON object: {"applied": [...], "version": N}'
    )
    mig.set_defaults(run=run_migrate)
    copy = sub.add_parser("copy-database", help="copy every table into an empty database")
    copy.add_argument("--from", dest="source", required=True, metavar="URL")
    copy.add_argument("--to", dest="target", required=True, metavar="URL")
    copy.add_argument("--chunk", type=int, default=CHUNK, help=f"rows per insert ({CHUNK})")
    copy.set_defaults(run=run_copy_database)


def run_migrate(args):
    """Open the database of the settings, migrate it, and say what was applied."""
    from config import settings as settings_module
    from jobs import runtime
    from jobs.store.database import open_database
    from jobs.store.migrations import applied_versions, check_models, migrate

    settings = settings_module.load()
    runtime.configure(settings)
    database = open_database(settings["DATABASE_URL"], pool_size=1)
    applied = migrate()
    check_models()
    version = max(applied_versions(), default=0)
    database.close()
    if args.json:
        steps = [{"version": step.version, "name": step.name} for step in applied]
        print(json.dumps({"applied": steps, "version": version}))
        return
    for step in applied:
        print(f"applied {step.version}: {step.name}")
    print(f"schema at version {version}" + ("" if applied else " (nothing to apply)"))


def run_copy_database(args):
    """Copy, then print one JSON object with the rows copied per table."""
    from webapp.cli import UserError

    try:
        counts = copy_database(args.source, args.target, args.chunk)
    except ValueError as error:
        raise UserError(str(error)) from None
    print(json.dumps(counts))


def copy_database(source_url: str, target_url: str, chunk: int = CHUNK) -> dict:
    """Copy every table of `source_url` into the empty `target_url` in id order; rows per table."""
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
        if isinstance(target, PostgresqlDatabase):
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
