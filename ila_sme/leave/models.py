"""Training-leave requests and the append-only leave ledger behind every balance."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db
from ila_sme.leave import reasons  # noqa: F401 - registers the messages of the ledger's rows
from ila_sme.messages import message, say
from ila_sme.trainings import models as _trainings  # noqa: F401 - LeaveRequest.training refers to it
from ila_sme.worktime.services import DayCount, Skipped, public_holidays


class EntryKind(StrEnum):
    ALLOCATION = "allocation"  # + the year's entitlement
    CARRY_OVER = "carry_over"  # + what the previous period left
    EXPIRY = "expiry"  # - what lapses at the end of a period
    CORRECTION = "correction"  # +/- by an admin, with a reason
    RECALCULATION = "recalculation"  # +/- the entitlement recomputed after a change of history (names it)
    RESERVATION = "reservation"  # - at submit
    RELEASE = "release"  # + undoes a reservation (decision, withdrawal, rejection)
    CONSUMPTION = "consumption"  # - at final approval
    RESTORATION = "restoration"  # + undoes a consumption (an approved request cancelled)


ENTRY_KIND_LABELS = {
    EntryKind.ALLOCATION: _l("Entitlement"),
    EntryKind.CARRY_OVER: _l("Carried over"),
    EntryKind.EXPIRY: _l("Expired"),
    EntryKind.CORRECTION: _l("Correction"),
    EntryKind.RECALCULATION: _l("Recalculated"),
    EntryKind.RESERVATION: _l("Reserved by a request"),
    EntryKind.RELEASE: _l("Reservation released"),
    EntryKind.CONSUMPTION: _l("Used"),
    EntryKind.RESTORATION: _l("Given back (cancelled)"),
}


# The one-word reasons the services write on the rows of a request's decision, in the reader's language.
AUTOMATIC_REASONS = {
    "approved": _l("approved"), "rejected": _l("rejected"), "withdrawn": _l("withdrawn"),
    "cancelled": _l("cancelled"), "end of period": _l("end of period"),
}

_LEGACY_CARRY_OVER = re.compile(r"(?:(carried over to)|from) (\S+)")


class LedgerEntry(db.Model):
    """One signed movement. A balance is the sum of its rows; rows are never edited or deleted."""

    __tablename__ = "leave_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee_records.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(30))
    period: Mapped[str] = mapped_column(String(9))  # "2026" or "2025-26"
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Numeric(8, 2))  # days or hours, as the scheme counts
    request_id: Mapped[int | None] = mapped_column(ForeignKey("leave_requests.id"), index=True)
    reason: Mapped[str | None] = mapped_column(String(300))  # what a person typed (a correction's reason)
    # Why an automatic row was written, as a message (``ila_sme.messages``) said in the reader's language.
    reason_message: Mapped[dict | None] = mapped_column(JSON)
    # Makes each automatic movement happen once, even when two processes try at the same moment.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")

    @property
    def label(self):
        return ENTRY_KIND_LABELS.get(self.kind, self.kind)

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language: the message of an automatic row, the one-word codes of the
        request rows ("approved"), or the text as stored (a correction's, or a row from before messages)."""
        if self.reason_message:
            return say(self.reason_message)
        carried = _LEGACY_CARRY_OVER.fullmatch(self.reason or "") if self.kind == EntryKind.CARRY_OVER else None
        if carried:  # written before messages: "from 2025", "carried over to 2026"
            to, period = carried.groups()
            return say(message("leave.carried_over_to" if to else "leave.carried_over_from", period=period))
        return str(AUTOMATIC_REASONS.get(self.reason, self.reason or ""))


class RequestStatus(StrEnum):
    PENDING = "pending"  # waits for the approver
    SECOND_STEP = "second_step"  # the approver agreed; waits for admin or finance
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by the employee, while pending
    CANCELLATION_REQUESTED = "cancellation_requested"  # approved; the employee asks to cancel
    CANCELLED = "cancelled"


STATUS_LABELS = {
    RequestStatus.PENDING: _l("Waiting for approval"),
    RequestStatus.SECOND_STEP: _l("Waiting for the second approval"),
    RequestStatus.APPROVED: _l("Approved"),
    RequestStatus.REJECTED: _l("Rejected"),
    RequestStatus.WITHDRAWN: _l("Withdrawn"),
    RequestStatus.CANCELLATION_REQUESTED: _l("Cancellation asked"),
    RequestStatus.CANCELLED: _l("Cancelled"),
}
OPEN_STATUSES = (RequestStatus.PENDING, RequestStatus.SECOND_STEP)
HOLDING_STATUSES = (*OPEN_STATUSES, RequestStatus.APPROVED, RequestStatus.CANCELLATION_REQUESTED)


