"""The grid's substring search: which of a merchant's rows contain what the person typed.

A term is looked up once per request in the indexes of `jobs.store.search_index` (FTS5 on
SQLite, pg_trgm on PostgreSQL); few matches are read by id, many are tested while walking the
grid's order. Names and emails match without accents or case; a term folded only inside a word
("ancois" for "François") is found where rows are tested one by one (a small account, a common
term's walk), not through the SQLite indexes.
"""

import json
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from peewee import OP, SQL, Expression, NodeList, Value

from jobs.store.database import is_postgres
from jobs.store.folding import SQL_FUNCTION, fold
from jobs.store.models import Shipment, db
from jobs.store.search_index import FOLDED, FTS_TABLE, TRIGRAM, WORDS_TABLE, pg_folds

# Up to this many matches are fetched by id and sorted (a few ms at 5,000); with more (half
# a percent of a million rows) a page of 50 comes within about 10,000 rows of the grid's
# order. More than grid_counts.COUNT_CAP, so that a walk's counts are known without a read.
WALK_AFTER = 5000
# A common term is confirmed among the merchant's own rows up to this many: grid_counts.COUNT_CAP,
# so that the counts of a walk are known ("1,000+") without reading a row.
VERIFY = 1000
# PostgreSQL reads up to twice VERIFY matches through the trigram indexes when its statistics
# estimate fewer than PG_RARE * VERIFY: a full name folded ("Léa García" is also "Lea Garcia",
# "Léa Garcia", "Lea García": 1,400 rows in a million, estimated 2,064) is then tested by id
# while walking (26 ms) rather than with five ILIKEs a row (83 ms); a common word (estimated
# 20,000-70,000) would only pay twice the reads (15 -> 30 ms for "garcia") before walking.
PG_VERIFY_FACTOR, PG_RARE = 2, 10
# PostgreSQL: a term its statistics put in a tenth of the merchant's rows is verified by
# reading rows in storage order (about 10 rows read a match) instead of the trigram indexes.
DENSE = 0.1
# Up to this many ids are read and sorted; more are tested while walking the grid's order.
SORT_MAX = 1000
WINDOW = 12  # a longer term is looked up by its first 12 characters, then tested whole
SAMPLE, SAMPLE_HITS = 20_000, 20  # the same tenth of a percent, for terms too short for it
# An account this small is searched by testing its own rows: the trigram index holds every
# merchant's rows, and a term common elsewhere ("SBX") costs a walk through all their matches.
SMALL_ACCOUNT = 5_000


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
    condition = None
    for table, match, trusted in _fts_sources(q, number, whole=True):
        found = Shipment.id.in_(SQL(f"(SELECT rowid FROM {table} WHERE {table} MATCH ?)", [match]))
        found = found if trusted else found & like_condition(q, number)
        condition = found if condition is None else condition | found
    return condition


def many_matches(q: str, number: str, merchant_id: int) -> bool:
    """Whether walking the grid's order, testing each row, finds a page sooner than sorting.

    The merchant's matches are looked up once, up to WALK_AFTER of them (see `look_up`).
    """
    return look_up(q, number, merchant_id).many


@dataclass(frozen=True)
class Matches:
    """What one look-up of a term found among a merchant's rows.

    `many`: walk the grid's order testing each row rather than sort the matches. `ids`: every
    match, when they were found (fewer than WALK_AFTER); the page and the counts read those
    rows by id instead of looking the term up again. `counted`: matches counted, at least.
    """

    many: bool
    ids: tuple | None = None
    counted: int = 0


# Look-ups remembered while one web request lasts (the page, the exact-first rows and the tab
# counts ask the same question); the web sets a fresh dict per request, jobs remember nothing.
_request_look_ups: ContextVar[dict | None] = ContextVar("request_look_ups", default=None)


def remember_look_ups(memo: dict | None):
    """Start (a dict) or end (None) remembering look-ups in this thread's current request."""
    _request_look_ups.set(memo)


@contextmanager
def look_ups_remembered():
    """Remember look-ups inside the block, as a web request does (for callers outside one)."""
    token = _request_look_ups.set({})
    try:
        yield
    finally:
        _request_look_ups.reset(token)


def look_up(q: str, number: str, merchant_id: int) -> Matches:
    """The merchant's matches of a term, looked up once per request (page and counts share it)."""
    key = (merchant_id, q, number)
    memo = _request_look_ups.get()
    if memo is not None and key in memo:
        return memo[key]
    found = _look_up(q, number, merchant_id)
    if memo is not None:
        memo[key] = found
    return found


