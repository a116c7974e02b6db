"""resolve_batch claims its rows atomically: a second job with the same ids takes none of them."""

from datetime import timedelta

from bench.datasets import INITIAL, merchant, seed_due
from jobs.imports import _DEFAULTED, UPSERT
from jobs.resolve import _claim, resolve_batch
from jobs.store.database import execute_each
from jobs.store.models import Shipment, StatusChange, utcnow


def ids():
    return [s.id for s in Shipment.select(Shipment.id).order_by(Shipment.id)]


def test_rows_claimed_by_one_job_are_not_taken_by_another(app):
    seed_due(merchant(), 5)
    taken = _claim(ids(), utcnow())  # a first job holds them (mid-fetch)
    assert len(taken) == 5 and len({s.claim_token for s in taken}) == 1
    assert resolve_batch(ids()) == {"resolved": 0}
    assert all(s.next_check_at > utcnow() for s in Shipment.select())


def test_a_job_resolves_only_what_is_still_due(app):
    seed_due(merchant(), 6)
    Shipment.update(next_check_at=utcnow() + timedelta(hours=1)).where(
        Shipment.id.in_(ids()[:2])
    ).execute()
    held = set(ids()[:2])
    assert resolve_batch(ids()) == {"resolved": 4}
    assert resolve_batch(ids()) == {"resolved": 0}
    checked = {s.id for s in Shipment.select().where(Shipment.checked_at.is_null(False))}
    assert checked == set(ids()) - held  # the four due ones, each once; the held two untouched
    moved = {s.id for s in Shipment.select() if (s.status, s.reason) != INITIAL}
    changes = [c.shipment_id for c in StatusChange.select()]
    assert sorted(changes) == sorted(moved) and moved <= checked  # one change each, no repeat
    assert moved  # the sandbox moved some of them, so the count above means something
    released = Shipment.select().where(Shipment.claim_token.is_null()).count()
    assert released == 6


def test_a_reimport_does_not_make_a_claimed_row_due(app):
    owner = merchant()
    seed_due(owner, 2)
    first, second = ids()
    _claim([first], utcnow())
    now = utcnow()
    defaults = {f.name: f.default() if callable(f.default) else f.default for f in _DEFAULTED}
    rows = [
        {**defaults, "merchant": owner, "tracking_number": s.tracking_number, "next_check_at": now}
        for s in Shipment.select().order_by(Shipment.id)
    ]
    execute_each(Shipment, rows, "INSERT", UPSERT)
    assert Shipment.get_by_id(first).next_check_at > now  # still held by its job
    assert Shipment.get_by_id(second).next_check_at == now
