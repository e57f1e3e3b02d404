"""Outgoing e-mail: SMTP when MAIL_SERVER is set, else a file in the outbox folder.

In development the outbox path and the links in the mail are printed to the console, so that a
newcomer can follow an invitation without a mail server.
"""

from __future__ import annotations

import re
import smtplib
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

LINK = re.compile(r"https?://\S+")
PENDING_MAIL = "ila_sme_pending_mail"


def send_after_commit(to: str, subject: str, body: str) -> None:
    """Send once the current transaction commits; nothing is sent if it rolls back."""
    from ila_sme.extensions import db

    db.session.info.setdefault(PENDING_MAIL, []).append((to, subject, body))


@event.listens_for(Session, "after_commit")
def _send_pending_mail(session):
    if session.in_nested_transaction():  # a SAVEPOINT released: the real commit is still to come
        return
    for to, subject, body in session.info.pop(PENDING_MAIL, []):
        try:
            send_mail(to, subject, body)
        except (OSError, smtplib.SMTPException):  # the change stands; the mail is logged as lost
            current_app.logger.exception("mail to a user could not be sent")


@event.listens_for(Session, "after_rollback")
def _drop_pending_mail(session):
    if session.in_nested_transaction():  # only a SAVEPOINT rolled back: the mail of the rest stands
        return
    session.info.pop(PENDING_MAIL, None)


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="ila-sme.localhost")
    message["Date"] = datetime.now(UTC)
    message.set_content(body)
    if config.get("MAIL_SERVER"):
        _send_smtp(message, config)
    else:
        _write_outbox(message, Path(config["MAIL_OUTBOX"]), body)
    return message


def _send_smtp(message: EmailMessage, config) -> None:
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def _write_outbox(message: EmailMessage, outbox: Path, body: str) -> None:
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}.eml"
    path.write_bytes(bytes(message))
    if not current_app.testing:
        links = " ".join(LINK.findall(body))
        print(f"[mail] to {message['To']}: {message['Subject']} -> {path} {links}", file=sys.stderr)


def outbox_messages(outbox: Path) -> list[Path]:
    """The outbox files, oldest first."""
    return sorted(outbox.glob("*.eml")) if outbox.exists() else []