def _look_up(q: str, number: str, merchant_id: int) -> Matches:
    if _small_account(merchant_id):
        return Matches(many=True)  # its own rows, tested in the grid's order: a few ms
    if not _indexed(q, number):
        return Matches(many=_common_in_sample(q, number, merchant_id))
    if is_postgres():
        # merchant_id + 0: the merchant's index would be a scan of its rows by another name.
        mine = Expression(
            NodeList((Shipment.merchant, SQL("+ 0")), parens=True), OP.EQ, merchant_id
        )
        query = Shipment.select(Shipment.id).where(mine, like_condition(q, number))
        matches, rows = _estimate(q, number, merchant_id)
        limit = VERIFY
        if rows > 0 and matches >= DENSE * rows:  # "gmail.com": storage order holds it at once
            scan = Shipment.select(Shipment.id).where(mine, like_condition(q, number, walk=True))
            ids = tuple(i for (i,) in scan.limit(limit + 1).tuples())
        else:
            if matches < PG_RARE * VERIFY:  # not a word in every hundredth row
                limit = PG_VERIFY_FACTOR * VERIFY
            ids = _through_trigram_indexes(query.limit(limit + 1))
        if len(ids) > limit:
            return Matches(many=True, counted=len(ids))
        return Matches(many=False, ids=ids, counted=len(ids))
    return _look_up_fts(q, number, merchant_id)


def _estimate(q: str, number: str, merchant_id: int) -> tuple[float, float]:
    """PostgreSQL's estimates of the merchant's matches of the term, and of its rows.

    A term in at least DENSE of the rows is read in storage order (below); one estimated
    under PG_RARE * VERIFY rows keeps up to PG_VERIFY_FACTOR * VERIFY ids.

    Its estimates of a word are rough (68,000 rows for "Roberts", about 20,000 in fact) but
    tell a big email domain (354,000 for "gmail.com") from a surname. Such a word is in
    every few rows, so VERIFY matches come within a few thousand rows read in storage order,
    where the trigram indexes would merge posting lists of a third of the table (200 ms).
    """
    mine = Shipment.select(Shipment.id).where(Shipment.merchant == merchant_id)
    return _estimated_rows(mine.where(like_condition(q, number))), _estimated_rows(mine)


def _estimated_rows(query) -> float:
    sql, params = query.sql()
    (plan,) = db.execute_sql("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Plan"]["Plan Rows"]


def _through_trigram_indexes(query) -> tuple:
    """Ids of `query` read through the GIN indexes, never by a scan of the table.

    The planner's estimate of ILIKE comes from a 100-value histogram: for some common words
    (a surname) it finds no sample and bets on the indexes, for others it finds a few and
    scans the table until VERIFY matches (166 ms for "Roberts" at 1M rows, against 11 ms for
    "Smith" through the indexes), or reads the merchant's rows in its index's order (110 ms
    for "Schmidt"). With the table scan off and the merchant's index out of reach (the
    caller writes merchant_id + 0), the GIN indexes are the only way left.
    """
    with db.atomic():
        db.execute_sql("SET LOCAL enable_seqscan = off")
        try:
            return tuple(i for (i,) in query.tuples())
        finally:
            db.execute_sql("SET LOCAL enable_seqscan = on")


def _look_up_fts(q: str, number: str, merchant_id: int) -> Matches:
    """FTS5: row ids straight from the index, the merchant checked only where it matters.

    Reading a match's row (for its merchant) costs twenty times more than finding it, so a
    term with fewer than WALK_AFTER matches in the index keeps their ids as they are: the
    page and the counts read them with `merchant_id = ?` anyway. A longer term is looked up
    by its first WINDOW characters (a phrase of many trigrams common in every row, such as
    "@gmail.com", costs more than it narrows), and those candidates are tested whole.

    Up to three look-ups (`_fts_sources`): the term in the trigram table, the term folded
    there (when it has accents: "müller" finds "Muller"), and its folded words in the words
    table ("muller" finds "Müller"); the matches of all three are the term's.
    """
    found, tested = set(), True  # tested: every id found is the merchant's and a match
    sources = _fts_sources(q, number, whole=False)
    looked_up = _fts_ids_each(sources, WALK_AFTER)
    if any(len(candidates) >= WALK_AFTER for candidates in looked_up):
        return _common_fts(q, number, merchant_id)
    for (_, _, trusted), candidates in zip(sources, looked_up, strict=True):
        if trusted:
            found.update(candidates)  # any merchant's: not counted
            tested = False
        else:
            found.update(_verified(candidates, merchant_id, like_condition(q, number)))
    ids = tuple(sorted(found))
    return Matches(many=False, ids=ids, counted=len(ids) if tested else 0)


