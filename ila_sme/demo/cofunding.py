"""The demo's co-funding: the register token, the yearly policies, a year of requests asked,
decided, cancelled and booked through the real services, each on its own past day. What the demo
marks booked is booked at the development register too, over HTTP (``demo.register``: the app's own
register client, and the register's dev-only endpoints), so the first reconciliation matches it; and the
register holds two differences on purpose for the accountant to resolve: a top-up booked through the
register's portal, and a booked amount the register corrected."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import click
from sqlalchemy import func, select

from ila_sme.accounts.models import User
from ila_sme.audit.services import record
from ila_sme.demo.data import COFUNDING, COFUNDING_POLICIES, REGISTER_TOKEN, USERS
from ila_sme.demo.register import DemoRegister
from ila_sme.demo.register import demo_register as demo_register  # demo.cli opens it as cofunding.demo_register()
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.funding import services as funding
from ila_sme.funding.models import (
    BudgetEntry,
    BudgetMove,
    CofundingPolicy,
    Contribution,
    ContributionStatus,
    FundingPart,
    FundingRequest,
    FundingStatus,
)
from ila_sme.funding.rules import Split
from ila_sme.leave.models import LeaveRequest, RequestStatus
from ila_sme.people.models import EmployeeRecord
from ila_sme.trainings.models import Training

PORTAL_TOP_UP_CENTS = 7500  # booked at the register's portal by an employee of the bakery
REGISTER_CORRECTION_CENTS = 2000  # the register's staff took this off the bakery's last booked amount


def at(day: date) -> datetime:
    """A moment of the demo's story: 09:00 UTC on that day."""
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def reset_register(employer: Employer, register: DemoRegister) -> str | None:
    """Before the demo books an employer's history: this app database holds no co-funding of the employer, so
    no entry of it at the register can be this database's. They are left from an earlier app database
    (or a seed that failed before it committed) and would collide with the references the demo is about to
    book (``C-<year>-000001`` … again): remove them, and say so. Only the demo's own employers come here."""
    removed = register.forget_entries(employer)
    if not removed:
        return None
    return (f"Development register: removed {removed} entries of {employer.name} left from an earlier app "
            f"database; the demo books its history there again.")


def check_register(employer: Employer, register: DemoRegister) -> str | None:
    """With the history seeded before: are its booked contributions still at the register? A register store
    replaced since then (deleted, or shared with another app database that was seeded later) is not repaired
    behind anyone's back: the message says what reconciliation will show and how to start afresh."""
    booked = set(db.session.scalars(select(Contribution.entry_id).where(
        Contribution.employer_id == employer.id, Contribution.status == ContributionStatus.BOOKED)))
    missing = booked - register.entry_ids(employer)
    if not missing:
        return None
    return (f"Development register: {len(missing)} of the {len(booked)} contributions {employer.name} booked "
            f"are not in the register at {register.url} (its store was replaced after this database was seeded), "
            f"so reconciliation will report them missing. To start both afresh, delete the app database and the "
            f"register's store (instance/dev-register.sqlite3), then run `flask --app app db upgrade` and "
            f"`flask --app app demo seed` again.")


def register_differences(employer: Employer, register: DemoRegister, today: date) -> None:
    """The two differences of the demo (the bakery only): an unknown portal booking, an amended amount."""
    last = db.session.scalar(select(Contribution).where(
        Contribution.employer_id == employer.id, Contribution.status == ContributionStatus.BOOKED)
        .order_by(Contribution.id.desc()).limit(1))
    if last is None:
        return
    register.amend(last.entry_id, max(last.amount_cents - REGISTER_CORRECTION_CENTS, 100))
    register.portal_book(employer, last.employee.national_number, PORTAL_TOP_UP_CENTS, f"{today:%Y-%m}")


def register_token(employer: Employer) -> None:
    """The development register accepts this token for the demo employer (the audit keeps only that it was set)."""
    token = REGISTER_TOKEN.format(enterprise_number=employer.enterprise_number)
    if employer.register_token != token:
        employer.register_token = token
        record("employer.updated", employer_id=employer.id, obj=employer, after={"register_token": "(set)"})


def policies(employer: Employer, key: str, users: dict[str, User], today: date) -> None:
    spec = COFUNDING_POLICIES[key]
    for year in (today.year - 1, today.year):
        if funding.policy_for(employer, year) is None:
            funding.set_policy(
                actor=users[spec["admin"]], employer=employer, year=year, budget=Decimal(spec["budget"]),
                cap_per_employee=Decimal(spec["cap_per_employee"]), max_share_pct=Decimal(spec["max_share_pct"]),
                gives_top_up=spec["gives_top_up"], gives_course_fee=spec["gives_course_fee"],
                admin_approval_above=Decimal(spec["admin_approval_above"]))


def has_history(employer: Employer) -> bool:
    first = select(FundingRequest.id).where(FundingRequest.employer_id == employer.id).limit(1)
    return db.session.scalar(first) is not None


