"""Trigram indexes behind the grid's substring search: FTS5 on SQLite, pg_trgm on PostgreSQL."""

import logging
import re

from flask import g, has_request_context
from peewee import OP, SQL, DatabaseError, Expression, NodeList, PostgresqlDatabase, Value

from jobs.store.models import Shipment, db

log = logging.getLogger(__name__)

FTS_TABLE = "shipment_search"
COLUMNS = ("tracking_number", "order_id", "order_ids", "customer_name", "email")
TRIGRAM = 3  # a trigram index can only answer terms of at least three characters
# With this many matches (a tenth of a percent of a million rows) a page of 50 comes within
# about 50,000 rows of the grid's order, while sorting every match costs more as they grow.
WALK_AFTER = 1000
SAMPLE, SAMPLE_HITS = 20_000, 20  # the same tenth of a percent, for terms too short for it
# An account this small is searched by testing its own rows: the trigram index holds every
# merchant's rows, and a term common elsewhere ("SBX") costs a walk through all their matches.
SMALL_ACCOUNT = 5_000
_NEW = ", ".join(f"new.{c}" for c in COLUMNS)
_OLD = ", ".join(f"old.{c}" for c in COLUMNS)
_LIST = ", ".join(COLUMNS)
# External-content FTS5: the text stays in shipment; the triggers keep the index in step.
# The update trigger fires only when a searched column changes, not on every status write.
# Cost: SQLite 3.40's FTS5 flushes its pending terms at each statement savepoint, so a row
# inserted through the trigger costs ~20 µs more (imports ~30% slower); bulk loads such as
# bench/seed.py drop the index and rebuild it at the end (5 µs a row).
SQLITE_OBJECTS = {
    "shipment_search_ai": f"""CREATE TRIGGER shipment_search_ai AFTER INSERT ON shipment BEGIN
        INSERT INTO {FTS_TABLE}(rowid, {_LIST}) VALUES (new.id, {_NEW}); END""",
    "shipment_search_ad": f"""CREATE TRIGGER shipment_search_ad AFTER DELETE ON shipment BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_LIST}) VALUES ('delete', old.id, {_OLD});
        END""",
    "shipment_search_au": f"""CREATE TRIGGER shipment_search_au AFTER UPDATE OF {_LIST}
        ON shipment BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_LIST}) VALUES ('delete', old.id, {_OLD});
        INSERT INTO {FTS_TABLE}(rowid, {_LIST}) VALUES (new.id, {_NEW}); END""",
}
PG_INDEXES = {f"shipment_{c}_trgm": c for c in COLUMNS}


def is_postgres(database=None) -> bool:
    """Whether the bound database (or `database`) is PostgreSQL."""
    return isinstance(database or db.obj, PostgresqlDatabase)


def ensure_search_index(database=None):
    """Create the search index if missing, filled from the existing rows; safe to repeat."""
    database = database or db.obj
    if is_postgres(database):
        _ensure_trigram_indexes(database)
    else:
        _ensure_fts(database)


def _sqlite_names(database, kind: str) -> set:
    rows = database.execute_sql("SELECT name FROM sqlite_master WHERE type = ?", (kind,))
    return {name for (name,) in rows}