def _common_fts(q: str, number: str, merchant_id: int) -> Matches:
    """Common in the index: common for this merchant too, or only for others (then sorted)."""
    mine = set()
    for table, match, trusted in _fts_sources(q, number, whole=True):
        sql = (
            f"SELECT shipment.id FROM {table} CROSS JOIN shipment ON shipment.id = "
            f"{table}.rowid WHERE {table} MATCH ? AND shipment.merchant_id = ? LIMIT ?"
        )
        candidates = tuple(i for (i,) in db.execute_sql(sql, (match, merchant_id, VERIFY + 1)))
        if trusted:
            mine.update(candidates)
        else:
            mine.update(_verified(candidates, merchant_id, like_condition(q, number)))
            if len(candidates) > VERIFY:  # more candidates than read: some may match
                return Matches(many=True, counted=len(mine))
        if len(mine) > VERIFY:
            return Matches(many=True, counted=len(mine))
    return Matches(many=False, ids=tuple(sorted(mine)), counted=len(mine))


def _fts_sources(q: str, number: str, whole: bool) -> list:
    """(table, MATCH query, trusted) of each FTS5 look-up of the term.

    Trusted: every row the query finds contains the term, so it needs no test. A term longer
    than WINDOW is looked up by its start (not trusted) unless `whole`. The words table finds
    rows whose folded words start as the term's do; only a term of one word (letters and
    digits) is sure to be contained then: "jose garcia" also finds "José-García".
    """
    folded = fold(q)
    long = not whole and max(len(q), len(number)) > WINDOW
    cut = WINDOW if long else None
    sources = [(FTS_TABLE, _fts_query(q[:cut], number[:cut]), not long)]
    if folded != q.lower() and len(folded) >= TRIGRAM:  # typed with accents
        sources.append((FTS_TABLE, _folded_query(folded[:cut]), not long))
    words = _words_query(q)
    if words:
        sources.append((WORDS_TABLE, words, q.isalnum()))
    return sources


def _folded_query(folded: str) -> str:
    return f"{{{' '.join(FOLDED)}}} : {_fts_phrase(folded)}"


def _words_query(q: str) -> str | None:
    """The term's words, the last a prefix, as one FTS5 phrase; None when it has no word."""
    if not any(c.isalnum() for c in q):
        return None
    return f"{{{' '.join(FOLDED)}}} : {_fts_phrase(q)}*"


def _fts_ids_each(sources: list, limit: int) -> list[tuple]:
    """Up to `limit` row ids of each source's query, all in one statement."""
    parts, params = [], []
    for n, (table, match, _) in enumerate(sources):
        parts.append(f"SELECT {n}, rowid FROM (SELECT rowid FROM {table} WHERE {table} MATCH ? "
                     "LIMIT ?)")  # fmt: skip
        params += [match, limit]
    found = [[] for _ in sources]
    for n, rowid in db.execute_sql(" UNION ALL ".join(parts), params):
        found[n].append(rowid)
    return [tuple(ids) for ids in found]


def _verified(candidates: tuple, merchant_id: int, condition) -> tuple:
    """The candidates that are the merchant's and meet `condition`."""
    rows = Shipment.select(Shipment.id).where(
        ids_condition(candidates), Shipment.merchant == merchant_id, condition
    )
    return tuple(i for (i,) in rows.tuples())


def ids_condition(ids, walk: bool = False):
    """`id IN (…)` written out: row ids from the index, integers, as one literal list.

    With `walk`, the id is written `+id` so that no index answers the test: SQLite then walks
    the grid's order and tests each id against the list (an index-only read of each entry)
    instead of reading every listed row and sorting them all.
    """
    listed = SQL("(" + (",".join(str(int(i)) for i in ids) or "NULL") + ")")
    if walk:
        return Expression(NodeList((SQL("+"), Shipment.id), glue=""), OP.IN, listed)
    return Shipment.id.in_(listed)


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
    if number.lower() == q.lower():  # one phrase (the index ignores case): half the work
        return _fts_phrase(q)
    return (
        f"tracking_number : {_fts_phrase(number)} OR "
        f"{{order_id order_ids customer_name email}} : {_fts_phrase(q)}"
    )


