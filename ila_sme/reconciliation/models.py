"""Reconciliation with the national register: runs, what each run found, the differences the
accountant resolves, and the adjustments that correct a closed month. Money is integer cents; a national
number is never stored here (an entry's person is kept as the local employee it belongs to, when there is one)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db
from ila_sme.money import from_cents


class Outcome(StrEnum):
    """The outcomes of ledger-api.md's reconciliation table."""

    MATCHED = "matched"
    AMOUNT_MISMATCH = "amount_mismatch"
    MISSING_IN_REGISTER = "missing_in_register"
    UNKNOWN_IN_REGISTER = "unknown_in_register"
    REVERSED = "reversed"


OUTCOME_LABELS = {
    Outcome.MATCHED: _l("Matched"),
    Outcome.AMOUNT_MISMATCH: _l("Other amount at the register"),
    Outcome.MISSING_IN_REGISTER: _l("Missing at the register"),
    Outcome.UNKNOWN_IN_REGISTER: _l("Unknown here"),
    Outcome.REVERSED: _l("Reversed by the register"),
}
DIFFERENCE_KINDS = (Outcome.AMOUNT_MISMATCH, Outcome.MISSING_IN_REGISTER, Outcome.UNKNOWN_IN_REGISTER,
                    Outcome.REVERSED)


class RunState(StrEnum):
    QUEUED = "queued"  # asked for on the page; the scheduler process picks it up
    RUNNING = "running"
    DONE = "done"
    INCOMPLETE = "incomplete"  # the register could not be reached (or not within the time budget)
    FAILED = "failed"  # an error of ours: see ``error``
    INTERRUPTED = "interrupted"  # its process died half-way; the next run did the work


RUN_STATE_LABELS = {
    RunState.QUEUED: _l("Waiting to start"),
    RunState.RUNNING: _l("Running"),
    RunState.DONE: _l("Done"),
    RunState.INCOMPLETE: _l("Incomplete"),
    RunState.FAILED: _l("Failed"),
    RunState.INTERRUPTED: _l("Interrupted"),
}
FINISHED = (RunState.DONE, RunState.INCOMPLETE, RunState.FAILED, RunState.INTERRUPTED)


class Phase(StrEnum):
    SUBMITTING = "submitting"
    READING = "reading"
    CHECKING = "checking"
    FINISHED = "finished"


