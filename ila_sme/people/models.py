"""The person inside an employer: contract, work regime and approvers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db
from ila_sme.identifiers import mask_insz


class EmployeeRecord(db.Model):
    """A person employed by the employer.

    ``employment_pct``, ``hours_per_week``, ``contract_start`` and ``contract_end`` are a SUMMARY of the
    history (``people.history``), for lists and SQL filters: the regime and hours of the LATEST terms row (the
    one with the latest ``valid_from``, even when it starts in the future: no job has to move it on a given
    day), the first start of the contracts in force and the end of the last one (None: open-ended).
    ``people.employment`` keeps them so after each change; the entitlement rules read the history.
    """

    __tablename__ = "employee_records"
    __table_args__ = (
        UniqueConstraint("employer_id", "national_number"),
        UniqueConstraint("employer_id", "user_id"),
        CheckConstraint("employment_pct > 0 AND employment_pct <= 100", name="employment_pct_range"),
        CheckConstraint("contract_end IS NULL OR contract_end >= contract_start", name="contract_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    # Sensitive: never logged, never in a URL, shown through ``national_number_masked``.
    national_number: Mapped[str] = mapped_column(String(11))
    team: Mapped[str | None] = mapped_column(String(100))
    employment_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    hours_per_week: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    contract_start: Mapped[date] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deputy_from: Mapped[date | None] = mapped_column(Date)
    deputy_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employer = relationship("Employer")
    user = relationship("User", foreign_keys=[user_id])
    approver = relationship("User", foreign_keys=[approver_id])
    deputy = relationship("User", foreign_keys=[deputy_id])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def national_number_masked(self) -> str:
        return mask_insz(self.national_number)

    def is_employed_on(self, day: date) -> bool:
        return self.contract_start <= day and (self.contract_end is None or day <= self.contract_end)

    def deputy_active_on(self, day: date) -> bool:
        if self.deputy_id is None or self.deputy_from is None or self.deputy_until is None:
            return False
        return self.deputy_from <= day <= self.deputy_until

    def audit_view(self) -> dict:
        """What an audit event keeps of this record: the national number only masked."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "national_number": self.national_number_masked,
            "team": self.team,
            "employment_pct": str(self.employment_pct),
            "hours_per_week": str(self.hours_per_week),
            "contract_start": self.contract_start.isoformat() if self.contract_start else None,
            "contract_end": self.contract_end.isoformat() if self.contract_end else None,
            "approver_id": self.approver_id,
            "deputy_id": self.deputy_id,
            "deputy_from": self.deputy_from.isoformat() if self.deputy_from else None,
            "deputy_until": self.deputy_until.isoformat() if self.deputy_until else None,
            "user_id": self.user_id,
        }

    def __repr__(self) -> str:  # no national number here: reprs end up in logs
        return f"<EmployeeRecord {self.id}>"
