"""Every query the grid and the jobs run often is answered from an index: EXPLAIN says so.

The database is seeded with several merchants (bench/seed.py) and analysed, so that the planner
has the choice a large instance gives it. Each case records the SQL peewee runs (or generates,
`query.sql()`) and checks its plan: no full scan of the shipment table, and for keyset pages no
sort of the view's rows (the index must hand them over in order). Accepted exceptions are listed
in ACCEPTED with their reason. Run with SHOW_PLANS=1 and -s to print every plan.
"""

import json
import os
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest

from bench.seed import seed
from config import settings as settings_module
from jobs.reports import exceptions, first_event_at
from jobs.schedule import due_shipments
from jobs.store.grid_query import (
    SORTS,
    TABS,
    GridFilter,
    jobs_running,
    merchant_shipments,
    shipments_matching,
)
from jobs.store.models import Shipment, Upload, db
from jobs.store.search import look_ups_remembered
from tests.conftest import empty_postgres
from webapp import create_app
from webapp.overview_query import idle_bars, needs_action_bars, status_bars, transit_bars
from webapp.shipments import counts as grid_counts
from webapp.shipments.paging import encode_cursor, grid_page

MERCHANT = 2  # the merchant whose queries are explained; the others make `merchant = ?` selective
ROWS = {1: 30_000, 2: 30_000, 3: 30_000}
PAGE = 50
DEEP = 2_000  # rows skipped to find the cursor of a deep page
# SQLite twice: analysed, and as an instance is left (the app never runs ANALYZE on it).
ENGINES = ["sqlite", "sqlite-unanalysed"] + (
    ["postgresql"] if os.environ.get("TEST_DATABASE_URL") else []
)

FILTERS = {  # case id: grid filter arguments
    "carrier": {"carrier": "ups"},
    "carrier-unknown": {"carrier": "unknown"},
    "upload": {"upload": "upload"},  # replaced by one of the merchant's upload ids
    "ship-date-range": {"shipped_from": "2000-01-01", "shipped_to": "2099-12-31"},
    "ship-date-range-by-ship-date": {
        "shipped_from": "2000-01-01",
        "shipped_to": "2099-12-31",
        "sort": "ship_date",
    },
    "ship-date-week": {"shipped_from": (date.today() - timedelta(days=7)).isoformat()},
    "followup": {"followup": "contacted"},
    "stalled": {"stalled": "1"},
    "idle-4-7": {"idle": "4-7"},
    "idle-31+": {"idle": "31+"},
    "needs-action-carrier": {"status": "needs_action", "carrier": "dpd"},
}
SEARCHES = {
    "search-number": {"q": "SBX0020000012345"},
    "search-number-prefix": {"q": "SBX00200000123"},
    "search-substring": {"q": "baker"},
}
# Case id → why it may scan the shipment table (the other rules still apply to it).
ACCEPTED = {
    "search-substring": "a word inside names and emails has no index: one pass over the "
    "merchant's rows, documented in grid_query.search_condition",
    "search-common-word": "PostgreSQL: a word its statistics put in a tenth of the rows is "
    "counted to 1,001 by reading rows in storage order (search_index._estimate)",
    "search-common-word-deep": "the same look-up as search-common-word",
    "search-folded-common-word": "the same look-up as search-common-word, folded",
    "search-folded-common-word-deep": "the same look-up as search-common-word, folded",
}


def _cases() -> list[tuple[str, dict, bool]]:
    """(id, grid arguments, keyset order claimed) for every grid view explained."""
    cases = []
    for status, _ in TABS:
        for sort in SORTS:
            for page in ("first", "deep"):
                args = {"status": status, "sort": sort, "page": page}
                cases.append((f"grid-{status}-{sort}-{page}", args, True))
    for name, args in FILTERS.items():
        for page in ("first", "deep"):
            cases.append((f"filter-{name}-{page}", {**args, "page": page}, True))
    for name, args in SEARCHES.items():
        # The matches are found first, then sorted: a sort of a handful of rows is the plan.
        cases.append((name, {**args, "page": "first"}, False))
    # A word in a tenth of the rows: its page is walked in the grid's order, never sorted.
    cases.append(("search-common-word", {"q": "baker", "page": "first"}, True))
    cases.append(("search-common-word-deep", {"q": "baker", "page": "deep"}, True))
    # The same word typed with an accent: found folded (issue 17), walked the same way.
    cases.append(("search-folded-common-word", {"q": "BÄKER", "page": "first"}, True))
    cases.append(("search-folded-common-word-deep", {"q": "BÄKER", "page": "deep"}, True))
    return cases


