"""Account emails (sign-up confirmations, notices) through the configured SMTP server."""

import smtplib
from email.message import EmailMessage

from flask import current_app, request, url_for

MAIL_ERRORS = (smtplib.SMTPException, OSError)


def mail_configured(config) -> bool:
    """True when SMTP_HOST is set, so account emails can be sent."""
    return bool(config.get("SMTP_HOST"))


def send_mail(config, to: str, subject: str, body: str):
    """Send one plain-text email; raises one of MAIL_ERRORS when the server refuses it."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.get("SMTP_FROM") or f"parceldesk@{config['SMTP_HOST']}"
    message["To"] = to
    message.set_content(body)
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=30) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for links that leave the page (emails, webhook addresses): built on
    PUBLIC_URL when it is set, never on the request's Host header; else on this request's."""
    public = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if public:
        return public + url_for(endpoint, **values)
    return request.host_url.rstrip("/") + url_for(endpoint, **values)
