"""Accountants' statements: closed periods, adjustments booked in the next open period, and the log of
every statement export. Money is integer cents; periods are months (YYYY-MM)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db
from ila_sme.money import from_cents


class ClosedPeriod(db.Model):
    """One closed month of one employer (closing a quarter or a year closes each of its months). The
    budget position at closing is kept, so that the period's statement shows it unchanged ever after."""

    __tablename__ = "closed_periods"
    __table_args__ = (UniqueConstraint("employer_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    position: Mapped[dict | None] = mapped_column(JSON)  # {"budget": cents, "reserved": cents, "booked": cents}

    closed_by = relationship("User")


class AdjustmentKind(StrEnum):
    CORRECTION = "correction"  # the accountant's correction of a closed period's booked amount
    REVERSAL = "reversal"  # the register reversed an entry of a closed period


class Adjustment(db.Model):
    """A correction of a contribution of a closed period, booked in the next open period (signed cents)."""

    __tablename__ = "statement_adjustments"
    __table_args__ = (
        CheckConstraint("amount_cents <> 0", name="adjustment_not_zero"),
        Index("ix_statement_adjustments_employer_period", "employer_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    period: Mapped[str] = mapped_column(String(7))  # the open month it is booked in
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), index=True)
    corrects_period: Mapped[str] = mapped_column(String(7))  # the contribution's (closed) month
    kind: Mapped[str] = mapped_column(String(20), default=AdjustmentKind.CORRECTION)
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    difference_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_differences.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contribution = relationship("Contribution")
    created_by = relationship("User")

    @property
    def amount(self) -> Decimal:
        return from_cents(self.amount_cents)


class StatementExport(db.Model):
    """Who exported what, when, and a checksum of the very file."""

    __tablename__ = "statement_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # cofunding | vov_claims | training_account | audit
    format: Mapped[str] = mapped_column(String(10))  # csv | xlsx | pdf
    parameters: Mapped[dict] = mapped_column(JSON)
    line_count: Mapped[int] = mapped_column(Integer)
    totals: Mapped[dict | None] = mapped_column(JSON)  # amounts as strings ("1234.56")
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    created_by = relationship("User")