def like_condition(q: str, number: str, walk: bool = False):
    """The same test by LIKE (ILIKE on PostgreSQL), row by row; % and _ are plain characters.

    `walk`: the test of a common term's page, walked in the grid's order. PostgreSQL would
    answer ILIKE from its trigram indexes, which it believes selective whatever the term
    (0.01% a column), then read and sort every match (480 ms for a surname in a million
    rows); written `column || ''`, no index answers it and the planner walks the order.
    """
    columns = (Shipment.tracking_number, Shipment.order_id, Shipment.order_ids,
               Shipment.customer_name, Shipment.email)  # fmt: skip
    postgres = is_postgres()
    if walk and postgres:
        columns = tuple(NodeList((c, SQL("|| ''")), parens=True) for c in columns)
    tracking, *others = columns  # order_ids: the later orders of a combined shipment
    # SQLite's walk tests the folded words through the words table (one set of ids, read
    # once) rather than calling the fold on every name beyond ASCII (a Python call each).
    by_words = walk and not postgres and _indexed(q, number) and _words_query(q) is not None
    condition = _contains(tracking, number)
    for column, field in zip(others, ("order_id", "order_ids", *FOLDED), strict=True):
        if field not in FOLDED:
            condition |= _contains(column, q)
        elif postgres:
            condition |= _contains_folded_pg(column, q)
        else:
            condition |= _contains_folded_sqlite(column, q, by_fold=not by_words)
    if by_words:
        condition |= _in_words(q)
    return condition


def _pattern(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"  # literal, as in the trigram index


def _contains(column, text: str):
    return Expression(column, OP.ILIKE, NodeList((Value(_pattern(text)), SQL("ESCAPE '\\'"))))


def _contains_folded_pg(column, text: str):
    """parceldesk_fold(column) LIKE parceldesk_fold('%text%'): what the folded indexes answer
    (the term is folded by the same function, a constant the planner computes once)."""
    if not pg_folds():
        return _contains(column, text)
    folded = NodeList((SQL(SQL_FUNCTION), NodeList((column,), parens=True)), glue="")
    pattern = NodeList((SQL(SQL_FUNCTION), NodeList((Value(_pattern(text)),), parens=True)),
                       glue="")  # fmt: skip
    return Expression(folded, OP.LIKE, NodeList((pattern, SQL("ESCAPE '\\'"))))


def _contains_folded_sqlite(column, text: str, by_fold: bool = True):
    """The column contains the term, or the term folded, or (`by_fold`) folded contains it.

    SQLite's LIKE ignores the case of ASCII letters only; the fold (a Python function) is
    called only for values with a character beyond ASCII, which GLOB tells at C speed.
    """
    folded = fold(text)
    condition = _contains(column, text)
    if folded != text.lower():
        condition |= _contains(column, folded)
    return condition | _by_fold(column, folded) if by_fold else condition


def _by_fold(column, folded: str):
    beyond_ascii = NodeList((column, SQL("GLOB ?", ["*[^ -~]*"])))
    by_fold = Expression(
        NodeList((SQL(SQL_FUNCTION), NodeList((column,), parens=True)), glue=""),
        OP.ILIKE,  # peewee's LIKE on SQLite (its OP.LIKE is GLOB); both sides are lower case
        NodeList((Value(_pattern(folded)), SQL("ESCAPE '\\'"))),
    )
    return beyond_ascii & by_fold


def _in_words(q: str):
    """`+id IN (the words table's matches)`: no index answers it, so a walk keeps its order.

    A term of more than one word ("jose garcia" also finds "José-García") is then tested.
    """
    ids = NodeList((SQL("+"), Shipment.id), glue="")
    found = SQL(f"(SELECT rowid FROM {WORDS_TABLE} WHERE {WORDS_TABLE} MATCH ?)", [_words_query(q)])
    condition = Expression(ids, OP.IN, found)
    if not q.isalnum():
        folded = fold(q)
        condition &= _by_fold(Shipment.customer_name, folded) | _by_fold(Shipment.email, folded)
    return condition
