"""Co-funding: the yearly policy, asking, deciding, the budget ledger and the contributions.

Budget: reserved when a request is approved, released when it is cancelled, consumed when its
contribution is booked. The final approval locks the employer's policy row, so that twenty
managers approving at once are served one after the other and the budget never goes below zero.

One training, many requests: the rules see what the person's other requests for the same training
still hold (pending, second step or approved). Asking locks the person's record (the lock leave's
``submit`` takes, in the same transaction when the co-funding is asked with the leave), so two requests
asked at once for one training are checked one after the other. Approving counts the others still
pending too: two requests can never both be approved over the cost, whatever their order.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from flask import has_app_context
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ila_sme.audit.services import changes, record
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.funding import account_balance, budget, rules
from ila_sme.funding.models import (
    CofundingPolicy,
    Contribution,
    ContributionStatus,
    FundingPart,
    FundingRequest,
    FundingStatus,
    Kind,
    Source,
)
from ila_sme.funding.periods import PeriodClosed, ensure_open
from ila_sme.funding.permissions import cancel_refusal, is_involved, may_decide
from ila_sme.leave.errors import LeaveError
from ila_sme.leave.signals import leave_decided
from ila_sme.money import from_cents, to_cents, to_decimal
from ila_sme.people.models import EmployeeRecord
from ila_sme.roles import Role
from ila_sme.schemes import services as schemes
from ila_sme.schemes.defaults import FUNDING_SCHEME
from ila_sme.web import babel_locale

HOLDING = (FundingStatus.PENDING, FundingStatus.SECOND_STEP, FundingStatus.APPROVED)
POLICY_FIELDS = ("budget", "cap_per_employee", "max_share_pct", "gives_top_up", "gives_course_fee",
                 "admin_approval_above")


class FundingError(Exception):
    """A funding rule refused; the message says which rule and by how much."""


def _locale() -> str:
    """The locale of the messages themselves: the request's, or the app's default in jobs and the CLI."""
    if has_app_context():
        return babel_locale()
    return "nl_BE"


# The policy ----------------------------------------------------------------------------------


def policy_for(employer, year: int) -> CofundingPolicy | None:
    return db.session.scalar(
        select(CofundingPolicy).where(CofundingPolicy.employer_id == employer.id, CofundingPolicy.year == year))


def _locked_policy(employer_id: int, year: int) -> CofundingPolicy | None:
    """The policy of that year, read and locked in one statement (``_lock``)."""
    return db.session.scalars(
        select(CofundingPolicy).where(CofundingPolicy.employer_id == employer_id, CofundingPolicy.year == year)
        .with_for_update().execution_options(populate_existing=True)).one_or_none()


def _lock(policy: CofundingPolicy) -> CofundingPolicy:
    """Lock the policy row until the transaction ends, and re-read it: what another transaction committed
    before we got the lock (a lower budget) must be what we check against, not the copy already loaded."""
    return db.session.scalars(
        select(CofundingPolicy).where(CofundingPolicy.id == policy.id).with_for_update()
        .execution_options(populate_existing=True)).one()


def _policy_view(policy: CofundingPolicy) -> dict:
    return {
        "budget": str(policy.budget), "cap_per_employee": str(policy.cap_per_employee),
        "max_share_pct": f"{Decimal(policy.max_share_pct):.2f}", "gives_top_up": policy.gives_top_up,
        "gives_course_fee": policy.gives_course_fee,
        "admin_approval_above": None if policy.admin_approval_above is None else str(policy.admin_approval_above),
    }


def set_policy(*, actor, employer, year: int, budget: Decimal, cap_per_employee: Decimal, max_share_pct: Decimal,
               gives_top_up: bool, gives_course_fee: bool, admin_approval_above: Decimal | None) -> CofundingPolicy:
    """Create or change the year's policy. The budget never drops below what is already reserved or booked."""
    if not 0 <= Decimal(max_share_pct) <= 100:
        raise FundingError(_("The largest share is a percentage from 0 to 100."))
    for amount in (budget, cap_per_employee, admin_approval_above):
        if amount is None:
            continue
        amount = rules.amount(amount)
        if amount < 0:
            raise FundingError(_("Amounts cannot be negative."))
        if amount != to_decimal(amount):
            raise FundingError(_("Amounts have at most two decimals."))
    policy = policy_for(employer, year)
    if policy is not None:
        # The same lock as an approval's: no reservation slips in between this check and the change.
        policy = _lock(policy)
    before = _policy_view(policy) if policy else {}
    if policy is None:
        policy = CofundingPolicy(employer_id=employer.id, year=year)
        db.session.add(policy)
    else:
        used = budget_position(employer, year)
        if rules.amount(budget) < used.reserved + used.booked:
            raise FundingError(_("%(amount)s is already reserved or booked this year: the budget cannot be lower.",
                                 amount=rules._m(used.reserved + used.booked, _locale())))
    policy.budget_cents = to_cents(budget)
    policy.cap_per_employee_cents = to_cents(cap_per_employee)
    policy.max_share_pct = Decimal(max_share_pct)
    policy.gives_top_up = bool(gives_top_up)
    policy.gives_course_fee = bool(gives_course_fee)
    policy.admin_approval_above_cents = None if admin_approval_above is None else to_cents(admin_approval_above)
    db.session.flush()
    old, new = changes(before, _policy_view(policy))
    if new:
        record("cofunding_policy.saved", actor=actor, employer_id=employer.id, obj=policy, before=old or None,
               after=new)
    return policy