def _ensure_fts(database):
    """Create the FTS5 table and its triggers and fill it once, in one write transaction."""
    if _fts_complete(database):
        return
    with database.atomic("IMMEDIATE"):  # another process may be doing the same right now
        if _fts_complete(database):
            return
        # A table without all its triggers (shipment was dropped and created again) is stale.
        drop_search_index(database)
        database.execute_sql(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({_LIST}, content='shipment', "
            "content_rowid='id', tokenize='trigram')"
        )
        for sql in SQLITE_OBJECTS.values():
            database.execute_sql(sql)
        database.execute_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def _fts_complete(database) -> bool:
    """The table, its triggers, and its columns those of COLUMNS (order_ids came later)."""
    if FTS_TABLE not in _sqlite_names(database, "table"):
        return False
    columns = tuple(row[1] for row in database.execute_sql(f"PRAGMA table_info({FTS_TABLE})"))
    return columns == COLUMNS and set(SQLITE_OBJECTS) <= _sqlite_names(database, "trigger")


def _ensure_trigram_indexes(database):
    """pg_trgm GIN indexes; without the extension the search still works, by a scan."""
    try:
        with database.atomic():
            database.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        present = database.execute_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if present.fetchone() is None:
            log.warning("pg_trgm unavailable (%s): substring search scans the rows", error)
            return
    for name, column in PG_INDEXES.items():
        database.execute_sql(
            f"CREATE INDEX IF NOT EXISTS {name} ON shipment USING gin ({column} gin_trgm_ops)"
        )


def drop_search_index(database=None):
    """Remove the search index (bulk loads rebuild it once at the end, which is faster)."""
    database = database or db.obj
    if is_postgres(database):
        for name in PG_INDEXES:
            database.execute_sql(f"DROP INDEX IF EXISTS {name}")
        return
    for name in SQLITE_OBJECTS:
        database.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    database.execute_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'  # a quoted FTS5 string: every character literal


def substring_condition(q: str, number: str):
    """Rows whose normalized tracking number contains `number`, or order ids, name, email `q`.

    Case-insensitive on both engines. On SQLite a term of three characters or more is looked
    up in the FTS5 trigram index; shorter ones (and PostgreSQL, whose GIN indexes serve ILIKE
    directly) use the LIKE condition.
    """
    if is_postgres() or not _indexed(q, number):
        return like_condition(q, number)
    return Shipment.id.in_(
        SQL(f"(SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?)", [_fts_query(q, number)])
    )


def many_matches(q: str, number: str, merchant_id: int) -> bool:
    """Whether walking the grid's order, testing each row, finds a page sooner than sorting.

    PostgreSQL's planner weighs both from its estimates of ILIKE, so it always gets the choice.
    SQLite's cannot: the FTS5 index counts the merchant's matches up to WALK_AFTER first.
    """
    if is_postgres():
        return True
    key = f"many_matches {merchant_id} {q!r} {number!r}"
    if has_request_context() and key in g:  # the page and its counts ask the same question
        return g.get(key)
    found = _many_matches(q, number, merchant_id)
    if has_request_context():
        setattr(g, key, found)
    return found


def _many_matches(q: str, number: str, merchant_id: int) -> bool:
    if _small_account(merchant_id):
        return True
    if not _indexed(q, number):
        return _common_in_sample(q, number, merchant_id)
    sql = (
        f"SELECT count(*) FROM (SELECT 1 FROM {FTS_TABLE} CROSS JOIN shipment ON shipment.id = "
        f"{FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH ? AND shipment.merchant_id = ? "
        f"LIMIT {WALK_AFTER})"
    )
    found = db.execute_sql(sql, (_fts_query(q, number), merchant_id)).fetchone()[0]
    return found >= WALK_AFTER


def _small_account(merchant_id: int) -> bool:
    """Whether the merchant has at most SMALL_ACCOUNT shipments (counted no further)."""
    rows = Shipment.select(Shipment.id).where(Shipment.merchant == merchant_id)
    return rows.limit(SMALL_ACCOUNT + 1).count() <= SMALL_ACCOUNT


def _common_in_sample(q: str, number: str, merchant_id: int) -> bool:
    """Whether a term too short for the index matches often among the newest SAMPLE rows.

    A rare one must not cost a walk in the grid's order (row lookups in index order are far
    slower than one pass in storage order); a common one finds its page within a few rows.
    """
    newest = Shipment.select(Shipment.id).where(Shipment.merchant == merchant_id)
    newest = newest.order_by(Shipment.id.desc()).limit(SAMPLE)
    hits = Shipment.select(Shipment.id).where(Shipment.id.in_(newest), like_condition(q, number))
    return hits.limit(SAMPLE_HITS).count() >= SAMPLE_HITS


def _indexed(q: str, number: str) -> bool:
    return min(len(q), len(number)) >= TRIGRAM


def _fts_query(q: str, number: str) -> str:
    return (
        f"tracking_number : {_fts_phrase(number)} OR "
        f"{{order_id order_ids customer_name email}} : {_fts_phrase(q)}"
    )


def like_condition(q: str, number: str):
    """The same test by LIKE (ILIKE on PostgreSQL), row by row; % and _ are plain characters."""
    return (
        _contains(Shipment.tracking_number, number)
        | _contains(Shipment.order_id, q)
        | _contains(Shipment.order_ids, q)  # the later orders of a combined shipment
        | _contains(Shipment.customer_name, q)
        | _contains(Shipment.email, q)
    )


def _contains(column, text: str):
    escaped = re.sub(r"([\\%_])", r"\\\1", text)  # literal, as in the trigram index
    return Expression(column, OP.ILIKE, NodeList((Value(f"%{escaped}%"), SQL("ESCAPE '\\'"))))