def history(employer: Employer, key: str, users: dict[str, User], trainings: dict[str, Training],
            today: date, register: DemoRegister) -> None:
    """Asked, decided, cancelled and booked through the real services, each on its own past day."""
    staff = {e.full_name: e for e in db.session.scalars(
        select(EmployeeRecord).where(EmployeeRecord.employer_id == employer.id))}
    admins = [users[email] for email, _name, _language, roles in USERS if (key, "admin") in roles]
    for employer_key, name, asked_by, training_key, linked, days_ago, parts, outcome, reason in COFUNDING:
        if employer_key != key:
            continue
        employee, training = staff[name], trainings.get(training_key)
        leave = _approved_leave(employee, training) if linked else None
        if linked and leave is None:
            raise click.ClickException(f"demo co-funding: {name} has no approved leave for {training_key}")
        if leave is not None:
            asked, decided = leave.created_at.date(), leave.decided_at.date()
        else:
            asked = today - timedelta(days=days_ago)
            decided = min(asked + timedelta(days=2), today - timedelta(days=1))
        split = Split(**{source: Decimal(amount) for source, amount in parts.items()})
        request = funding.ask(actor=users[asked_by], employee=employee,
                              kind="course-fee" if training else "top-up",
                              cost=training.cost if training else split.employer, split=split, training=training,
                              leave_request=leave, today=asked)
        request.created_at = at(asked)
        db.session.flush()
        _decide_funding(request, outcome, reason, decided, today, admins, employer, register)


def _approved_leave(employee: EmployeeRecord, training: Training) -> LeaveRequest | None:
    """The employee's first approved training leave for this training, when it has no co-funding yet."""
    taken = select(FundingRequest.leave_request_id).where(FundingRequest.leave_request_id.is_not(None))
    return db.session.scalar(
        select(LeaveRequest).where(
            LeaveRequest.employee_id == employee.id, LeaveRequest.training_id == training.id,
            LeaveRequest.status == RequestStatus.APPROVED, LeaveRequest.id.not_in(taken))
        .order_by(LeaveRequest.id).limit(1))


def _decider(request: FundingRequest, admins: list[User]) -> User:
    """The employee's approver, else an admin: whoever may decide on this step (never their own)."""
    for user in [request.employee.approver, *admins]:
        if user is not None and funding.may_decide(user, request):
            return user
    raise click.ClickException(f"nobody may decide on demo co-funding {request.id}")


def _decide_funding(request: FundingRequest, outcome: str, reason: str | None, decided: date, today: date,
                    admins: list[User], employer: Employer, register: DemoRegister) -> None:
    if outcome == "pending":
        return
    if outcome == "rejected":
        funding.reject(actor=_decider(request, admins), funding=request, reason=reason)
        request.decided_at = at(decided)
        return
    while request.status in (FundingStatus.PENDING, FundingStatus.SECOND_STEP):
        funding.approve(actor=_decider(request, admins), funding=request, today=decided)
        if outcome == "second_step":
            if request.status != FundingStatus.SECOND_STEP:
                raise click.ClickException(f"demo co-funding {request.id} needs no second step")
            return
    request.decided_at = at(decided)
    _stamp(request, BudgetMove.RESERVATION, decided)
    contribution = db.session.scalar(select(Contribution).where(Contribution.funding_request_id == request.id))
    if contribution is not None:
        contribution.created_at = at(decided)
    if outcome == "cancelled":
        cancelled = min(decided + timedelta(days=14), today - timedelta(days=1))
        funding.cancel(actor=admins[0], funding=request, reason=reason)
        _stamp(request, BudgetMove.RELEASE, cancelled)
    booked = decided + timedelta(days=10)
    if outcome == "booked" and contribution is not None and booked < today:
        entry_id = register.book(employer, contribution)  # the public API, as ``contributions submit`` books
        funding.mark_booked(contribution, booked_at=at(booked), entry_id=entry_id)
        _stamp(request, BudgetMove.CONSUMPTION, booked)
    db.session.flush()


def _stamp(request: FundingRequest, move: str, day: date) -> None:
    """The budget ledger row of this move carries the day it happened in the story."""
    db.session.flush()
    for entry in db.session.scalars(select(BudgetEntry).where(
            BudgetEntry.funding_request_id == request.id, BudgetEntry.kind == move)):
        entry.created_at = at(day)


def summary() -> str:
    statuses = dict(db.session.execute(
        select(FundingRequest.status, func.count()).group_by(FundingRequest.status)).all())
    details = ", ".join(f"{status} {count}" for status, count in sorted(statuses.items()))
    policies = db.session.scalar(select(func.count()).select_from(CofundingPolicy))
    parts = db.session.scalar(select(func.count()).select_from(FundingPart))
    contributions = dict(db.session.execute(
        select(Contribution.status, func.count()).group_by(Contribution.status)).all())
    return (f"{sum(statuses.values())} co-funding requests exist ({details}); {parts} funding parts; "
            f"{policies} co-funding policies; {sum(contributions.values())} contributions "
            f"({contributions.get(ContributionStatus.BOOKED, 0)} booked).")
