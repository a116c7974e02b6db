"""The daily digest: each opted-in merchant gets the counts of what needs action and the
Exceptions report (XLSX) by email."""

import logging
import os
import smtplib
import tempfile
from datetime import date
from email.message import EmailMessage

from peewee import fn

from jobs import runtime
from jobs.reports import exceptions, report_filename, report_rows
from jobs.reports.labels import status_label
from jobs.reports.xlsx import write_xlsx
from jobs.store.models import Merchant, Shipment, utcnow

log = logging.getLogger(__name__)
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def send_digests() -> dict:
    """Periodic (daily): queue one digest job per opted-in merchant that has none yet today.

    One job per merchant, each with its own time limit and retries, so a slow mail server or a
    big Exceptions report of one merchant never holds back (or times out) everyone else's.
    Safe to re-run: each job claims its merchant's day before sending (see `send_digest`).
    """
    settings = runtime.setup()
    if not settings["SMTP_HOST"]:
        return {"queued": 0, "skipped": "SMTP_HOST is not set"}
    from jobs.queues import enqueue_digest, redis_connection

    today = utcnow().date()
    due = Merchant.select(Merchant.id).where(Merchant.digest_opt_in, _not_sent(today))
    connection = redis_connection(settings)
    merchant_ids = [m.id for m in due]
    for merchant_id in merchant_ids:
        enqueue_digest(connection, merchant_id, today.isoformat())
    return {"queued": len(merchant_ids)}


def send_merchant_digest(merchant_id: int, day: str) -> dict:
    """Job: send one merchant's digest of `day` (ISO date) unless it was already sent.

    Safe to re-run and to run twice at once: the day is claimed in the database first. A failed
    send gives the claim back and raises, so RQ's Retry (or tomorrow's run) sends it later.
    """
    settings = runtime.setup()
    if not settings["SMTP_HOST"]:
        return {"sent": False}
    try:
        sent = send_digest(merchant_id, date.fromisoformat(day), settings)
    except (smtplib.SMTPException, OSError) as error:
        log.warning("digest for merchant %s not sent: %s", merchant_id, error)
        raise
    return {"sent": sent}


def _not_sent(today: date):
    return Merchant.digest_sent_on.is_null() | (Merchant.digest_sent_on < today)


def send_digest(merchant_id: int, today: date, settings) -> bool:
    """Claim the merchant's day, then send; False when today's digest was already claimed."""
    merchant = Merchant.get_by_id(merchant_id)
    claimed = (
        Merchant.update(digest_sent_on=today)
        .where(Merchant.id == merchant_id, Merchant.digest_opt_in, _not_sent(today))
        .execute()
    )
    if not claimed:
        return False
    try:
        _send(digest_message(merchant, today, settings), settings)
    except BaseException:
        Merchant.update(digest_sent_on=merchant.digest_sent_on).where(
            Merchant.id == merchant_id, Merchant.digest_sent_on == today
        ).execute()
        raise
    return True


def exception_counts(merchant_id: int, settings=None) -> dict:
    """Parcels of the Exceptions report per status label, largest first."""
    rows = (
        exceptions(merchant_id, settings)
        .select(Shipment.status, fn.COUNT(Shipment.id))
        .group_by(Shipment.status)
        .order_by()
        .tuples()
    )
    return {status_label(s): n for s, n in sorted(rows, key=lambda r: (-r[1], r[0]))}


def digest_message(merchant, today: date, settings) -> EmailMessage:
    """The digest email: counts in the body, the Exceptions report attached."""
    counts = exception_counts(merchant.id, settings)
    total = sum(counts.values())
    message = EmailMessage()
    message["Subject"] = f"Parceldesk: {total} parcels need action ({today.isoformat()})"
    message["From"] = settings["SMTP_FROM"] or f"parceldesk@{settings['SMTP_HOST']}"
    message["To"] = merchant.digest_email or merchant.email
    lines = [f"Good morning{', ' + merchant.name if merchant.name else ''}."]
    if total:
        lines += [f"{total} parcels need action today:", ""]
        lines += [f"  {label}: {n}" for label, n in counts.items()]
        lines += ["", "The Exceptions report is attached; open it in Excel or LibreOffice."]
    else:
        lines += ["Nothing needs action today. The (empty) Exceptions report is attached."]
    message.set_content("\n".join(lines) + "\n")
    message.add_attachment(
        _exceptions_xlsx(merchant.id, settings),
        maintype=XLSX_TYPE[0],
        subtype=XLSX_TYPE[1],
        filename=report_filename("xlsx", "exceptions", today=today),
    )
    return message


def _exceptions_xlsx(merchant_id: int, settings) -> bytes:
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        zone = Merchant.select(Merchant.timezone).where(Merchant.id == merchant_id).scalar()
        write_xlsx(report_rows(exceptions(merchant_id, settings), zone=zone), path)
        with open(path, "rb") as workbook:
            return workbook.read()
    finally:
        os.unlink(path)


def _send(message: EmailMessage, settings):
    """Deliver through the configured SMTP server (STARTTLS and login when configured)."""
    with smtplib.SMTP(settings["SMTP_HOST"], int(settings["SMTP_PORT"]), timeout=30) as smtp:
        if settings["SMTP_STARTTLS"]:
            smtp.starttls()
        if settings["SMTP_USER"]:
            smtp.login(settings["SMTP_USER"], settings["SMTP_PASSWORD"])
        smtp.send_message(message)
