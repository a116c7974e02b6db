"""Substring search through the trigram indexes (FTS5 on SQLite, pg_trgm on PostgreSQL)."""

from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from peewee import ProgrammingError

from jobs.store.grid_query import (
    SORTS,
    GridFilter,
    search_condition,
    search_text,
    shipments_matching,
)
from jobs.store.migrations import STEPS, baseline
from jobs.store.models import Merchant, Shipment, db
from jobs.store.search import like_condition, look_ups_remembered
from jobs.store.search_index import PG_FOLD_INDEXES, PG_INDEXES, drop_search_index, is_postgres
from tests.test_grid import add, merchant_id
from webapp.shipments.counts import view_counts
from webapp.shipments.paging import grid_page


def found(me, q) -> set[str]:
    """Tracking numbers of the merchant's grid searched for `q`."""
    return {s.tracking_number for s in shipments_matching(me, GridFilter(q=q))}


@pytest.fixture
def people(merchant_client):
    """Three shipments of merchant A, and one of merchant B sharing A's words."""
    me = merchant_id()
    add(me, "1Z999AA10123456784", order_id="#A-1001", customer_name="Ann Archer",
        email="ann.archer@shop.test")  # fmt: skip
    add(me, "LX123456785CN", order_id="WEB-77", customer_name="Bob Baker", email="bob@bakery.test")
    add(me, "SBX0010000054321", order_id=None, customer_name=None, email=None)
    other = Merchant.create(email="merchant-b@example.com", password_hash="!")
    add(other.id, "1Z999AA10999999999", order_id="#A-1001", customer_name="Ann Archer Baker",
        email="ann@shop.test")  # fmt: skip
    return me


@pytest.fixture(params=["small", "big"])
def account(request, monkeypatch):
    """Searched as a small account (its own rows tested) and a big one (the trigram index)."""
    if request.param == "big":
        monkeypatch.setattr("jobs.store.search.SMALL_ACCOUNT", 0)
    return request.param


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("archer", {"1Z999AA10123456784"}),  # customer name, inside the word
        ("ARCHER", {"1Z999AA10123456784"}),  # any case
        ("n arc", {"1Z999AA10123456784"}),  # across the space
        ("bakery.test", {"LX123456785CN"}),  # email
        ("bake", {"LX123456785CN"}),  # name and email of the same row: once
        ("a-100", {"1Z999AA10123456784"}),  # order id, any case
        ("web-77", {"LX123456785CN"}),
        ("99aa101", {"1Z999AA10123456784"}),  # part of a tracking number, any case
        ("99 aa-101", {"1Z999AA10123456784"}),  # pasted with spaces and dashes
        ("56785c", {"LX123456785CN"}),
        ("0054321", {"SBX0010000054321"}),  # a row whose other fields are empty
        ("shop.test", {"1Z999AA10123456784"}),  # B's email matches too, and must not show
        ("z9", {"1Z999AA10123456784"}),  # two characters: the LIKE fallback
        ("b", {"LX123456785CN", "SBX0010000054321"}),  # one character
        ("ann.archer@shop.test", {"1Z999AA10123456784"}),  # a long term, whole
        ("ann.archer@shop.tesx", set()),  # its first characters match, the rest does not
        ("1Z999AA10123456784", {"1Z999AA10123456784"}),  # a whole number
        ("1Z999AA10123456780", set()),
        ("1z999-aa10 123456784", {"1Z999AA10123456784"}),
        ('ann"', set()),  # a quote is a character, never query syntax
        ('"" OR *', set()),
        ("nobody", set()),
        ("9999999", set()),  # only merchant B's number holds it
    ],
)
def test_substring_search_finds_the_merchants_rows(app, people, account, q, expected):
    assert found(people, q) == expected


