"""Employers and the memberships that give users a role in them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db
from ila_sme.identifiers import format_kbo
from ila_sme.roles import Role


class Region(StrEnum):
    FLANDERS = "flanders"
    BRUSSELS = "brussels"
    WALLONIA = "wallonia"
    OTHER = "other"  # another country: see Employer.country


class SizeBand(StrEnum):
    """EU definition by staff headcount."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


SIZE_BAND_LABELS = {
    SizeBand.MICRO: _l("micro (under 10)"),
    SizeBand.SMALL: _l("small (under 50)"),
    SizeBand.MEDIUM: _l("medium (under 250)"),
    SizeBand.LARGE: _l("large (250 or more)"),
}


class Employer(db.Model):
    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    enterprise_number: Mapped[str] = mapped_column(String(10), unique=True)
    region: Mapped[str] = mapped_column(String(20), default=Region.FLANDERS)
    country: Mapped[str] = mapped_column(String(2), default="BE")
    average_fte: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("0"))
    joint_committee: Mapped[str | None] = mapped_column(String(12))
    default_language: Mapped[str] = mapped_column(String(5), default="nl")
    # The bearer token the national register issued to this employer (ledger-api.md).
    register_token: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="employer")

    @validates("region")
    def _check_region(self, key, value):
        return Region(value).value

    @property
    def size_band(self) -> SizeBand:
        fte = self.average_fte or Decimal("0")
        if fte < 10:
            return SizeBand.MICRO
        if fte < 50:
            return SizeBand.SMALL
        if fte < 250:
            return SizeBand.MEDIUM
        return SizeBand.LARGE

    @property
    def enterprise_number_display(self) -> str:
        return format_kbo(self.enterprise_number)

    def __repr__(self) -> str:
        return f"<Employer {self.id} {self.enterprise_number}>"


class Membership(db.Model):
    """One role of one user in one employer. A manager who is also an employee has two rows."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "employer_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")  # noqa: F821
    employer: Mapped[Employer] = relationship(back_populates="memberships")

    @validates("role")
    def _check_role(self, key, value):
        return Role(value).value


class EmployerHeadcount(db.Model):
    """The employer's average FTE headcount of one reference year, as recorded on a day.

    Never edited: a corrected figure is a new row for the same year, and the one recorded last counts.
    ``Employer.average_fte`` is the figure the employer gave at set-up, used for a year with no row.
    """

    __tablename__ = "employer_headcounts"
    __table_args__ = (CheckConstraint("average_fte >= 0", name="average_fte_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    average_fte: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    reason: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
