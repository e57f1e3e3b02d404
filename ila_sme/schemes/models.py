"""Versioned parameters of the entitlement schemes, and each employer's leave types.

A parameter row holds some of a scheme's values for a validity period, at one level: national
(country), regional (country + region) or one employer's own (a sector agreement, extra days).
The values in force on a day are the national ones, overlaid by the region's, then the employer's.
Rows are never edited once used: a change is a new version with its own valid_from.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db


class Scheme(StrEnum):
    TRAINING_RIGHT = "training_right"  # Belgian federal individual training right, days, calendar year
    VOV = "vov"  # Flemish paid training leave, hours, school year


class Unit(StrEnum):
    DAYS = "days"
    HOURS = "hours"


SCHEME_UNITS = {Scheme.TRAINING_RIGHT: Unit.DAYS, Scheme.VOV: Unit.HOURS}
SCHEME_LABELS = {
    Scheme.TRAINING_RIGHT: _l("Federal training right"),
    Scheme.VOV: _l("Flemish training leave (VOV)"),
}


class SchemeParameter(db.Model):
    __tablename__ = "scheme_parameters"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme: Mapped[str] = mapped_column(String(30), index=True)
    country: Mapped[str] = mapped_column(String(2), default="BE")
    region: Mapped[str | None] = mapped_column(String(20))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    values: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def level(self) -> str:
        if self.employer_id:
            return "employer"
        return "region" if self.region else "national"

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class LeaveKind(StrEnum):
    TRAINING = "training"
    CAREER_GUIDANCE = "career_guidance"
    EVC = "evc"  # validation of prior learning


LEAVE_KIND_LABELS = {
    LeaveKind.TRAINING: _l("Training"),
    LeaveKind.CAREER_GUIDANCE: _l("Career guidance"),
    LeaveKind.EVC: _l("Validation of prior learning (EVC)"),
}


class LeaveType(db.Model):
    """What an employer offers: which entitlement each kind of leave draws from, and its steps."""

    __tablename__ = "leave_types"
    __table_args__ = (UniqueConstraint("employer_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    scheme: Mapped[str] = mapped_column(String(30))
    needs_training: Mapped[bool] = mapped_column(Boolean, default=True)
    second_step_role: Mapped[str | None] = mapped_column(String(20))  # admin | accountant | None
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def label(self):
        return LEAVE_KIND_LABELS.get(self.kind, self.kind)

    @property
    def unit(self) -> Unit:
        return SCHEME_UNITS[Scheme(self.scheme)]