# What is already used -------------------------------------------------------------------------


budget_position = budget.position  # the ledger's read, under the name the other features know


def _sum_parts(*conditions) -> Decimal:
    cents = db.session.scalar(
        select(func.coalesce(func.sum(FundingPart.amount_cents), 0))
        .join(FundingRequest, FundingRequest.id == FundingPart.funding_request_id)
        .where(FundingRequest.status.in_(HOLDING), *conditions))
    return from_cents(cents)


def _sums_of_parts(*each, within, not_this: list) -> list[Decimal]:
    """``_sum_parts`` of several conditions in one statement (``within``: a condition every one of them implies)."""
    row = db.session.execute(
        select(*[func.coalesce(func.sum(case((and_(*conditions), FundingPart.amount_cents), else_=0)), 0)
                 for conditions in each])
        .select_from(FundingPart).join(FundingRequest, FundingRequest.id == FundingPart.funding_request_id)
        .where(FundingRequest.status.in_(HOLDING), within, *not_this)).one()
    return [from_cents(cents) for cents in row]


def _school_year_bounds(day: date) -> tuple[date, date]:
    period = schemes.period_of("vov", day)
    return period.start, period.end


def earlier_requests(employee, training, *, exclude_id: int | None = None) -> list[rules.Earlier]:
    """The person's other requests for ``training`` that still hold (pending, second step, approved), oldest
    first, with their parts: what the rules add to a new split of the same training."""
    if training is None or training.id is None:
        return []
    not_this = [FundingRequest.id != exclude_id] if exclude_id else []
    requests = db.session.scalars(
        select(FundingRequest).options(selectinload(FundingRequest.parts))
        .where(FundingRequest.employee_id == employee.id, FundingRequest.training_id == training.id,
               FundingRequest.kind == Kind.COURSE_FEE, FundingRequest.status.in_(HOLDING), *not_this)
        .order_by(FundingRequest.id))
    return [rules.Earlier(number=request.id, asked_on=request.asked_on,
                          parts={part.source: part.amount for part in request.parts}) for request in requests]


def funded_elsewhere(employee, training) -> Decimal:
    """What the person's other requests for ``training`` still hold, all sources together (the previews show
    it, so that "left to pay yourself" counts it)."""
    return sum((request.total for request in earlier_requests(employee, training)), rules.ZERO)


def _lock_person(employee) -> None:
    """Until the transaction ends, one co-funding (or leave) request at a time for this person: what another
    transaction asks for the same training is committed, and so counted, before this one checks."""
    db.session.execute(select(EmployeeRecord.id).where(EmployeeRecord.id == employee.id).with_for_update())


_READ = object()