def _edit(me):
    """Insert, update and delete rows after the index was built."""
    new = add(me, "NEW0001", customer_name="Zelda Quinn", email="zq@new.test", order_id="#N1")
    old = Shipment.get(Shipment.tracking_number == "LX123456785CN")
    Shipment.update(customer_name="Robert Smith", email="rob@smith.test").where(
        Shipment.id == old.id
    ).execute()
    Shipment.update(status="delivered", reason="delivered").where(Shipment.id == new.id).execute()
    Shipment.delete().where(Shipment.tracking_number == "SBX0010000054321").execute()


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("zelda", {"NEW0001"}),  # inserted
        ("new.test", {"NEW0001"}),  # still there after a status update
        ("robert", {"LX123456785CN"}),  # updated: the new name is found ...
        ("baker", set()),  # ... and the old one is gone
        ("bakery", set()),
        ("0054321", set()),  # deleted
    ],
)
def test_the_index_keeps_up_with_inserts_updates_and_deletes(app, people, q, expected):
    _edit(people)
    assert found(people, q) == expected


def test_an_existing_database_gets_its_index_filled_once(app, people):
    drop_search_index()
    add(people, "LATE0001", customer_name="Late Comer")  # written while there is no index
    baseline(db.obj)  # the first migration, on a database made before the search index
    baseline(db.obj)  # safe to repeat
    assert found(people, "comer") == {"LATE0001"}
    assert found(people, "archer") == {"1Z999AA10123456784"}


def _plan(sql, params) -> str:
    if is_postgres():
        return "\n".join(r[0] for r in db.execute_sql("EXPLAIN " + sql, params))
    return "\n".join(r[-1] for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))


def test_the_search_uses_the_trigram_index(app, people, monkeypatch):
    """The term is looked up through the trigram index; the grid then reads its matches by id."""
    monkeypatch.setattr("jobs.store.search.SMALL_ACCOUNT", 0)  # as for a big account
    with statements_run() as statements:
        condition = search_condition("archer", people)
    (look_up,) = _searches(statements)
    if is_postgres():  # its ILIKE test, which the GIN indexes answer (the planner chooses)
        assert "ILIKE" in look_up[0]
        db.execute_sql("SET enable_seqscan = off")  # a tiny table would otherwise be scanned
        plan = _plan(*Shipment.select(Shipment.id).where(like_condition("archer", "ARCHER")).sql())
        db.execute_sql("RESET enable_seqscan")
        assert any(name in plan for name in PG_INDEXES), plan
    else:
        plan = _plan(*look_up)
        assert "VIRTUAL TABLE INDEX" in plan and "shipment_search" in plan, plan
    plan = _plan(*Shipment.select(Shipment.id).where(condition).sql())
    assert ("PRIMARY KEY" in plan or "shipment_pkey" in plan) and "SCAN t1" not in plan, plan


def _substring_term(term: str) -> bool:
    """Not empty once a leading '#' (an order id's) is left out."""
    return bool(search_text(term))


WORDS = st.text(alphabet="abcAB -.@#1%_\\", min_size=0, max_size=20)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=st.lists(WORDS, min_size=1, max_size=6), term=WORDS.map(str.strip).filter(_substring_term)
)
def test_the_index_agrees_with_a_plain_substring_test(app, merchant_client, account, names,
                                                      term):  # fmt: skip
    me = merchant_id()
    Shipment.delete().where(Shipment.merchant == me).execute()
    for n, name in enumerate(names):
        add(me, f"P{n:04d}", customer_name=name)
    term = search_text(term)  # "#1001" looks for 1001 as well
    expected = {f"P{n:04d}" for n, name in enumerate(names) if term.lower() in name.lower()}
    number = term.replace(" ", "").replace("-", "").upper()
    expected |= {f"P{n:04d}" for n in range(len(names)) if number in f"P{n:04d}"}
    assert found(me, term) == expected