GRID_CASES = _cases()
OTHER_CASES = [
    "tab-counts",
    "jobs-running",
    "sweep-due",
    "sweep-due-upload",
    "sweep-due-ids",
    "report-exceptions",
    "overview-status",
    "overview-needs-action",
    "overview-idle",
    "overview-transit",
]


@pytest.fixture(scope="module", params=ENGINES)
def seeded(request, tmp_path_factory):
    """A database of each engine holding ROWS shipments per merchant, with fresh statistics."""
    home = tmp_path_factory.mktemp("plans")
    sqlite = request.param.startswith("sqlite")
    if sqlite:
        url = f"sqlite:///{home / 'plans.db'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        empty_postgres(url)
    app = create_app({"DATABASE_URL": url, "PARCELDESK_HOME": str(home), "SECRET_KEY": "plans"})
    for merchant, rows in ROWS.items():
        seed(merchant, rows, url)
    # Parcels whose carrier was not recognised (the seed always names one).
    Shipment.update(carrier=None).where(Shipment.tracking_number.endswith("7")).execute()
    db.execute_sql("ANALYZE" if sqlite else "VACUUM ANALYZE shipment")
    if request.param == "sqlite-unanalysed":
        db.execute_sql("DROP TABLE sqlite_stat1")
        db.close()  # the planner reads the statistics when a connection opens
    database = db.obj
    yield request.param, database, app
    db.initialize(database)
    if not db.is_closed():
        db.close()


@contextmanager
def recording(database):
    """Collect (sql, params) of every SELECT the database runs inside the block."""
    statements = []
    run = database.execute_sql

    def record(sql, params=None, *args, **kwargs):
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))
        return run(sql, params, *args, **kwargs)

    database.execute_sql = record
    try:
        yield statements
    finally:
        del database.execute_sql


