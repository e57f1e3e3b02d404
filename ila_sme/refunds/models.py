"""That the accountants and admins of an employer were reminded of a training's VOV refund claim deadline:
once per employer and training (the unique key keeps a second run, even a concurrent one, from telling again)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db


class ClaimReminder(db.Model):
    __tablename__ = "vov_claim_reminders"
    __table_args__ = (UniqueConstraint("employer_id", "training_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id"), index=True)
    deadline: Mapped[date] = mapped_column(Date)  # the claim deadline the reminder named
    reminded_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
