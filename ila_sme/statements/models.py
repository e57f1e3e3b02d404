"""Accountants' statements: the log of every statement export (the closed periods they read are
``funding.periods``'s, the adjustments ``reconciliation.adjustments``'s)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db


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
