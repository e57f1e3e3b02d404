"""Micro-credentials: every EU standard element (Annex I of Council Recommendation 2022/C 243/02),
the original document as received, and its verification state. The employee owns their credentials:
the employer sees one when it was earned through training the employer approved or paid for, or when
the employee shares it (and stops seeing it when the employee stops sharing)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db


class VerificationState(StrEnum):
    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    INVALID = "invalid"
    EXPIRED = "expired"
    REVOKED = "revoked"


STATE_LABELS = {
    VerificationState.VERIFIED: _l("Verified"),
    VerificationState.UNVERIFIED: _l("Unverified"),
    VerificationState.INVALID: _l("Invalid"),
    VerificationState.EXPIRED: _l("Expired"),
    VerificationState.REVOKED: _l("Revoked"),
}


class Credential(db.Model):
    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("employee_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee_records.id"), index=True)
    # Mandatory EU elements
    learner_name: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    issuer_country: Mapped[str | None] = mapped_column(String(3))  # ISO 3166 alpha-2 or alpha-3, as given
    issuer_region: Mapped[str | None] = mapped_column(String(100))
    awarding_body: Mapped[str | None] = mapped_column(String(300))
    awarding_body_id: Mapped[str | None] = mapped_column(String(500))
    awarding_body_url: Mapped[str | None] = mapped_column(String(500))
    issued_on: Mapped[date | None] = mapped_column(Date)
    learning_outcomes: Mapped[list | None] = mapped_column(JSON)
    workload_ects: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    workload_hours: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    eqf_level: Mapped[int | None] = mapped_column(Integer)
    nqf_level: Mapped[str | None] = mapped_column(String(20))
    assessment_type: Mapped[str | None] = mapped_column(String(200))
    participation_form: Mapped[str | None] = mapped_column(String(200))
    quality_assurance: Mapped[str | None] = mapped_column(String(300))
    # Optional EU elements
    prerequisites: Mapped[str | None] = mapped_column(Text)
    supervision: Mapped[str | None] = mapped_column(String(200))
    identity_checked: Mapped[bool | None] = mapped_column(Boolean)
    grade: Mapped[str | None] = mapped_column(String(100))
    stackability: Mapped[str | None] = mapped_column(String(300))
    further_information: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(20))
    # Validity, origin, verification
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    external_id: Mapped[str | None] = mapped_column(String(500))  # the credential's own id
    achievement_id: Mapped[str | None] = mapped_column(String(500))
    issuer_id: Mapped[str | None] = mapped_column(String(500))
    registry_id: Mapped[str | None] = mapped_column(String(60))  # a registry / ODB training id it names
    format: Mapped[str] = mapped_column(String(20))  # formats.FORMAT_LABELS keys, or "manual"
    original: Mapped[bytes | None] = mapped_column(LargeBinary)  # the document exactly as received
    original_filename: Mapped[str | None] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # matching.fingerprint: the same credential twice
    notes: Mapped[list | None] = mapped_column(JSON)  # import notes: messages.Message dicts
    state: Mapped[str] = mapped_column(String(20), default=VerificationState.UNVERIFIED, index=True)
    state_messages: Mapped[list | None] = mapped_column(JSON)  # why: messages.Message dicts, shown translated
    revocation_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Links to what paid for it, and sharing
    training_id: Mapped[int | None] = mapped_column(ForeignKey("trainings.id"))
    leave_request_id: Mapped[int | None] = mapped_column(ForeignKey("leave_requests.id"))
    funding_request_id: Mapped[int | None] = mapped_column(ForeignKey("funding_requests.id"))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expiry_notified_on: Mapped[date | None] = mapped_column(Date)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employee = relationship("EmployeeRecord")
    training = relationship("Training")
    leave_request = relationship("LeaveRequest")
    funding_request = relationship("FundingRequest")

    @property
    def state_label(self):
        return STATE_LABELS.get(self.state, self.state)

    @property
    def employer_funded(self) -> bool:
        """Earned through training the employer approved (leave) or paid (co-funding)."""
        return self.leave_request_id is not None or self.funding_request_id is not None
