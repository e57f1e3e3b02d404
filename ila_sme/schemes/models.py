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


# The notes of the national and regional versions the app installs (``defaults.DEFAULTS``): a message id in
# ``note``, said in the reader's language. Versions installed before the ids keep their English note, which
# reads the same way; a note an admin typed is shown as typed.
LEGAL_NOTES = {
    "note.training_right_2023": _l("Law of 3 October 2022: 4 days in 2023"),
    "note.training_right_2024": _l("Law of 3 October 2022: 5 days from 2024"),
    "note.vov_until_2024_25": _l("Flemish training leave (VOV) until school year 2024-25"),
    "note.vov_from_2025_26": _l("Flemish training leave (VOV) from school year 2025-26"),
    "note.funding_flanders": _l("Training vouchers (EUR 250 a school year) and SME wallet (30 % / 20 %, "
                                "EUR 7,500 a year)"),
    "note.public_holidays_be": _l("The 10 legal public holidays of Belgium (holidays package, country BE, "
                                  "no community days)"),
}
_LEGACY_NOTES = {
    "Law of 3 October 2022: 4 days in 2023": "note.training_right_2023",
    "Law of 3 October 2022: 5 days from 2024": "note.training_right_2024",
    "Vlaams opleidingsverlof until school year 2024-25": "note.vov_until_2024_25",
    "Vlaams opleidingsverlof from school year 2025-26": "note.vov_from_2025_26",
    "Opleidingscheques (EUR 250 a school year) and KMO-portefeuille (30 % / 20 %, EUR 7,500 a year)":
        "note.funding_flanders",
    "The 10 legal public holidays of Belgium (holidays package, country BE, no community days)":
        "note.public_holidays_be",
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
    def note_text(self) -> str:
        """The note in the reader's language (an installed version's), or as an admin typed it."""
        code = _LEGACY_NOTES.get(self.note or "", self.note)
        return str(LEGAL_NOTES.get(code, self.note or ""))

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