class LeaveRequest(db.Model):
    __tablename__ = "leave_requests"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        CheckConstraint("amount > 0", name="positive_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee_records.id"), index=True)
    leave_type_id: Mapped[int] = mapped_column(ForeignKey("leave_types.id"))
    scheme: Mapped[str] = mapped_column(String(30))
    period: Mapped[str] = mapped_column(String(9))
    training_id: Mapped[int | None] = mapped_column(ForeignKey("trainings.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    start_half: Mapped[bool] = mapped_column(Boolean, default=False)  # only the afternoon of the first day
    end_half: Mapped[bool] = mapped_column(Boolean, default=False)  # only the morning of the last day
    hours_per_day: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    exams: Mapped[int] = mapped_column(Integer, default=0)
    evc_competences: Mapped[int] = mapped_column(Integer, default=0)
    study_points: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal("0"))
    employer_suggested: Mapped[bool] = mapped_column(Boolean, default=False)  # VOV: the employer's extra hours
    # How each date of the request was counted, as worked out at submit: [{"day": "2025-11-11",
    # "amount": "0", "hours": "0", "skipped": "holiday", "name": "Wapenstilstand"}, ...] (worktime.DayCount;
    # the name in the requester's language). None: older requests.
    day_counts: Mapped[list | None] = mapped_column(JSON)
    amount: Mapped[Decimal] = mapped_column(Numeric(8, 2))  # days or hours drawn from the scheme
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30), default=RequestStatus.PENDING, index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    first_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    reminded_on: Mapped[date | None] = mapped_column(Date)  # the last reminder to its approvers
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    employee = relationship("EmployeeRecord")
    leave_type = relationship("LeaveType")
    training = relationship("Training")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    first_decided_by = relationship("User", foreign_keys=[first_decided_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def reason_written_by(self):
        """Who wrote ``decision_reason``: the employee who asked to cancel (while asked, and once cancelled), or
        whoever rejected; None when it is the reason a cancellation was refused (the refuser is not kept)."""
        if not self.decision_reason:
            return None
        if self.status in (RequestStatus.CANCELLATION_REQUESTED, RequestStatus.CANCELLED):
            return self.employee.user
        return self.decided_by if self.status == RequestStatus.REJECTED else None

    @property
    def reason_label(self) -> str:
        """``decision_reason`` with whose words it is: "Reason given by Sarah Janssens: the course moved"."""
        if not self.decision_reason:
            return ""
        author = self.reason_written_by
        if author is not None:
            return _("Reason given by %(name)s: %(reason)s", name=author.name, reason=self.decision_reason)
        if self.status == RequestStatus.APPROVED:
            return _("Reason the cancellation was refused: %(reason)s", reason=self.decision_reason)
        return _("Reason: %(reason)s", reason=self.decision_reason)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_second_step(self) -> bool:
        """The approver agreed; it waits for the second step (admin or finance)."""
        return self.status == RequestStatus.SECOND_STEP

    @property
    def is_approved(self) -> bool:
        return self.status == RequestStatus.APPROVED

    @property
    def is_rejected(self) -> bool:
        return self.status == RequestStatus.REJECTED

    @property
    def is_cancellation_requested(self) -> bool:
        """Approved, and the employee asks to cancel it: the approver decides again."""
        return self.status == RequestStatus.CANCELLATION_REQUESTED

    @property
    def skipped_days(self) -> list[DayCount]:
        """The dates of the request that counted nothing, and why, as counted at submit (none before); a public
        holiday named in the reader's language (the stored name is the requester's)."""
        counts = [DayCount.from_json(row) for row in self.day_counts or () if row.get("skipped")]
        if not any(count.skipped == Skipped.HOLIDAY for count in counts) or self.employee is None:
            return counts
        locale = get_locale()
        names = public_holidays(self.employee.employer, self.start_date, self.end_date,
                                language=locale.language if locale else None)
        return [replace(count, name=names.get(count.day, count.name)) if count.skipped == Skipped.HOLIDAY else count
                for count in counts]

    def overlaps(self, start: date, end: date) -> bool:
        return self.start_date <= end and start <= self.end_date

    def audit_view(self) -> dict:
        return {
            "status": self.status, "start_date": self.start_date.isoformat(), "end_date": self.end_date.isoformat(),
            "amount": str(self.amount), "scheme": self.scheme, "period": self.period,
            "training_id": self.training_id, "decision_reason": self.decision_reason,
            **({"employer_suggested": True} if self.employer_suggested else {}),
        }