def _context(employee, kind: str, cost: Decimal, training, today: date, *, exclude_id: int | None = None,
             with_budget: bool = True, year: int | None = None, policy=_READ) -> rules.Context:
    """``year``: the policy year drawn on (an approval in January of a December request: the request's);
    ``policy``: that year's, when the caller holds it (locked), else read here."""
    employer = employee.employer
    year = year or today.year
    not_this = [FundingRequest.id != exclude_id] if exclude_id else []
    start, end = _school_year_bounds(today)
    if policy is _READ:
        policy = policy_for(employer, year)
    used = _sums_of_parts(
        (FundingPart.source == Source.EMPLOYER, FundingRequest.year == year, FundingRequest.employee_id == employee.id),
        (FundingPart.source == Source.VOUCHERS, FundingRequest.employee_id == employee.id,
         FundingRequest.asked_on >= start, FundingRequest.asked_on <= end),
        (FundingPart.source == Source.SME_WALLET, FundingRequest.year == year,
         FundingRequest.employer_id == employer.id),
        within=or_(FundingRequest.employee_id == employee.id, FundingRequest.employer_id == employer.id),
        not_this=not_this)
    try:
        funding_values = schemes.values_on(FUNDING_SCHEME, employer, today)
    except schemes.SchemeError:
        funding_values = None
    return rules.Context(
        kind=kind, cost=rules.amount(cost), policy=policy, size_band=employer.size_band,
        training=training, funding_values=funding_values,
        employer_this_year=used[0], vouchers_this_school_year=used[1], sme_wallet_this_year=used[2],
        account_balance=account_balance.balance_of(employee),
        budget_left=budget_position(employer, year, budget_cents=policy.budget_cents if policy else 0).remaining
        if with_budget else None,
        earlier=earlier_requests(employee, training, exclude_id=exclude_id) if kind == Kind.COURSE_FEE else [],
    )


def preview(employee, *, kind: str, cost: Decimal, split: rules.Split, training, today: date) -> list[str]:
    """The problems this split would meet; empty when it can be asked for."""
    return rules.check(split, _context(employee, kind, cost, training, today), _locale())


# Asking ---------------------------------------------------------------------------------------


def ask(*, actor, employee, kind: str, cost: Decimal, split: rules.Split, training=None, leave_request=None,
        note: str | None = None, today: date) -> FundingRequest:
    """A co-funding request, pending. Refused with every broken rule; nothing saved then."""
    kind = Kind(kind).value
    if kind == Kind.TOP_UP:
        cost = split.employer
    elif training is not None:
        _lock_person(employee)
    problems = preview(employee, kind=kind, cost=cost, split=split, training=training, today=today)
    if split.total <= 0:
        problems.append(_("Ask for an amount from at least one source."))
    if leave_request is not None:
        if leave_request.employee_id != employee.id:
            problems.append(_("This leave request is someone else's."))
        elif db.session.scalar(select(FundingRequest.id).where(FundingRequest.leave_request_id == leave_request.id)):
            problems.append(_("This leave request already has a co-funding request."))
    if problems:
        raise FundingError(" ".join(problems))
    funding = FundingRequest(
        employer_id=employee.employer_id, employee_id=employee.id, year=today.year, asked_on=today, kind=kind,
        training_id=training.id if training else None, leave_request_id=leave_request.id if leave_request else None,
        cost_cents=to_cents(cost), employer_cents=to_cents(split.employer), status=FundingStatus.PENDING,
        note=(note or "").strip() or None, requested_by_id=actor.id,
    )
    db.session.add(funding)
    db.session.flush()
    for source, amount in split.parts().items():
        db.session.add(FundingPart(funding_request_id=funding.id, source=source, amount_cents=to_cents(amount)))
    db.session.flush()
    record("funding.requested", actor=actor, employer_id=funding.employer_id, obj=funding,
           after={"kind": kind, "cost": str(from_cents(funding.cost_cents)),
                  "parts": {source: str(amount) for source, amount in split.parts().items()}})
    return funding


# Deciding -------------------------------------------------------------------------------------


def _already_decided(funding: FundingRequest) -> FundingError:
    db.session.refresh(funding)
    return FundingError(_("Someone else already decided on this co-funding: %(status)s.",
                          status=funding.status_label))


