"""The daily digest: opt-in, sent once per merchant per day, counts and the report attached."""

import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
import time_machine

from jobs import runtime
from jobs.cron import build_scheduler
from jobs.digest import send_digests
from jobs.queues import queue, redis_connection
from jobs.reports import HEADER
from jobs.store.models import Merchant, utcnow
from tests.conftest import csrf_from, run_jobs
from tests.report_data import EXCEPTIONS, other_merchant, seed
from tests.smtp_sink import SmtpSink


@pytest.fixture
def sink(app):
    """A local SMTP server, and the app's settings pointing at it."""
    with SmtpSink() as server:
        runtime.configure(
            {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": server.port,
             "SMTP_STARTTLS": False, "SMTP_FROM": "digest@parceldesk.test"}
        )  # fmt: skip
        yield server


@pytest.fixture
def merchants(app, merchant_client):
    """Merchant A opted in (to a chosen address) with every state; merchant B not opted in."""
    other_merchant()
    a = Merchant.get(Merchant.email == "merchant-a@example.com")
    seed(a.id)
    Merchant.update(digest_opt_in=True, digest_email="ops@shop.test").where(
        Merchant.id == a.id
    ).execute()
    return a


@pytest.fixture
def one_day():
    """The clock stopped for the test, so "today" cannot turn into tomorrow half-way."""
    with time_machine.travel(datetime.now(UTC), tick=False):
        yield


def digest_run(app) -> int:
    """The periodic job, then the per-merchant jobs it queued; how many merchants it queued."""
    queued = send_digests().get("queued", 0)
    run_jobs(app)
    return queued


def test_digest_sent_once_a_day_with_counts_and_report(app, sink, merchants, one_day):
    assert digest_run(app) == 1
    assert digest_run(app) == 0  # a re-run the same day queues (and sends) nothing
    assert len(sink.messages) == 1
    envelope, message = sink.messages[0]
    assert "ops@shop.test" in envelope["to"][0] and message["To"] == "ops@shop.test"
    assert message["Subject"].startswith(f"Parceldesk: {len(EXCEPTIONS)} parcels need action")
    body = message.get_body(("plain",)).get_content()
    for line in ("Alert: 1", "Undelivered: 1", "Returned: 1", "Expired: 1", "In transit: 1"):
        assert line in body
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename().startswith("parceldesk-exceptions-")
    sheet = openpyxl.load_workbook(io.BytesIO(attachment.get_content())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert {r[1] for r in rows[1:]} == EXCEPTIONS  # and never merchant B's SECRETB01
    assert Merchant.get_by_id(merchants.id).digest_sent_on == utcnow().date()


def test_next_day_sends_again_and_opted_out_merchants_get_none(app, sink, merchants, one_day):
    yesterday = utcnow().date() - timedelta(days=1)
    Merchant.update(digest_sent_on=yesterday).where(Merchant.id == merchants.id).execute()
    assert digest_run(app) == 1 and len(sink.messages) == 1
    Merchant.update(digest_opt_in=False, digest_sent_on=yesterday).execute()
    assert digest_run(app) == 0
    assert len(sink.messages) == 1


def test_failed_send_is_retried_by_the_next_run(app, merchants):
    with SmtpSink() as closed:
        port = closed.port  # nothing listens there once the sink is closed
    runtime.configure({**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port})
    assert digest_run(app) == 1  # queued; its send fails and RQ schedules a retry
    assert Merchant.get_by_id(merchants.id).digest_sent_on is None
    with SmtpSink() as sink:
        runtime.configure(
            {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": sink.port, "SMTP_STARTTLS": False}
        )
        assert digest_run(app) == 1 and len(sink.messages) == 1


def test_without_smtp_nothing_is_sent(app, merchants):
    assert digest_run(app) == 0
    assert Merchant.get_by_id(merchants.id).digest_sent_on is None


def test_digest_is_a_daily_cron_job_that_json_workers_run(app):
    connection = redis_connection(app.config)
    with time_machine.travel(datetime(2026, 11, 20, 5, 0, tzinfo=UTC), tick=False) as clock:
        scheduler = build_scheduler(connection, app.config)
        jobs = {job.func.__name__: job for job in scheduler.get_jobs()}
        assert jobs["send_digests"].cron == app.config["DIGEST_CRON"] == "0 6 * * *"
        assert jobs["sweep"].interval == app.config["SWEEP_INTERVAL_SECONDS"]
        assert [job.func.__name__ for job in scheduler.enqueue_jobs()] == ["sweep"]  # at once
        clock.move_to(datetime(2026, 11, 20, 6, 0, tzinfo=UTC))
        due = sorted(job.func.__name__ for job in scheduler.enqueue_jobs())
    assert due == ["send_digests", "sweep"]
    queued = queue("low", connection).get_jobs()  # read as the workers read them: JSON
    names = ["jobs.digest.send_digests", "jobs.sweep.sweep", "jobs.sweep.sweep"]
    assert sorted(job.func_name for job in queued) == names
    run_jobs(app)
    assert {job.get_status(refresh=True) for job in queued} == {"finished"}


def test_settings_form_opts_in(app, merchant_client):
    page = merchant_client.get("/settings/digest").get_data(as_text=True)
    assert 'id="digest-settings"' in page and "No mail server is configured" in page
    token = csrf_from(merchant_client, "/settings/digest")
    bad = merchant_client.post(
        "/settings/digest", data={"digest_opt_in": "y", "digest_email": "nope", "csrf_token": token}
    )
    assert bad.status_code == 422 and "valid email" in bad.get_data(as_text=True)
    response = merchant_client.post(
        "/settings/digest",
        data={"digest_opt_in": "y", "digest_email": "", "csrf_token": token},
    )
    assert response.status_code == 303
    merchant = Merchant.get(Merchant.email == "merchant-a@example.com")
    assert merchant.digest_opt_in and merchant.digest_email == ""  # the account's address
    # Another address must be confirmed by email (tests/test_limits.py), so not without SMTP.
    other = merchant_client.post(
        "/settings/digest",
        data={"digest_opt_in": "y", "digest_email": "Ops@Shop.test", "csrf_token": token},
    )
    assert other.status_code == 422 and "mail server" in other.get_data(as_text=True)


def test_smtp_settings_from_the_environment(tmp_path):
    from config import settings

    loaded = settings.load(
        environ={"PARCELDESK_HOME": str(tmp_path), "SMTP_PORT": "2525", "SMTP_STARTTLS": "false"}
    )
    assert (loaded["SMTP_PORT"], loaded["SMTP_STARTTLS"]) == (2525, False)
    assert settings.load(environ={"PARCELDESK_HOME": str(tmp_path)})["SMTP_STARTTLS"] is True
