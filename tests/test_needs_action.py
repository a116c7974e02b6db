"""'Needs action' is one definition: the grid's tab, the Exceptions report and the digest agree."""

import io

import openpyxl
import pytest

from jobs import runtime
from jobs.cron import PERIODIC, build_scheduler
from jobs.digest import digest_message, exception_counts, send_digests
from jobs.queues import queue, redis_connection
from jobs.reports import exceptions
from jobs.store.grid_query import GridFilter, shipments_matching, status_counts
from jobs.store.models import Merchant, Shipment, utcnow
from tests.report_data import EXCEPTIONS, other_merchant, seed


@pytest.fixture
def merchant(app, merchant_client):
    """Merchant A with every state, where the three old definitions disagreed."""
    other_merchant()
    merchant = Merchant.get(Merchant.email == "merchant-a@example.com")
    seed(merchant.id)
    # resolved by the merchant: off the grid's queue, but the report used to list it
    Shipment.update(followup="resolved").where(Shipment.tracking_number == "EXRETUR01").execute()
    # not found for 10 days but not flagged (yet) by the classifier: the report used to list it
    Shipment.update(needs_action=False).where(Shipment.tracking_number == "EXNOTFD01").execute()
    return merchant


def numbers(query) -> set[str]:
    return {s.tracking_number for s in query}


def test_grid_report_and_digest_hold_the_same_parcels(app, merchant):
    grid = numbers(shipments_matching(merchant.id, GridFilter(status="needs_action")))
    report = numbers(exceptions(merchant.id))
    settings = {**app.config, "SMTP_HOST": "127.0.0.1"}
    message = digest_message(merchant, utcnow().date(), settings)
    (attachment,) = list(message.iter_attachments())
    sheet = openpyxl.load_workbook(io.BytesIO(attachment.get_content())).active
    digest = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    expected = EXCEPTIONS - {"EXRETUR01", "EXNOTFD01"}
    assert grid == report == digest == expected
    total = sum(exception_counts(merchant.id).values())
    assert status_counts(merchant.id)["needs_action"] == total == len(expected)
    assert message["Subject"].startswith(f"Parceldesk: {len(expected)} parcels need action")


def test_the_digest_queues_one_job_per_merchant(app, merchant):
    second = other_merchant_opted_in()
    Merchant.update(digest_opt_in=True).where(Merchant.id == merchant.id).execute()
    runtime.configure({**app.config, "SMTP_HOST": "127.0.0.1"})
    assert send_digests() == {"queued": 2}
    jobs = queue("low", redis_connection(app.config)).get_jobs()
    assert sorted(j.args[0] for j in jobs) == sorted([merchant.id, second.id])
    assert {j.func_name for j in jobs} == {"jobs.digest.send_merchant_digest"}
    assert all(j.timeout and j.retries_left for j in jobs)


def other_merchant_opted_in() -> Merchant:
    merchant = Merchant.get(Merchant.email == "merchant-b@example.com")
    Merchant.update(digest_opt_in=True).where(Merchant.id == merchant.id).execute()
    return merchant


def test_every_periodic_job_has_its_own_time_limit(app):
    scheduler = build_scheduler(redis_connection(app.config), app.config)
    limits = {job.func.__name__: job.job_options.get("job_timeout") for job in scheduler.get_jobs()}
    assert set(limits) == {func.__name__ for func, *_ in PERIODIC}
    assert all(isinstance(limit, int) and limit > 0 for limit in limits.values())