def _move(funding: FundingRequest, expected: str, **values) -> None:
    """Change the status only if nobody else did first: exactly one of two concurrent decisions stands."""
    result = db.session.execute(
        update(FundingRequest).where(FundingRequest.id == funding.id, FundingRequest.status == expected)
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise _already_decided(funding)
    # The row is ours now (the guarded UPDATE holds it): what it says is what we wrote, no need to read it back.
    for key, value in values.items():
        set_committed_value(funding, key, value)


def _refuse_unless_allowed(actor, funding: FundingRequest) -> None:
    """Who decides: funding/permissions.py."""
    if is_involved(actor, funding):
        raise FundingError(_("Nobody decides on their own co-funding."))
    if not may_decide(actor, funding):
        if not funding.is_undecided:
            raise FundingError(_("This co-funding was already decided: %(status)s.", status=funding.status_label))
        raise FundingError(_("You may not decide on this co-funding."))


def approve(*, actor, funding: FundingRequest, today: date) -> FundingRequest:
    _refuse_unless_allowed(actor, funding)
    seen = funding.status
    # One final approval at a time per employer and year: the checks against what is already used, the
    # reservation and the contribution's reference number are atomic. Twenty managers approving at once are
    # served one after the other, each one seeing what the previous ones reserved.
    policy = _locked_policy(funding.employer_id, funding.year)
    threshold = policy.admin_approval_above_cents if policy else None
    if (seen == FundingStatus.PENDING and threshold is not None and funding.employer_cents > threshold
            and Role.ADMIN not in actor.roles_in(funding.employer_id)):
        _move(funding, FundingStatus.PENDING, status=FundingStatus.SECOND_STEP, first_decided_by_id=actor.id)
        record("funding.first_approved", actor=actor, employer_id=funding.employer_id, obj=funding,
               after={"employer_part": str(funding.employer_amount)})
        return funding
    if policy is not None:  # under the lock: the status another approval may have committed meanwhile
        status = db.session.scalar(select(FundingRequest.status).where(FundingRequest.id == funding.id))
        if status != seen:
            raise _already_decided(funding)
    ctx = _context(funding.employee, funding.kind, funding.cost, funding.training, today,
                   exclude_id=funding.id, year=funding.year, policy=policy)
    split = rules.Split(**{part.source: part.amount for part in funding.parts})
    problems = rules.check(split, ctx, _locale())
    if problems:
        raise FundingError(" ".join(problems))
    _move(funding, seen, status=FundingStatus.APPROVED, decided_by_id=actor.id, decided_at=utcnow(),
          first_decided_by_id=funding.first_decided_by_id or actor.id)
    if funding.employer_cents > 0:
        budget.reserve(funding, funding.employer_amount, actor=actor)
        _contribution(funding, today)
    record("funding.approved", actor=actor, employer_id=funding.employer_id, obj=funding,
           after={"employer_part": str(funding.employer_amount)})
    return funding


def _contribution(funding: FundingRequest, today: date) -> Contribution:
    """The contribution to book, with its reference and idempotency key stored before anything is sent.
    Called under the lock of the policy of the funding's year, so the numbers of that year (the
    reference's) never collide: C-2026-000001, C-2026-000002 … per employer."""
    prefix = f"C-{funding.year}-"
    count = db.session.scalar(select(func.count()).select_from(Contribution).where(
        Contribution.employer_id == funding.employer_id, Contribution.reference.like(f"{prefix}%")))
    contribution = Contribution(
        employer_id=funding.employer_id, employee_id=funding.employee_id, funding_request_id=funding.id,
        reference=f"{prefix}{count + 1:06d}", idempotency_key=uuid.uuid4().hex, kind=funding.kind,
        registry_id=funding.training.registry_id if funding.kind == Kind.COURSE_FEE and funding.training else None,
        amount_cents=funding.employer_cents, period=f"{today:%Y-%m}", status=ContributionStatus.PENDING,
    )
    db.session.add(contribution)
    db.session.flush()
    record("contribution.created", employer_id=funding.employer_id, obj=contribution,
           after={"reference": contribution.reference, "amount": str(contribution.amount)})
    return contribution


def reject(*, actor, funding: FundingRequest, reason: str) -> FundingRequest:
    if not reason or not reason.strip():
        raise FundingError(_("A refusal needs a reason."))
    _refuse_unless_allowed(actor, funding)
    _move(funding, funding.status, status=FundingStatus.REJECTED, decided_by_id=actor.id, decided_at=utcnow(),
          decision_reason=reason.strip())
    record("funding.rejected", actor=actor, employer_id=funding.employer_id, obj=funding,
           after={"reason": funding.decision_reason})
    return funding


def cancel(*, actor, funding: FundingRequest, reason: str | None = None) -> FundingRequest:
    """Withdraw a waiting request (whoever is involved), or cancel an approved one whose contribution is not
    sent or booked yet (an admin)."""
    refusal = cancel_refusal(actor, funding)
    if refusal:
        raise FundingError(refusal)
    return _cancel(actor, funding, reason)


def _cancel(actor, funding: FundingRequest, reason: str | None) -> FundingRequest:
    """Cancel whoever the actor is: ``cancel`` checked them, or the leave it follows was decided."""
    if funding.withdrawable:
        _move(funding, funding.status, status=FundingStatus.CANCELLED, decision_reason=reason)
    elif funding.cancellable:
        # A guarded update: a sender that took the contribution first (sent) wins, and we refuse.
        db.session.execute(
            update(Contribution)
            .where(Contribution.funding_request_id == funding.id,
                   Contribution.status.in_((ContributionStatus.PENDING, ContributionStatus.FAILED)))
            .values(status=ContributionStatus.CANCELLED))
        if db.session.scalar(select(func.count()).select_from(Contribution).where(
                Contribution.funding_request_id == funding.id, Contribution.status != ContributionStatus.CANCELLED)):
            raise FundingError(_("The register has (or may have) booked this contribution: it needs a reversal "
                                 "through the reconciliation, not a cancellation."))
        _move(funding, FundingStatus.APPROVED, status=FundingStatus.CANCELLED, decision_reason=reason)
        if funding.employer_cents > 0:
            budget.release(funding, funding.employer_amount, actor=actor)
    else:
        raise FundingError(_("This co-funding can no longer be cancelled: %(status)s.", status=funding.status_label))
    record("funding.cancelled", actor=actor, employer_id=funding.employer_id, obj=funding, after={"reason": reason})
    return funding


def mark_booked(contribution: Contribution, *, entry_id: str, booked_at) -> None:
    """The register booked it: the reservation becomes consumption (used by the next issue's client).
    Booking twice changes nothing more; a cancelled contribution is never booked, nor one of a closed period."""
    if contribution.status != ContributionStatus.BOOKED:
        try:
            ensure_open(contribution.employer_id, contribution.period)
        except PeriodClosed as error:
            raise FundingError(str(error)) from error
    result = db.session.execute(
        update(Contribution)
        .where(Contribution.id == contribution.id,
               Contribution.status.in_((ContributionStatus.PENDING, ContributionStatus.SENT,
                                        ContributionStatus.FAILED)))
        .values(status=ContributionStatus.BOOKED, entry_id=entry_id, booked_at=booked_at)
        .execution_options(synchronize_session=False))
    db.session.refresh(contribution)
    if result.rowcount != 1:
        if contribution.status == ContributionStatus.BOOKED:
            return
        raise FundingError(_("Contribution %(reference)s is %(status)s: it cannot be booked.",
                             reference=contribution.reference, status=contribution.status))
    budget.consume(contribution, contribution.amount)
    record("contribution.booked", employer_id=contribution.employer_id, obj=contribution,
           after={"entry_id": entry_id})


# A leave request's co-funding follows the leave decision ------------------------------------


@leave_decided.connect
def follow_leave(leave_request, *, actor, today: date, decision: str) -> None:
    """Leave's ``leave_decided``, in the decision's transaction: 'approved', 'rejected', 'withdrawn', 'cancelled'.
    A co-funding that cannot follow makes the leave decision fail (LeaveError): the caller rolls back."""
    funding = leave_request.funding  # loaded with the request by the inbox's decision, else one query
    if funding is None:
        return
    waiting = funding.is_undecided
    if decision == "approved":
        if waiting and may_decide(actor, funding):
            try:
                approve(actor=actor, funding=funding, today=today)
            except FundingError as error:
                raise LeaveError(_("The co-funding of this request cannot be approved: %(reason)s",
                                   reason=str(error))) from error
        return
    reason = {"rejected": _("The training leave was rejected."), "withdrawn": _("The training leave was withdrawn."),
              "cancelled": _("The training leave was cancelled.")}[decision]
    try:
        if decision == "rejected" and waiting:
            _move(funding, funding.status, status=FundingStatus.REJECTED, decided_by_id=actor.id,
                  decided_at=utcnow(), decision_reason=reason)
            record("funding.rejected", actor=actor, employer_id=funding.employer_id, obj=funding,
                   after={"reason": reason})
        elif funding.status in HOLDING:  # withdrawn, cancelled, or rejected after its co-funding was approved
            _cancel(actor, funding, reason)
    except FundingError as error:
        raise LeaveError(_("The co-funding of this request cannot be cancelled: %(reason)s",
                           reason=str(error))) from error