def _grid(args: dict) -> GridFilter:
    args = dict(args)
    if args.get("upload") == "upload":
        args["upload"] = str(Upload.select(Upload.id).where(Upload.merchant == MERCHANT).scalar())
    page = args.pop("page")
    grid = GridFilter.from_args(args)
    if page == "deep":  # the cursor deep in the view, as the "More" link carries it
        view = shipments_matching(MERCHANT, grid)
        skip = min(DEEP, view.count() // 2)
        assert skip > PAGE, f"the seed leaves too few rows in {args}: raise ROWS"
        row = view.offset(skip).limit(1).get()
        grid = GridFilter.from_args({**args, "after": encode_cursor(row, grid.sort)})
    return grid


def _other(case: str, database, app) -> list:
    """The statements of one of OTHER_CASES: run and recorded, or generated by peewee."""
    now = datetime.now() + timedelta(hours=7)  # the seed's next checks (6 h ahead) are due
    built = {
        "sweep-due": lambda: due_shipments(now),
        "sweep-due-upload": lambda: due_shipments(
            now, Upload.select(Upload.id).where(Upload.merchant == MERCHANT).scalar()
        ),
        "sweep-due-ids": lambda: due_shipments(now, shipment_ids=list(range(1000, 1500))),
        "report-exceptions": lambda: exceptions(
            MERCHANT, settings_module.load({}), now
        ).select_extend(first_event_at()),
    }
    if case in built:
        return [built[case]().sql()]
    run = {
        "tab-counts": lambda: (grid_counts._cache.clear(), grid_counts.tab_counts(MERCHANT)),
        "jobs-running": lambda: jobs_running(MERCHANT),
        "overview-status": lambda: status_bars(MERCHANT),
        "overview-needs-action": lambda: needs_action_bars(MERCHANT),
        "overview-idle": lambda: idle_bars(MERCHANT, 7),
        "overview-transit": lambda: transit_bars(MERCHANT),
    }[case]
    with app.test_request_context(), look_ups_remembered(), recording(database) as statements:
        run()
    return statements


def _sqlite_problems(database, sql: str, params, ordered: bool) -> tuple[list, str]:
    tables = {"shipment", *re.findall(r'"shipment" AS "(\w+)"', sql)}
    plan = [row[3] for row in database.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
    problems = []
    for step in plan:
        verb, _, rest = step.partition(" ")
        # Stricter than "no SCAN without an index": a SCAN through an index still walks every
        # merchant's entries; each query here must SEARCH a range.
        if verb == "SCAN" and rest.split(" ")[0] in tables:
            problems.append(f"scan: {step}")
        if ordered and step.startswith("USE TEMP B-TREE FOR") and "ORDER BY" in step:
            problems.append(f"sort: {step}")
    return problems, "\n".join(plan)


def _nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _postgresql_problems(database, sql: str, params, ordered: bool) -> tuple[list, str]:
    plan = database.execute_sql(f"EXPLAIN (FORMAT JSON) {sql}", params).fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    problems = []
    for node in _nodes(plan[0]["Plan"]):
        kind = node["Node Type"]
        if kind == "Seq Scan" and node.get("Relation Name") == "shipment":
            problems.append(f"scan: Seq Scan on shipment ({node.get('Plan Rows')} rows)")
        if ordered and kind == "Sort":
            problems.append(f"sort: Sort on {node.get('Sort Key')} ({node.get('Plan Rows')} rows)")
    return problems, json.dumps(plan, indent=1)


def _problems(engine: str, database, sql: str, params, ordered: bool) -> tuple[list, str]:
    explain = _sqlite_problems if engine.startswith("sqlite") else _postgresql_problems
    return explain(database, sql, params, ordered)


def _check(engine: str, database, case: str, statements: list, ordered: bool):
    """Fail with the statement and its plan when a rule is broken (and not accepted)."""
    assert statements, f"{case}: no statement recorded"
    for sql, params in statements:
        # The exact number or order id shown first: a few rows found by equality, sorted.
        exact = '"tracking_number" = ' in sql and "LIKE" not in sql.upper()
        problems, plan = _problems(engine, database, sql, params, ordered and not exact)
        if os.environ.get("SHOW_PLANS"):
            print(f"\n== {engine} {case} {problems}\n{plan}")
        if case in ACCEPTED:
            problems = [p for p in problems if not p.startswith("scan:")]
        assert not problems, f"{case}: {problems}\n{sql}\n{params}\n{plan}"


@pytest.mark.parametrize("case, args, ordered", GRID_CASES, ids=[c[0] for c in GRID_CASES])
def test_grid_page_is_read_from_an_index(seeded, case, args, ordered):
    """Each tab × sort (first and deep page), filter and search: grid_page's statements."""
    engine, database, _ = seeded
    db.initialize(database)
    grid = _grid(args)
    with recording(database) as statements:
        grid_page(MERCHANT, grid, PAGE)
    _check(engine, database, case, statements, ordered)


@pytest.mark.parametrize("case", OTHER_CASES)
def test_frequent_query_is_read_from_an_index(seeded, case):
    """Tab counts, live-update poll, the sweep, the Exceptions report and the overview's charts."""
    engine, database, app = seeded
    db.initialize(database)
    _check(engine, database, case, _other(case, database, app), ordered=False)


CANARIES = {  # plans the rules must reject, so that a passing run means something
    "scan": (lambda: Shipment.select().where(Shipment.note == "unindexed"), False),
    "sort": (
        lambda: merchant_shipments(MERCHANT).order_by(Shipment.customer_name).limit(PAGE),
        True,
    ),
}


@pytest.mark.parametrize("rule", CANARIES)
def test_rules_reject_a_bad_plan(seeded, rule):
    """A query without a usable index is caught: the checks above are not vacuous."""
    engine, database, _ = seeded
    db.initialize(database)
    query, ordered = CANARIES[rule]
    problems, plan = _problems(engine, database, *query().sql(), ordered)
    assert any(p.startswith(f"{rule}:") for p in problems), plan
