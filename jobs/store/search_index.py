"""The search indexes and their upkeep: FTS5 tables kept by triggers on SQLite, pg_trgm indexes
(and the accent fold) on PostgreSQL, made and rebuilt by the migrations. `jobs.store.search`
asks them; this module only builds them.

Names and emails are compared without accents or case: "muller" finds "Müller" and "müller"
finds "Muller". PostgreSQL compares `parceldesk_fold(column)` (unaccent, lower case) through
trigram indexes on those expressions. SQLite 3.40's trigram tokenizer cannot fold accents, so a
second FTS5 table (`shipment_words`, unicode61 remove_diacritics) holds the folded words of the
values that are not plain ASCII.
"""

import logging

from peewee import DatabaseError

from jobs.store.database import is_postgres
from jobs.store.folding import SQL_FUNCTION
from jobs.store.models import db

log = logging.getLogger(__name__)

FTS_TABLE = "shipment_search"
COLUMNS = ("tracking_number", "order_id", "order_ids", "customer_name", "email")
TRIGRAM = 3  # a trigram index can only answer terms of at least three characters
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
FOLDED = ("customer_name", "email")  # compared without accents
# PostgreSQL with unaccent: the folded names and emails are indexed instead of the plain ones.
PG_FOLD_INDEXES = {f"shipment_{c}_fold_trgm": c for c in FOLDED}
# SQLite: the folded words of the names and emails that have a character beyond ASCII (the
# trigram table finds the others, typed with or without accents), kept by triggers as the
# trigram table is. Only those values: a phrase such as "anna.muller@gmail.com" reads the
# posting list of each word, and "com" in every email cost 60 ms a search.
WORDS_TABLE = "shipment_words"
WORDS_SOURCE = "shipment_words_source"  # the view 'rebuild' reads
BEYOND_ASCII = "'*[^ -~]*'"  # a GLOB pattern


def _beyond_ascii(row: str, column: str) -> str:
    return f"CASE WHEN {row}{column} GLOB {BEYOND_ASCII} THEN {row}{column} END"


def _words_row(row: str) -> str:
    """SELECT of the (rowid, name, email) the words table holds for a row, if any."""
    values = ", ".join(_beyond_ascii(row, c) for c in FOLDED)
    where = " OR ".join(f"{row}{c} GLOB {BEYOND_ASCII}" for c in FOLDED)
    return f"{row}id, {values} WHERE {where}"


_WORDS_LIST = ", ".join(FOLDED)
_WORDS_DELETE = (
    f"INSERT INTO {WORDS_TABLE}({WORDS_TABLE}, rowid, {_WORDS_LIST}) "
    f"SELECT 'delete', {_words_row('old.')};"
)
_WORDS_INSERT = f"INSERT INTO {WORDS_TABLE}(rowid, {_WORDS_LIST}) SELECT {_words_row('new.')};"
SQLITE_WORD_OBJECTS = {
    "shipment_words_ai": f"""CREATE TRIGGER shipment_words_ai AFTER INSERT ON shipment BEGIN
        {_WORDS_INSERT} END""",
    "shipment_words_ad": f"""CREATE TRIGGER shipment_words_ad AFTER DELETE ON shipment BEGIN
        {_WORDS_DELETE} END""",
    "shipment_words_au": f"""CREATE TRIGGER shipment_words_au AFTER UPDATE OF {_WORDS_LIST}
        ON shipment BEGIN {_WORDS_DELETE} {_WORDS_INSERT} END""",
}


def ensure_search_index(database=None):
    """Create the search index if missing, filled from the existing rows; safe to repeat."""
    database = database or db.obj
    if is_postgres(database):
        _ensure_trigram_indexes(database)
    else:
        _ensure_fts(database)
        _ensure_words(database)


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


