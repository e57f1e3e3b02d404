"""The outbox's tests: the SMTP server fixture, and the outbox table as other sessions committed it."""

from __future__ import annotations

from sqlalchemy import select

from ila_sme.extensions import db
from ila_sme.mail.models import OutboxMail
from tests.support.smtp import smtp  # noqa: F401 - the fixture


def rows() -> list[OutboxMail]:
    db.session.rollback()  # see what other sessions committed
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))