class ReconciliationRun(db.Model):
    __tablename__ = "reconciliation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    period: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM, or None: every open period
    trigger: Mapped[str] = mapped_column(String(20), default="cli")  # cli | scheduler | web
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20), default=RunState.QUEUED, index=True)
    phase: Mapped[str | None] = mapped_column(String(20))
    holder: Mapped[str | None] = mapped_column(String(120))  # host:pid of the process running it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    # The submit step
    booked: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    left: Mapped[int] = mapped_column(Integer, default=0)
    # The comparison
    entries_read: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    amount_mismatch: Mapped[int] = mapped_column(Integer, default=0)
    missing_in_register: Mapped[int] = mapped_column(Integer, default=0)
    unknown_in_register: Mapped[int] = mapped_column(Integer, default=0)
    reversed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))

    employer = relationship("Employer")
    requested_by = relationship("User")

    @property
    def state_label(self):
        return RUN_STATE_LABELS.get(self.state, self.state)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def is_queued(self) -> bool:
        """Asked for and waiting for the scheduler process to pick it up."""
        return self.state == RunState.QUEUED

    @property
    def went_wrong(self) -> bool:
        """Failed, incomplete or interrupted: the page marks it."""
        return self.state in (RunState.FAILED, RunState.INCOMPLETE, RunState.INTERRUPTED)

    @property
    def differences(self) -> int:
        return self.amount_mismatch + self.missing_in_register + self.unknown_in_register + self.reversed

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        if not self.progress_total:
            return 0
        return min(99, self.progress_done * 100 // self.progress_total)

    def count(self, outcome: str) -> int:
        return getattr(self, Outcome(outcome).value)


class ReconciliationItem(db.Model):
    """One comparison of a run: a register entry and/or a local contribution, and its outcome."""

    __tablename__ = "reconciliation_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_runs.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(30))
    reference: Mapped[str | None] = mapped_column(String(64))
    entry_id: Mapped[str | None] = mapped_column(String(60))
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"), index=True)
    period: Mapped[str | None] = mapped_column(String(7))
    local_cents: Mapped[int | None] = mapped_column(Integer)
    register_cents: Mapped[int | None] = mapped_column(Integer)


class DifferenceState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Resolution(StrEnum):
    RESUBMITTED = "resubmitted"  # booked again with the original key
    ACCEPTED = "accepted"  # the register's amount (or its reversal) is taken over here
    LINKED = "linked"  # an unknown entry is a local contribution booked under another reference
    BOOKED_OUTSIDE = "booked_outside"  # an unknown entry recorded here as booked outside the app
    WRITTEN_OFF = "written_off"  # left as it is, with a reason
    SETTLED = "settled"  # a later run found it in order (e.g. booked by the next submit)


RESOLUTION_LABELS = {
    Resolution.RESUBMITTED: _l("Submitted again"),
    Resolution.ACCEPTED: _l("Register's figure accepted"),
    Resolution.LINKED: _l("Linked to a contribution"),
    Resolution.BOOKED_OUTSIDE: _l("Recorded as booked outside the app"),
    Resolution.WRITTEN_OFF: _l("Written off"),
    Resolution.SETTLED: _l("In order at a later run"),
}


DETAIL_TEXTS = {
    "also_holds": _l("The register also holds %(reference)s as this entry; it is booked here as %(entry)s."),
    "after_cancel": _l("The register booked %(reference)s after it was cancelled here."),
    "not_listed": _l("Booked here as %(entry)s, but the register does not list it."),
    "refused": _l("The register refused it: %(reason)s"),
}


class Difference(db.Model):
    """A difference found by a run, kept once per employer and key (kind + entry or reference) so that
    later runs never queue it twice; it stays until the accountant resolves it."""

    __tablename__ = "reconciliation_differences"
    __table_args__ = (UniqueConstraint("employer_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(120))
    reference: Mapped[str | None] = mapped_column(String(64))
    entry_id: Mapped[str | None] = mapped_column(String(60))
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"), index=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee_records.id"))
    entry_kind: Mapped[str | None] = mapped_column(String(20))  # top-up | course-fee (of the register's entry)
    registry_id: Mapped[str | None] = mapped_column(String(40))
    period: Mapped[str | None] = mapped_column(String(7))
    local_cents: Mapped[int | None] = mapped_column(Integer)
    register_cents: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(500))  # in English, for logs and commands
    detail_code: Mapped[str | None] = mapped_column(String(30))  # shown translated: DETAIL_TEXTS
    detail_params: Mapped[dict | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default=DifferenceState.OPEN, index=True)
    resolution: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    reversal_key: Mapped[str | None] = mapped_column(String(64))  # asking the register to reverse, once
    first_run_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_runs.id"))
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_runs.id"))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contribution = relationship("Contribution")
    employee = relationship("EmployeeRecord")
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])

    @property
    def kind_label(self):
        return OUTCOME_LABELS.get(self.kind, self.kind)

    @property
    def resolution_label(self):
        return RESOLUTION_LABELS.get(self.resolution, self.resolution)

    @property
    def detail_text(self) -> str | None:
        """The detail in the reader's language (the English ``detail`` for details without a code)."""
        if self.detail_code in DETAIL_TEXTS:
            return str(DETAIL_TEXTS[self.detail_code]) % (self.detail_params or {})
        return self.detail

    @property
    def local_amount(self) -> Decimal | None:
        return None if self.local_cents is None else from_cents(self.local_cents)

    @property
    def register_amount(self) -> Decimal | None:
        return None if self.register_cents is None else from_cents(self.register_cents)

    @property
    def is_open(self) -> bool:
        return self.state == DifferenceState.OPEN


class AdjustmentKind(StrEnum):
    CORRECTION = "correction"  # the accountant's correction of a closed period's booked amount
    REVERSAL = "reversal"  # the register reversed an entry of a closed period


class Adjustment(db.Model):
    """A correction of a contribution of a closed period, booked in the next open period (signed cents)."""

    __tablename__ = "statement_adjustments"
    __table_args__ = (
        CheckConstraint("amount_cents <> 0", name="adjustment_not_zero"),
        Index("ix_statement_adjustments_employer_period", "employer_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    period: Mapped[str] = mapped_column(String(7))  # the open month it is booked in
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), index=True)
    corrects_period: Mapped[str] = mapped_column(String(7))  # the contribution's (closed) month
    kind: Mapped[str] = mapped_column(String(20), default=AdjustmentKind.CORRECTION)
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    difference_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_differences.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contribution = relationship("Contribution")
    created_by = relationship("User")

    @property
    def amount(self) -> Decimal:
        return from_cents(self.amount_cents)
