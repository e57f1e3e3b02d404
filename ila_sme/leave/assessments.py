"""The final assessment of a VOV training: without it there is no right to the leave and no refund."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Date, ForeignKey, LargeBinary, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ila_sme.audit.services import record
from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db
from ila_sme.leave.errors import LeaveError
from ila_sme.leave.models import LeaveRequest, RequestStatus
from ila_sme.roles import Role
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme
from ila_sme.trainings.models import Training


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


# Recording it, and what it does to the refund -------------------------------------------------------------

MAX_PROOF_BYTES = 2 * 1024 * 1024
# What a proof may be, told by its first bytes (the declared content type is not trusted).
PROOF_TYPES = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))

RELEASED, WAITING, WITHDRAWN = "released", "waiting", "withdrawn"


class AssessmentError(LeaveError):
    """The final assessment cannot be recorded; the message says why."""


def proof_type(data: bytes) -> str | None:
    """The content type of a proof from its first bytes: a PDF, PNG or JPEG; None for anything else."""
    return next((kind for magic, kind in PROOF_TYPES if data.startswith(magic)), None)


def assessment_of(employee_id: int, training_id: int) -> FinalAssessment | None:
    return db.session.scalar(select(FinalAssessment).where(FinalAssessment.employee_id == employee_id,
                                                           FinalAssessment.training_id == training_id))


def assessments_for(employer_id: int, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], FinalAssessment]:
    """The recorded assessments of these (employee, training) pairs, by pair."""
    if not pairs:
        return {}
    rows = db.session.scalars(select(FinalAssessment).where(
        FinalAssessment.employer_id == employer_id,
        FinalAssessment.employee_id.in_({employee_id for employee_id, _t in pairs})))
    return {(row.employee_id, row.training_id): row for row in rows
            if (row.employee_id, row.training_id) in pairs}


def vov_trainings_of(employee) -> list:
    """The trainings of the employee's approved VOV leave: those a final assessment can be recorded for."""
    held = select(LeaveRequest.training_id).where(  # no DISTINCT over the rows: PostgreSQL has no = for json
        LeaveRequest.employee_id == employee.id, LeaveRequest.scheme == Scheme.VOV,
        LeaveRequest.status.in_([RequestStatus.APPROVED, RequestStatus.CANCELLATION_REQUESTED]))
    return list(db.session.scalars(select(Training).where(Training.id.in_(held)).order_by(Training.title,
                                                                                          Training.id)))


def may_record(user, employee) -> bool:
    """The employee, or an accountant or admin of the employer."""
    return user.id == employee.user_id or bool(
        user.roles_in(employee.employer_id) & {Role.ACCOUNTANT, Role.ADMIN})


def record_final_assessment(*, actor, employee, training, taken_on: date, today: date, proof: bytes | None = None,
                            proof_filename: str | None = None) -> FinalAssessment:
    """That the employee took the training's final assessment on ``taken_on``, with an optional proof (a PDF,
    PNG or JPEG of at most 2 MiB). Once per employee and training; audited. Adds and flushes."""
    if not may_record(actor, employee):
        raise AssessmentError(_("Only the employee or an accountant can record the final assessment."))
    if training is None or training.id not in {t.id for t in vov_trainings_of(employee)}:
        raise AssessmentError(_("There is no approved Flemish training leave for this training."))
    if taken_on > today:
        raise AssessmentError(_("The final assessment cannot be recorded before it is taken (%(day)s is in the "
                                "future).", day=taken_on.isoformat()))
    if training.starts_on and taken_on < training.starts_on:
        raise AssessmentError(_("The final assessment cannot be before the course starts (%(day)s).",
                                day=training.starts_on.isoformat()))
    content_type = None
    if proof:
        if len(proof) > MAX_PROOF_BYTES:
            raise AssessmentError(_("The proof is too large: at most %(limit)s MiB.",
                                    limit=MAX_PROOF_BYTES // (1024 * 1024)))
        content_type = proof_type(proof)
        if content_type is None:
            raise AssessmentError(_("The proof must be a PDF, PNG or JPEG file."))
    existing = assessment_of(employee.id, training.id)
    if existing is not None:
        raise AssessmentError(_("The final assessment of %(training)s was already recorded (taken on %(day)s, by "
                                "%(who)s).", training=training.title, day=existing.taken_on.isoformat(),
                                who=existing.recorded_by.name))
    assessment = FinalAssessment(
        employer_id=employee.employer_id, employee_id=employee.id, training_id=training.id, taken_on=taken_on,
        proof=proof or None, proof_content_type=content_type,
        proof_filename=_safe_filename(proof_filename) if proof else None, recorded_by_id=actor.id)
    db.session.add(assessment)
    db.session.flush()
    record("leave.final_assessment_recorded", actor=actor, employer_id=employee.employer_id, obj=assessment,
           after={"employee_id": employee.id, "training_id": training.id, "taken_on": taken_on.isoformat(),
                  "proof": assessment.proof_filename})
    return assessment


def _safe_filename(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isalnum() or ch in "._- ").strip(" .")
    return (cleaned or "proof")[:200]


def course_end(training, fallback: date) -> date:
    """When the course ends: the registry's date, else (a training without course dates) the leave's last day."""
    return (training.ends_on if training is not None and training.ends_on else None) or fallback


def assessment_state(values: dict, *, assessment: FinalAssessment | None, ends_on: date,
                     today: date) -> tuple[str, date]:
    """"released" (recorded), "waiting" (the course has not ended, or its grace of ``final_assessment_days``
    is not over) or "withdrawn" (grace over, none recorded: no right and no refund); and the grace's last day."""
    grace_until = ends_on + timedelta(days=int(schemes.vov_value(values, "final_assessment_days")))
    if assessment is not None:
        return RELEASED, grace_until
    return (WAITING if today <= grace_until else WITHDRAWN), grace_until


@dataclass
class TrainingAssessment:
    """One training of an employee's approved VOV leave and where its final assessment stands."""

    training: Training
    assessment: FinalAssessment | None
    status: str  # released | waiting | withdrawn
    grace_until: date  # the last day to record it before the hours and the refund are withdrawn


def overview(employee, today: date) -> list[TrainingAssessment]:
    """The trainings of the employee's approved VOV leave, each with its final assessment's state on ``today``."""
    requests = list(db.session.scalars(
        select(LeaveRequest).where(
            LeaveRequest.employee_id == employee.id, LeaveRequest.scheme == Scheme.VOV,
            LeaveRequest.training_id.is_not(None),
            LeaveRequest.status.in_([RequestStatus.APPROVED, RequestStatus.CANCELLATION_REQUESTED]))
        .order_by(LeaveRequest.start_date, LeaveRequest.id)))
    recorded = assessments_for(employee.employer_id, {(employee.id, r.training_id) for r in requests})
    last_day: dict[int, LeaveRequest] = {}
    for request in requests:  # the training's last leave stands in for a course without dates
        if request.training_id not in last_day or request.end_date > last_day[request.training_id].end_date:
            last_day[request.training_id] = request
    result = []
    for request in last_day.values():
        values = schemes.values_on(Scheme.VOV, employee.employer, request.start_date)
        assessment = recorded.get((employee.id, request.training_id))
        status, grace_until = assessment_state(values, assessment=assessment,
                                               ends_on=course_end(request.training, request.end_date), today=today)
        result.append(TrainingAssessment(request.training, assessment, status, grace_until))
    result.sort(key=lambda item: (item.grace_until, item.training.id))
    return result