def _ensure_words(database):
    """The folded-words FTS5 table and its triggers, filled once from the existing rows."""

    def complete():
        return (
            WORDS_TABLE in _sqlite_names(database, "table")
            and WORDS_SOURCE in _sqlite_names(database, "view")
            and set(SQLITE_WORD_OBJECTS) <= _sqlite_names(database, "trigger")
        )

    if complete():
        return
    with database.atomic("IMMEDIATE"):
        if complete():
            return
        _drop_words(database)
        database.execute_sql(
            f"CREATE VIEW {WORDS_SOURCE} AS SELECT id, "
            + ", ".join(f"{_beyond_ascii('', c)} AS {c}" for c in FOLDED)
            + " FROM shipment WHERE "
            + " OR ".join(f"{c} GLOB {BEYOND_ASCII}" for c in FOLDED)
        )
        database.execute_sql(
            f"CREATE VIRTUAL TABLE {WORDS_TABLE} USING fts5({_WORDS_LIST}, "
            f"content='{WORDS_SOURCE}', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        for sql in SQLITE_WORD_OBJECTS.values():
            database.execute_sql(sql)
        database.execute_sql(f"INSERT INTO {WORDS_TABLE}({WORDS_TABLE}) VALUES ('rebuild')")


def _drop_words(database):
    for name in SQLITE_WORD_OBJECTS:
        database.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    database.execute_sql(f"DROP TABLE IF EXISTS {WORDS_TABLE}")
    database.execute_sql(f"DROP VIEW IF EXISTS {WORDS_SOURCE}")


def _ensure_trigram_indexes(database):
    """pg_trgm GIN indexes; without the extension the search still works, by a scan.

    With the unaccent extension, names and emails are indexed folded (`parceldesk_fold`),
    and their plain indexes, which no query uses then, are dropped.
    """
    try:
        with database.atomic():
            database.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        present = database.execute_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if present.fetchone() is None:
            log.warning("pg_trgm unavailable (%s): substring search scans the rows", error)
            _ensure_fold_function(database)
            return
    folds = _ensure_fold_function(database)
    wanted = dict(PG_INDEXES)
    if folds:
        for name, column in PG_FOLD_INDEXES.items():
            database.execute_sql(
                f"CREATE INDEX IF NOT EXISTS {name} ON shipment "
                f"USING gin ({SQL_FUNCTION}({column}) gin_trgm_ops)"
            )
        for name, column in PG_INDEXES.items():
            if column in FOLDED:
                database.execute_sql(f"DROP INDEX IF EXISTS {name}")
                del wanted[name]
    for name, column in wanted.items():
        database.execute_sql(
            f"CREATE INDEX IF NOT EXISTS {name} ON shipment USING gin ({column} gin_trgm_ops)"
        )


def _ensure_fold_function(database) -> bool:
    """`parceldesk_fold(text)`: unaccent with its dictionary named, in lower case, IMMUTABLE
    (so that an index can hold it). False, with a log line, when unaccent may not be created:
    the search then compares names and emails with accents, as before."""
    try:
        with database.atomic():
            database.execute_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
    except DatabaseError as error:
        log.debug("CREATE EXTENSION unaccent: %s", error)
    row = database.execute_sql(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent'"
    ).fetchone()
    if row is None:
        log.warning(
            "unaccent unavailable (CREATE EXTENSION unaccent not permitted): the search "
            "compares names and emails with their accents; a superuser can run "
            "CREATE EXTENSION unaccent, then `parceldesk migrate` folds them"
        )
        # A function (and its indexes) left by an earlier install would fail without it.
        database.execute_sql(f"DROP FUNCTION IF EXISTS {SQL_FUNCTION}(text) CASCADE")
        database.pg_folds = False
        return False
    schema = row[0]
    unaccent = f"{schema}.unaccent"
    try:  # unaccent's own C function declared IMMUTABLE: the fold is then inlined (C speed)
        with database.atomic():
            database.execute_sql(
                f"CREATE OR REPLACE FUNCTION {SQL_FUNCTION}_c(regdictionary, text) "
                "RETURNS text LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE "
                "AS '$libdir/unaccent', 'unaccent_dict'"
            )
        unaccent = f"{SQL_FUNCTION}_c"
    except DatabaseError as error:  # C functions are a superuser's: 10 µs a call instead
        log.info("%s_c not created (%s): the fold calls unaccent through SQL", SQL_FUNCTION, error)
    # BEGIN ATOMIC: the function depends on unaccent's dictionary, so dropping the extension
    # drops it (and the indexes on it) rather than leaving indexes that fail at each write.
    database.execute_sql(
        f"CREATE OR REPLACE FUNCTION {SQL_FUNCTION}(text) RETURNS text LANGUAGE sql "
        "IMMUTABLE STRICT PARALLEL SAFE BEGIN ATOMIC "
        f"SELECT lower({unaccent}('{schema}.unaccent'::regdictionary, $1)); END"
    )
    database.pg_folds = True
    return True


def pg_folds(database=None) -> bool:
    """Whether PostgreSQL has `parceldesk_fold` (asked once per database object)."""
    database = database or db.obj
    if getattr(database, "pg_folds", None) is None:
        found = database.execute_sql(
            "SELECT 1 FROM pg_proc WHERE proname = %s", (SQL_FUNCTION,)
        ).fetchone()
        database.pg_folds = found is not None
    return database.pg_folds


def drop_search_index(database=None):
    """Remove the search index (bulk loads rebuild it once at the end, which is faster)."""
    database = database or db.obj
    if is_postgres(database):
        for name in [*PG_INDEXES, *PG_FOLD_INDEXES]:
            database.execute_sql(f"DROP INDEX IF EXISTS {name}")
        return
    for name in SQLITE_OBJECTS:
        database.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    database.execute_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    _drop_words(database)
