"""The final assessment of a VOV training: without it there is no right to the leave and no refund."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db


class FinalAssessment(db.Model):
    """That an employee took a training's final assessment, recorded by the employee or an accountant."""

    __tablename__ = "final_assessments"
    __table_args__ = (UniqueConstraint("employee_id", "training_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee_records.id"), index=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id"), index=True)
    taken_on: Mapped[date] = mapped_column(Date)
    # Optional proof (a certificate, the provider's attestation), kept as uploaded.
    proof_filename: Mapped[str | None] = mapped_column(String(200))
    proof_content_type: Mapped[str | None] = mapped_column(String(100))
    proof: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employee = relationship("EmployeeRecord")
    training = relationship("Training")
    recorded_by = relationship("User")