@pytest.mark.parametrize("walk_after", [1, 10**6])  # common terms walk the grid's order
@pytest.mark.parametrize("sort_max", [0, 10**6])  # found ids tested while walking, or sorted
@pytest.mark.parametrize(("q", "expected"), [("archer", 2), ("shop.test", 1), ("b", 2), ("x%", 1)])
def test_both_plans_find_the_same_rows_page_by_page(app, people, account, monkeypatch,
                                                    walk_after, sort_max, q,
                                                    expected):  # fmt: skip
    monkeypatch.setattr("jobs.store.search.WALK_AFTER", walk_after)
    monkeypatch.setattr("jobs.store.search.VERIFY", walk_after - 1)
    monkeypatch.setattr("jobs.store.search.SAMPLE_HITS", walk_after)
    monkeypatch.setattr("jobs.store.search.SORT_MAX", sort_max)
    add(people, "X%", customer_name="Ann Archer")  # a literal % is only matched by itself
    for sort in SORTS:
        grid, seen = GridFilter(q=q, sort=sort), []
        while True:
            rows, cursor = grid_page(people, grid, 1)
            seen += [r.id for r in rows]
            if not cursor:
                break
            grid = GridFilter(q=q, sort=sort, after=cursor)
        assert seen == [s.id for s in shipments_matching(people, GridFilter(q=q, sort=sort))]
        assert len(seen) == expected


def test_without_pg_trgm_the_search_still_works_by_a_scan(app, people, monkeypatch):
    if not is_postgres():
        pytest.skip("pg_trgm is PostgreSQL's")
    db.execute_sql("DROP EXTENSION IF EXISTS pg_trgm CASCADE")  # takes its indexes with it
    real = type(db.obj).execute_sql

    def refuse(self, sql, *args, **kwargs):
        if sql.startswith("CREATE EXTENSION"):
            raise ProgrammingError("permission denied to create extension")
        return real(self, sql, *args, **kwargs)

    warnings = []
    monkeypatch.setattr(type(db.obj), "execute_sql", refuse)
    monkeypatch.setattr("jobs.store.search_index.log.warning", lambda *args: warnings.append(args))
    baseline(db.obj)
    assert warnings and "pg_trgm unavailable" in warnings[0][0]
    assert found(people, "archer") == {"1Z999AA10123456784"}


