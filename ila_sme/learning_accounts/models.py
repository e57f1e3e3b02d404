from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db


class AccountSnapshot(db.Model):
    """The employee's learning account as the register last reported it, with when."""

    __tablename__ = "account_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee_records.id"), unique=True)
    balance_cents: Mapped[int] = mapped_column(Integer)
    public_credit_cents: Mapped[int] = mapped_column(Integer)
    employer_contributions_cents: Mapped[int] = mapped_column(Integer)
    spent_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    register_updated_at: Mapped[str | None] = mapped_column(String(40))  # as the register wrote it
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(300))  # the last refresh that failed, if any
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
