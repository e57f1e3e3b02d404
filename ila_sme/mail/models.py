"""The outbox: every outgoing mail is a row, written in the transaction of the change that causes it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db


class MailState(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt at ``next_attempt_at``
    SENT = "sent"
    FAILED = "failed"  # refused for good, or out of attempts: only an admin's retry sends it again


MAIL_STATE_LABELS = {
    MailState.PENDING: _l("Waiting to be sent"),
    MailState.SENT: _l("Sent"),
    MailState.FAILED: _l("Could not be sent"),
}


class OutboxMail(db.Model):
    """One message. A sender claims it (``claim_token``, ``claimed_until``) before sending, so two senders
    never send it twice; a claim left by a sender that died runs out at ``claimed_until``."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_state_next_attempt_at", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # the employer whose change caused the mail (none for a password reset): its admins see and retry it
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default=MailState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))  # scrubbed: no address, no long number
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_failed(self) -> bool:
        return self.state == MailState.FAILED

    @property
    def is_sent(self) -> bool:
        return self.state == MailState.SENT

    @property
    def state_label(self):
        return MAIL_STATE_LABELS.get(self.state, self.state)

    def __repr__(self) -> str:
        return f"<OutboxMail {self.id} {self.state}>"