def test_a_small_account_is_searched_through_its_own_rows(app, people):
    """A term common in other accounts must not cost a walk through all of their matches."""
    query = Shipment.select(Shipment.id).where(search_condition("archer", people))
    sql, params = query.sql()
    if not is_postgres():
        plan = "\n".join(r[-1] for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
        assert "shipment_search" not in plan, plan
    assert found(people, "archer") == {"1Z999AA10123456784"}


def test_an_index_without_the_order_ids_column_is_rebuilt(app, people):
    """A database indexed before combined shipping (no order_ids in the index) is brought up
    to date at start, and then finds a shipment by a later order of its combined shipping."""
    from jobs.store import search_index

    Shipment.update(order_ids="WEB-77, WEB-78").where(Shipment.order_id == "WEB-77").execute()
    drop_search_index()
    if is_postgres():  # the four indexes of before
        for name, column in PG_INDEXES.items():
            if column != "order_ids":
                db.execute_sql(f"CREATE INDEX {name} ON shipment USING gin ({column} gin_trgm_ops)")
    else:  # the FTS table and triggers of before, complete but for order_ids
        db.execute_sql(
            "CREATE VIRTUAL TABLE shipment_search USING fts5(tracking_number, order_id, "
            "customer_name, email, content='shipment', content_rowid='id', tokenize='trigram')"
        )
        for sql in search_index.SQLITE_OBJECTS.values():
            db.execute_sql(sql.replace("new.order_ids, ", "").replace("old.order_ids, ", "")
                           .replace("order_ids, ", ""))  # fmt: skip
        db.execute_sql("INSERT INTO shipment_search(shipment_search) VALUES ('rebuild')")
    STEPS[-1].apply(db.obj)  # the migration step an upgraded instance runs
    assert found(people, "web-78") == {"LX123456785CN"}
    assert found(people, "archer") == {"1Z999AA10123456784"}


@contextmanager
def statements_run():
    """(sql, params) of every statement the database runs inside the block."""
    run, seen = db.obj.execute_sql, []

    def record(sql, params=None, *args, **kwargs):
        seen.append((sql, params))
        return run(sql, params, *args, **kwargs)

    db.obj.execute_sql = record
    try:
        yield seen
    finally:
        del db.obj.execute_sql


def _searches(statements) -> list:
    """The statements that look the term up (trigram index or a substring test of the rows)."""
    looks = [(s, p) for s, p in statements if " MATCH " in s or "LIKE" in s.upper()]
    return [(s, p) for s, p in looks if not s.startswith("EXPLAIN")]  # plans are not run


@pytest.fixture
def crowd(people, monkeypatch):
    """Merchant A with twelve Smiths, searched as in a big account (thresholds scaled down)."""
    monkeypatch.setattr("jobs.store.search.SMALL_ACCOUNT", 0)
    for n in range(12):
        add(people, f"SM{n:04d}", customer_name=f"Jo Smith {n}", email=f"jo{n}@smith.test",
            status="delivered" if n % 3 else "in_transit")  # fmt: skip
    return people


def test_a_term_with_few_matches_is_looked_up_once_per_grid_request(app, crowd):
    """The matches found for the page are the ones counted: one look-up, not one per query."""
    with app.test_request_context(), look_ups_remembered(), statements_run() as statements:
        rows, _ = grid_page(crowd, GridFilter(q="smith"), 50)
        counts = view_counts(crowd, GridFilter(q="smith"))
    assert {r.tracking_number for r in rows} == {f"SM{n:04d}" for n in range(12)}
    assert (counts["all"], counts["delivered"], counts["in_transit"]) == (12, 8, 4)
    assert len(_searches(statements)) == 1, statements


def test_a_common_terms_counts_come_from_its_look_up_without_reading_rows(app, crowd,
                                                                         monkeypatch):  # fmt: skip
    """More matches than the counts' cap: "5+" is known from the look-up, no row is tested."""
    monkeypatch.setattr("jobs.store.search.WALK_AFTER", 6)
    monkeypatch.setattr("jobs.store.search.VERIFY", 5)
    monkeypatch.setattr("webapp.shipments.counts.COUNT_CAP", 5)
    with app.test_request_context(), look_ups_remembered():
        rows, _ = grid_page(crowd, GridFilter(q="smith"), 50)
        with statements_run() as statements:
            counts = view_counts(crowd, GridFilter(q="smith"))
    assert len(rows) == 12  # the walk still finds every row
    assert counts == {"all": 5, "capped": True}
    assert not _searches(statements), statements


def test_a_walks_counts_are_capped_where_the_look_up_stops():
    """The look-up confirms as many matches as the counts show before saying "1,000+"."""
    from jobs.store import search
    from webapp.shipments import counts as grid_counts

    assert search.VERIFY >= grid_counts.COUNT_CAP
    assert search.WALK_AFTER > search.VERIFY


def test_a_common_terms_page_is_walked_in_the_grids_order(app, crowd, monkeypatch):
    """Many matches: the page comes from the grid's index in order, testing rows as it goes,
    never from every match read and sorted (PostgreSQL's trigram indexes would offer that)."""
    monkeypatch.setattr("jobs.store.search.WALK_AFTER", 6)
    monkeypatch.setattr("jobs.store.search.VERIFY", 5)
    with app.test_request_context(), look_ups_remembered():
        search_condition("smith", crowd)  # the look-up, outside the statements explained
        with statements_run() as statements:
            rows, _ = grid_page(crowd, GridFilter(q="smith"), 5)
    assert len(rows) == 5
    (page, *_) = [(s, p) for s, p in statements if "ORDER BY" in s and "LIKE" in s.upper()]
    if is_postgres():
        # Left only bitmap scans, the planner takes any index that answers the test (and then
        # sorts every match): the walk's test must be one no trigram index answers.
        db.execute_sql("SET enable_seqscan = off")
        db.execute_sql("SET enable_indexscan = off")
        with app.test_request_context(), look_ups_remembered():
            test = Shipment.select(Shipment.id).where(search_condition("smith", crowd))
            plan = _plan(*test.sql())
        db.execute_sql("RESET enable_seqscan")
        db.execute_sql("RESET enable_indexscan")
        assert not any(name in plan for name in [*PG_INDEXES, *PG_FOLD_INDEXES]), plan
    else:
        assert "TEMP B-TREE" not in _plan(*page), _plan(*page)


def test_postgresql_looks_a_term_up_through_its_trigram_indexes(app, crowd, monkeypatch):
    """Whatever its histogram guesses of a word, the planner may not scan the table for it."""
    if not is_postgres():
        pytest.skip("SQLite's look-up reads the FTS5 table")
    monkeypatch.setattr("jobs.store.search.DENSE", 2)  # no word is in every row (see below)
    run, seen = db.obj.execute_sql, []

    def record(sql, params=None, *args, **kwargs):
        if "ILIKE" in sql and not sql.startswith("EXPLAIN"):  # its plan, made right then
            plan = "\n".join(r[0] for r in run("EXPLAIN " + sql, params))
            seen.append((run("SHOW enable_seqscan").fetchone()[0], plan))
        return run(sql, params, *args, **kwargs)

    db.obj.execute_sql = record
    try:
        with app.test_request_context(), look_ups_remembered():
            search_condition("smith", crowd)
    finally:
        del db.obj.execute_sql
    ((seqscan, plan),) = seen
    assert seqscan == "off" and any(name in plan for name in PG_INDEXES), plan
    assert db.execute_sql("SHOW enable_seqscan").fetchone()[0] == "on"  # for what follows


def test_postgresql_reads_a_word_in_most_rows_in_storage_order(app, crowd):
    """A word its statistics put in a tenth of the rows or more ("gmail.com"): its matches come
    within a few rows read in order, while the trigram indexes would merge huge lists."""
    if not is_postgres():
        pytest.skip("PostgreSQL's statistics")
    # Twelve Smiths in fifteen rows, one name: the statistics' most common value.
    Shipment.update(customer_name="Jo Smith").where(
        Shipment.customer_name.contains("Smith")
    ).execute()
    db.execute_sql("ANALYZE shipment")
    run, seen = db.obj.execute_sql, []

    def record(sql, params=None, *args, **kwargs):
        if "ILIKE" in sql and not sql.startswith("EXPLAIN"):
            seen.append(run("SHOW enable_seqscan").fetchone()[0])
        return run(sql, params, *args, **kwargs)

    db.obj.execute_sql = record
    try:
        with app.test_request_context(), look_ups_remembered():
            rows, _ = grid_page(crowd, GridFilter(q="smith"), 50)
    finally:
        del db.obj.execute_sql
    assert seen[0] == "on"  # the look-up: the planner's own way, not forced onto the indexes
    assert {r.tracking_number for r in rows} == {f"SM{n:04d}" for n in range(12)}


def test_postgresql_grid_search_compiles_no_plan_and_starts_no_worker(app, crowd, merchant_client):
    """JIT (15-20 ms) and parallel workers (5-10 ms) cost more than a grid request's reads."""
    if not is_postgres():
        pytest.skip("PostgreSQL's settings")
    run, seen = db.obj.execute_sql, set()

    def record(sql, params=None, *args, **kwargs):
        if "ILIKE" in sql and not sql.startswith("EXPLAIN"):
            jit = run("SHOW jit").fetchone()[0]
            seen.add((jit, run("SHOW max_parallel_workers_per_gather").fetchone()[0]))
        return run(sql, params, *args, **kwargs)

    db.obj.execute_sql = record
    try:
        response = merchant_client.get("/shipments?q=smith", headers={"HX-Request": "true"})
    finally:
        del db.obj.execute_sql
    assert response.status_code == 200 and "SM0001" in response.get_data(as_text=True)
    assert seen == {("off", "0")}


# Accent-insensitive search (issue 17): what a person types without (or with) accents finds
# the names and emails written with (or without) them, in any case.
ACCENTED = {  # tracking number: (customer name, email)
    "ACC0001": ("Jörg Müller", "jorg@beispiel.test"),
    "ACC0002": ("Anna Muller", "anna.muller@plain.test"),
    "ACC0003": ("José García", "jose.garcia@correo.test"),
    "ACC0004": ("Marie Lefèvre", "françois.dupont@exemple.test"),
    "ACC0005": ("Loja São Paulo", "loja@sp.test"),
    "ACC0006": ("Zoë Noël", "noel@plain.test"),
}


@pytest.fixture(params=["index", "walk"])
def accents(request, people, account, monkeypatch):
    """Merchant A's accented and plain names; merchant B has a Müller too (never shown).

    "walk": the thresholds say every term is common, so the page walks the grid's order and
    tests each row (a big account; a small one always does).
    """
    for number, (name, email) in ACCENTED.items():
        add(people, number, customer_name=name, email=email)
    other = Merchant.get(Merchant.email == "merchant-b@example.com")
    add(other.id, "THEIRS0001", customer_name="Hans Müller", email="müller@b.test")
    if request.param == "walk":
        monkeypatch.setattr("jobs.store.search.WALK_AFTER", 1)
        monkeypatch.setattr("jobs.store.search.VERIFY", 0)
        monkeypatch.setattr("jobs.store.search.SAMPLE_HITS", 1)
    return people


ACCENT_CASES = [
    ("muller", {"ACC0001", "ACC0002"}),  # typed without the umlaut
    ("MULLER", {"ACC0001", "ACC0002"}),  # and in capitals
    ("müller", {"ACC0001", "ACC0002"}),  # typed with it finds the plain spelling too
    ("MÜLLER", {"ACC0001", "ACC0002"}),
    ("jörg m", {"ACC0001"}),  # across the space
    ("jose", {"ACC0003"}),
    ("josé", {"ACC0003"}),  # the name has it, the email has not: the row once
    ("jose garcia", {"ACC0003"}),
    ("JOSÉ GARCÍA", {"ACC0003"}),
    ("lefevre", {"ACC0004"}),
    ("francois", {"ACC0004"}),  # an email with a cedilla
    ("francois.dupont@exemple", {"ACC0004"}),  # a long term, whole
    ("françois.dupont@exemple.test", {"ACC0004"}),
    ("sao paulo", {"ACC0005"}),
    ("SÃO PAULO", {"ACC0005"}),
    ("zoe", {"ACC0006"}),
    ("noël@plain", {"ACC0006"}),  # an accent typed into a plain email
    ("noel", {"ACC0006"}),  # name "Noël" and email "noel@": the row once
    ("mullerx", set()),
    ("jose garcix", set()),
]


@pytest.mark.parametrize(("q", "expected"), ACCENT_CASES)
def test_search_ignores_accents_and_case_both_ways(app, accents, q, expected):
    assert found(accents, q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [("muller", {"ACC0001", "ACC0002"}), ("sao paulo", {"ACC0005"}), ("FRANCOIS", {"ACC0004"})],
)
def test_the_grid_request_finds_accented_names_and_emails(app, accents, merchant_client, q,
                                                          expected):  # fmt: skip
    """Through the htmx partial, as a person types into the search box."""
    from tests.test_grid import HX

    html = merchant_client.get("/shipments", query_string={"q": q}, headers=HX).get_data(
        as_text=True
    )
    shown = {n for n in [*ACCENTED, "THEIRS0001"] if n in html}
    assert shown == expected


def test_the_exact_number_still_comes_first_among_accented_matches(app, accents):
    """An order id that is also a word of names: the exact order comes first, then the rest."""
    add(accents, "ACC0100", order_id="muller", customer_name="Plain Name")
    with look_ups_remembered():
        rows, _ = grid_page(accents, GridFilter(q="muller"), 50)
    numbers = [r.tracking_number for r in rows]
    assert numbers[0] == "ACC0100" and set(numbers[1:]) == {"ACC0001", "ACC0002"}


def test_without_unaccent_the_search_still_ignores_case(app, accents, monkeypatch):
    """PostgreSQL without the unaccent extension (not permitted): a clear log line, and the
    search of before (case-insensitive substrings) still works."""
    if not is_postgres():
        pytest.skip("unaccent is PostgreSQL's")
    from jobs.store import search_index

    db.execute_sql("DROP EXTENSION IF EXISTS unaccent CASCADE")  # its function and indexes too
    real = type(db.obj).execute_sql

    def refuse(self, sql, *args, **kwargs):
        if sql.startswith("CREATE EXTENSION") and "unaccent" in sql:
            raise ProgrammingError("permission denied to create extension")
        return real(self, sql, *args, **kwargs)

    warnings = []
    monkeypatch.setattr(type(db.obj), "execute_sql", refuse)
    monkeypatch.setattr(search_index.log, "warning", lambda *args: warnings.append(args))
    STEPS[-1].apply(db.obj)
    monkeypatch.setattr(type(db.obj), "execute_sql", real)
    assert any("unaccent unavailable" in w[0] for w in warnings), warnings
    assert found(accents, "MÜLLER") == {"ACC0001"}
    assert found(accents, "muller") == {"ACC0002"}


def test_the_folded_words_keep_up_with_accents_coming_and_going(app, accents):
    """A plain name given accents, an accented one made plain, a row deleted: found as now
    written; SQLite's words table (only values beyond ASCII) stays exactly its rows' words."""
    Shipment.update(customer_name="Anna Müller-Lüdenscheidt").where(
        Shipment.tracking_number == "ACC0002"
    ).execute()
    Shipment.update(customer_name="Jorg Mueller").where(
        Shipment.tracking_number == "ACC0001"
    ).execute()
    Shipment.delete().where(Shipment.tracking_number == "ACC0003").execute()
    assert found(accents, "ludenscheidt") == {"ACC0002"}
    assert found(accents, "muller") == {"ACC0002"}
    assert found(accents, "mueller") == {"ACC0001"}
    assert found(accents, "jose") == set()
    if not is_postgres():
        from jobs.store.search_index import WORDS_TABLE

        db.execute_sql(f"INSERT INTO {WORDS_TABLE}({WORDS_TABLE}) VALUES ('integrity-check')")


def test_without_c_functions_the_fold_still_works(app, accents, monkeypatch):
    """Not a superuser: unaccent's C function cannot be declared IMMUTABLE; the fold then
    calls unaccent through SQL (slower, the same rows)."""
    if not is_postgres():
        pytest.skip("PostgreSQL's functions")
    db.execute_sql("DROP FUNCTION IF EXISTS parceldesk_fold_c(regdictionary, text) CASCADE")
    real = type(db.obj).execute_sql

    def refuse(self, sql, *args, **kwargs):
        if "LANGUAGE c" in sql:
            raise ProgrammingError("permission denied for language c")
        return real(self, sql, *args, **kwargs)

    monkeypatch.setattr(type(db.obj), "execute_sql", refuse)
    STEPS[-1].apply(db.obj)
    monkeypatch.setattr(type(db.obj), "execute_sql", real)
    body = db.execute_sql("SELECT prosrc, pg_get_functiondef(oid) FROM pg_proc "
                          "WHERE proname = 'parceldesk_fold'").fetchone()  # fmt: skip
    assert "parceldesk_fold_c" not in body[1]
    assert found(accents, "muller") == {"ACC0001", "ACC0002"}
    assert found(accents, "SÃO PAULO") == {"ACC0005"}
