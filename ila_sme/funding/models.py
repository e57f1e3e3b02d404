"""Employer co-funding: the yearly policy, funding requests split by source, the budget ledger and
the contributions that go to the national register, and the months closed to change. Money is integer
cents, always."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ila_sme.db_types import UTCDateTime, utcnow
from ila_sme.extensions import db
from ila_sme.money import from_cents


class Source(StrEnum):
    ACCOUNT = "account"  # the employee's individual learning account (public credit)
    EMPLOYER = "employer"  # this employer's co-funding: the only source that uses the budget
    VOUCHERS = "vouchers"  # Flemish training vouchers (opleidingscheques)
    SME_WALLET = "sme_wallet"  # KMO-portefeuille
    OTHER = "other"  # sector fund, another funder


SOURCE_LABELS = {
    Source.ACCOUNT: _l("Learning account"),
    Source.EMPLOYER: _l("Employer"),
    Source.VOUCHERS: _l("Training vouchers"),
    Source.SME_WALLET: _l("SME wallet"),
    Source.OTHER: _l("Other funders"),
}


class Kind(StrEnum):
    TOP_UP = "top-up"  # adds to the person's account, free to spend on eligible training
    COURSE_FEE = "course-fee"  # pays one named training


KIND_LABELS = {Kind.TOP_UP: _l("Top-up of the learning account"), Kind.COURSE_FEE: _l("Course fee")}


class FundingStatus(StrEnum):
    PENDING = "pending"
    SECOND_STEP = "second_step"  # the manager agreed; above the policy's threshold an admin decides
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


FUNDING_STATUS_LABELS = {
    FundingStatus.PENDING: _l("Waiting for approval"),
    FundingStatus.SECOND_STEP: _l("Waiting for an admin"),
    FundingStatus.APPROVED: _l("Approved"),
    FundingStatus.REJECTED: _l("Refused"),
    FundingStatus.CANCELLED: _l("Cancelled"),
}
UNDECIDED = (FundingStatus.PENDING, FundingStatus.SECOND_STEP)


class CofundingPolicy(db.Model):
    __tablename__ = "cofunding_policies"
    __table_args__ = (
        UniqueConstraint("employer_id", "year"),
        CheckConstraint("budget_cents >= 0", name="budget_not_negative"),
        CheckConstraint("max_share_pct >= 0 AND max_share_pct <= 100", name="share_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    budget_cents: Mapped[int] = mapped_column(Integer)
    cap_per_employee_cents: Mapped[int] = mapped_column(Integer)
    max_share_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    gives_top_up: Mapped[bool] = mapped_column(Boolean, default=True)
    gives_course_fee: Mapped[bool] = mapped_column(Boolean, default=True)
    admin_approval_above_cents: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def budget(self) -> Decimal:
        return from_cents(self.budget_cents)

    @property
    def cap_per_employee(self) -> Decimal:
        return from_cents(self.cap_per_employee_cents)

    @property
    def admin_approval_above(self) -> Decimal | None:
        return None if self.admin_approval_above_cents is None else from_cents(self.admin_approval_above_cents)

    def gives(self, kind: str) -> bool:
        return self.gives_top_up if kind == Kind.TOP_UP else self.gives_course_fee


class FundingRequest(db.Model):
    """Co-funding asked for one employee: a top-up, or a training's cost split between sources."""

    __tablename__ = "funding_requests"
    __table_args__ = (CheckConstraint("cost_cents >= 0", name="cost_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee_records.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)  # the policy year it draws on
    asked_on: Mapped[date] = mapped_column(Date)  # the day it was asked (school-year caps count by it)
    kind: Mapped[str] = mapped_column(String(20))
    training_id: Mapped[int | None] = mapped_column(ForeignKey("trainings.id"))
    leave_request_id: Mapped[int | None] = mapped_column(ForeignKey("leave_requests.id"), unique=True)
    cost_cents: Mapped[int] = mapped_column(Integer)  # the training's cost; for a top-up, the amount
    employer_cents: Mapped[int] = mapped_column(Integer)  # the employer's part (also a part row)
    status: Mapped[str] = mapped_column(String(20), default=FundingStatus.PENDING, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    first_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    reminded_on: Mapped[date | None] = mapped_column(Date)  # the last reminder to its deciders
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employee = relationship("EmployeeRecord")
    training = relationship("Training")
    # ``LeaveRequest.funding``: the co-funding asked with a leave (defined here: leave knows nothing of funding)
    leave_request = relationship("LeaveRequest", backref=backref("funding", uselist=False, viewonly=True))
    parts: Mapped[list[FundingPart]] = relationship(back_populates="funding_request", order_by="FundingPart.id")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def cost(self) -> Decimal:
        return from_cents(self.cost_cents)

    @property
    def employer_amount(self) -> Decimal:
        return from_cents(self.employer_cents)

    @property
    def status_label(self):
        return FUNDING_STATUS_LABELS.get(self.status, self.status)

    @property
    def is_top_up(self) -> bool:
        return self.kind == Kind.TOP_UP

    @property
    def is_undecided(self) -> bool:
        """Waits for a manager (pending) or, above the policy's threshold, for an admin (second step)."""
        return self.status in UNDECIDED

    @property
    def waits_for_admin(self) -> bool:
        return self.status == FundingStatus.SECOND_STEP

    @property
    def is_approved(self) -> bool:
        return self.status == FundingStatus.APPROVED

    @property
    def decided_with_leave(self) -> bool:
        """Asked within a training-leave request still undecided: it follows the leave decision (Approvals),
        it is not decided on its own."""
        return self.is_undecided and self.leave_request is not None and self.leave_request.is_open

    @property
    def withdrawable(self) -> bool:
        """Whoever asked (or the employee it is for) may withdraw it while it waits for a decision."""
        return self.is_undecided

    @property
    def cancellable(self) -> bool:
        """Approved: an admin may cancel it, and so release its reservation, as long as its contribution is
        not sent (``Contribution.cancellable``; the service settles that race with a guarded update)."""
        return self.is_approved

    def part(self, source: str) -> Decimal:
        return from_cents(sum(p.amount_cents for p in self.parts if p.source == source))


class FundingPart(db.Model):
    __tablename__ = "funding_parts"
    __table_args__ = (
        UniqueConstraint("funding_request_id", "source"),
        CheckConstraint("amount_cents > 0", name="positive_part"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    funding_request_id: Mapped[int] = mapped_column(ForeignKey("funding_requests.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column(Integer)

    funding_request: Mapped[FundingRequest] = relationship(back_populates="parts")

    @property
    def amount(self) -> Decimal:
        return from_cents(self.amount_cents)

    @property
    def label(self):
        return SOURCE_LABELS.get(self.source, self.source)


class BudgetMove(StrEnum):
    RESERVATION = "reservation"  # + at approval: the budget is promised
    RELEASE = "release"  # - the promise undone (cancellation)
    CONSUMPTION = "consumption"  # moves a reservation to booked when the register books it
    CORRECTION = "correction"  # +/- booked only: the register's amount accepted, a reversal reflected


class BudgetEntry(db.Model):
    """The budget ledger of one employer and year. Reserved = reservations - releases - consumptions;
    booked = consumptions + corrections (signed); remaining = budget - reserved - booked. Rows are never edited."""

    __tablename__ = "budget_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column(Integer)
    funding_request_id: Mapped[int | None] = mapped_column(ForeignKey("funding_requests.id"), index=True)
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContributionStatus(StrEnum):
    PENDING = "pending"  # stored with its reference and key; not sent yet
    SENT = "sent"  # sent; the answer was lost: retry with the same key
    BOOKED = "booked"
    FAILED = "failed"  # refused by the register: see last_error
    CANCELLED = "cancelled"  # cancelled before it was booked
    REVERSED = "reversed"


UNSENT = (ContributionStatus.PENDING, ContributionStatus.FAILED)


class Contribution(db.Model):
    """What the register must book once: reference and idempotency key are stored before any send."""

    __tablename__ = "contributions"
    __table_args__ = (
        UniqueConstraint("employer_id", "reference"),
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        # the reconciliation finds an entry linked or recorded under another reference by its entry id
        Index("ix_contributions_employer_id_entry_id", "employer_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee_records.id"), index=True)
    funding_request_id: Mapped[int] = mapped_column(ForeignKey("funding_requests.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    registry_id: Mapped[str | None] = mapped_column(String(40))
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    status: Mapped[str] = mapped_column(String(20), default=ContributionStatus.PENDING, index=True)
    entry_id: Mapped[str | None] = mapped_column(String(60))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    employee = relationship("EmployeeRecord")
    funding_request = relationship("FundingRequest")

    @property
    def amount(self) -> Decimal:
        return from_cents(self.amount_cents)

    @property
    def cancellable(self) -> bool:
        """Not sent to the register (or refused by it): cancelling cannot cross a booking there."""
        return self.status in UNSENT


class ClosedPeriod(db.Model):
    """One closed month of one employer (closing a quarter or a year closes each of its months). The
    budget position at closing is kept, so that the period's statement shows it unchanged ever after."""

    __tablename__ = "closed_periods"
    __table_args__ = (UniqueConstraint("employer_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    position: Mapped[dict | None] = mapped_column(JSON)  # {"budget": cents, "reserved": cents, "booked": cents}

    closed_by = relationship("User")
