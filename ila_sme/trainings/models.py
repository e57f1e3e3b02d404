"""The training catalogue: registry trainings (employer_id NULL) and an employer's own ones."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db
from ila_sme.money import from_cents


class Training(db.Model):
    __tablename__ = "trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL: from the national registry, visible to every employer. Set: the employer's own.
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"), index=True)
    registry_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    provider_name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="nl")
    delivery: Mapped[str] = mapped_column(String(10), default="onsite")  # onsite | online | blended
    hours: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal("0"))  # contact hours
    study_points: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))  # ECTS
    eqf_level: Mapped[int | None] = mapped_column(Integer)
    cost_cents: Mapped[int] = mapped_column(Integer, default=0)
    eligible_ila: Mapped[bool] = mapped_column(Boolean, default=False)
    eligible_paid_leave: Mapped[bool] = mapped_column(Boolean, default=False)
    leads_to_microcredential: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    starts_on: Mapped[date | None] = mapped_column(Date)  # the course itself, when known
    ends_on: Mapped[date | None] = mapped_column(Date)
    # The schemes the registry says the training qualifies for ("vov", "vouchers", ...); None: not said.
    qualifies_for: Mapped[list | None] = mapped_column(JSON)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def from_registry(self) -> bool:
        return self.employer_id is None

    @property
    def cost(self) -> Decimal:
        return from_cents(self.cost_cents or 0)

    def is_available_on(self, day: date) -> bool:
        """Not withdrawn, and inside its listing period."""
        if self.withdrawn:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)

    def visible_to(self, employer) -> bool:
        return self.employer_id is None or self.employer_id == employer.id

    def __repr__(self) -> str:
        return f"<Training {self.id} {self.registry_id or 'own'}>"
