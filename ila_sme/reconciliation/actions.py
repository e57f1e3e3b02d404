"""What the accountant does with a difference the reconciliation found. Each action is one
transaction with its audit event; budgets follow the register's figures (ledger-api.md: "an entry's
amount there is what counts"). The caller commits; a ReconciliationError changes nothing. The two that
ask the register (resubmit, ask_reversal) commit before they ask, so that no transaction stays open while
the register answers (ask_reversal's key is what that commit keeps).

- resubmit (missing_in_register): book it again with its ORIGINAL idempotency key and body;
- accept (amount_mismatch: take the register's amount over; reversed: acknowledge the reversal);
- link (unknown_in_register): the entry is a local contribution booked under another reference;
- record_outside (unknown_in_register): the entry was booked outside the app: record it here;
- ask_reversal (unknown_in_register): an entry booked by mistake: the register reverses it;
- write_off (any): leave it as it is, with a reason; a missing contribution is cancelled.
"""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ila_sme.audit.services import record
from ila_sme.db_types import utcnow
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.funding import budget
from ila_sme.funding import services as funding
from ila_sme.funding.models import (
    Contribution,
    ContributionStatus,
    FundingPart,
    FundingRequest,
    FundingStatus,
    Kind,
    Source,
)
from ila_sme.funding.periods import PeriodClosed, ensure_open
from ila_sme.funding.submit import payload
from ila_sme.money import from_cents
from ila_sme.reconciliation.models import Difference, DifferenceState, Outcome, Resolution
from ila_sme.register.client import RegisterClient, RegisterError, scrub

# Never sent, or refused: the register cannot hold it under its own reference. A ``sent`` one may be
# booked there already (its answer lost): the next run finds out, it is never linked to another entry.
LINKABLE = (ContributionStatus.PENDING, ContributionStatus.FAILED)
NOT_BOOKED = (ContributionStatus.PENDING, ContributionStatus.SENT, ContributionStatus.FAILED)
REFERENCE_SIZE = 40  # Contribution.reference
ACTION_BUDGET_SECONDS = 15.0  # an action asks the register while the accountant waits


class ReconciliationError(Exception):
    pass


def _ensure_open(employer_id: int, period: str | None) -> None:
    """A closed period's booked amounts never change: its correction is an adjustment in the next open one."""
    try:
        ensure_open(employer_id, period)
    except PeriodClosed as error:
        raise ReconciliationError(str(error)) from error


def actions_for(difference: Difference) -> list[str]:
    """The actions that make sense for this difference (the page shows these buttons)."""
    if not difference.is_open:
        return []
    return {
        Outcome.MISSING_IN_REGISTER: ["resubmit", "write_off"],
        Outcome.AMOUNT_MISMATCH: ["accept", "write_off"],
        Outcome.REVERSED: ["accept", "write_off"],
        Outcome.UNKNOWN_IN_REGISTER: ["link", "record_outside", "ask_reversal", "write_off"],
    }.get(difference.kind, ["write_off"])


def linkable(difference: Difference) -> list[Contribution]:
    """Local contributions an unknown entry may be: never sent or refused, of the entry's person."""
    if difference.employee_id is None:
        return []  # the register's person is not on the staff list: none of ours can be this entry
    query = select(Contribution).where(Contribution.employer_id == difference.employer_id,
                                       Contribution.status.in_(LINKABLE), Contribution.entry_id.is_(None),
                                       Contribution.employee_id == difference.employee_id)
    return list(db.session.scalars(query.order_by(Contribution.created_at.desc()).limit(50)))


def _open(difference: Difference, *kinds: str) -> None:
    if not difference.is_open:
        raise ReconciliationError(_("This difference was already resolved."))
    if kinds and difference.kind not in kinds:
        raise ReconciliationError(_("This action does not apply to this difference."))


def _resolve(difference: Difference, actor, resolution: Resolution, note: str | None = None, **after) -> None:
    difference.state, difference.resolution = DifferenceState.RESOLVED, resolution
    difference.resolved_by_id, difference.resolved_at = actor.id, utcnow()
    difference.note = note
    record(f"reconciliation.{resolution.value}", actor=actor, employer_id=difference.employer_id, obj=difference,
           before={"kind": difference.kind, "reference": difference.reference, "entry_id": difference.entry_id},
           after={"note": note, **after})


def _correct(contribution: Contribution, cents: int, actor) -> None:
    """The booked amount moves by ``cents`` (signed): a budget correction row, never an edit."""
    if cents:
        budget.correct(contribution, from_cents(cents), actor=actor)


def _register_message(error: RegisterError) -> str:
    code = f" ({error.code})" if error.code else ""
    return _("The register did not take it: %(reason)s%(code)s. Nothing was changed; try again later.",
             reason=scrub(str(error)), code=code)


def resubmit(*, actor, difference: Difference, client: RegisterClient | None = None) -> Difference:
    """Book it with its original key and body: 201 booked now, or 200 when the register had it already.
    What the caller has pending is committed first (nothing, from a view): no transaction stays open while
    the register is asked."""
    _open(difference, Outcome.MISSING_IN_REGISTER)
    contribution = difference.contribution
    if contribution is None or contribution.status not in (ContributionStatus.BOOKED, ContributionStatus.FAILED,
                                                           ContributionStatus.SENT, ContributionStatus.PENDING):
        raise ReconciliationError(_("This contribution can no longer be submitted."))
    employer = contribution.employee.employer
    body, key = payload(contribution, employer), contribution.idempotency_key
    own = client is None
    if own:
        client = RegisterClient.for_employer(employer, budget_seconds=ACTION_BUDGET_SECONDS)
    db.session.commit()
    try:
        entry = client.book_contribution(body, key)
    except RegisterError as error:
        if error.status == 409 and error.code == "duplicate_reference" and error.entry_id:
            entry = {"entry_id": error.entry_id}
        else:
            raise ReconciliationError(_register_message(error)) from error
    finally:
        if own:
            client.close()
    if contribution.status == ContributionStatus.BOOKED:
        contribution.entry_id = entry["entry_id"]
    else:
        funding.mark_booked(contribution, entry_id=entry["entry_id"], booked_at=utcnow())
    contribution.last_error = None
    difference.entry_id = entry["entry_id"]
    _resolve(difference, actor, Resolution.RESUBMITTED, entry_id=entry["entry_id"])
    return difference


def accept(*, actor, difference: Difference) -> Difference:
    """amount_mismatch: the register's amount becomes the contribution's, the budget follows; reversed:
    the reversal (already reflected in the budget by the run) is acknowledged."""
    _open(difference, Outcome.AMOUNT_MISMATCH, Outcome.REVERSED)
    contribution = difference.contribution
    if difference.kind == Outcome.AMOUNT_MISMATCH:
        if contribution is None or difference.register_cents is None or difference.register_cents <= 0 \
                or contribution.status != ContributionStatus.BOOKED:
            raise ReconciliationError(_("The register's amount cannot be taken over for this entry."))
        _ensure_open(contribution.employer_id, contribution.period)
        before = contribution.amount_cents
        _correct(contribution, difference.register_cents - before, actor)
        contribution.amount_cents = difference.register_cents
        _resolve(difference, actor, Resolution.ACCEPTED, amount=str(from_cents(difference.register_cents)),
                 was=str(from_cents(before)))
    else:
        _resolve(difference, actor, Resolution.ACCEPTED)
    return difference


def link(*, actor, difference: Difference, contribution: Contribution) -> Difference:
    """The entry IS this contribution (booked under another reference): booked with that entry id; its
    amount and period become the register's, the budget follows."""
    _open(difference, Outcome.UNKNOWN_IN_REGISTER)
    if contribution.employer_id != difference.employer_id or contribution.status not in LINKABLE \
            or contribution.entry_id is not None or not difference.entry_id:
        raise ReconciliationError(_("Only a contribution of this employer that is not booked yet can be linked."))
    if difference.employee_id is None or contribution.employee_id != difference.employee_id:
        raise ReconciliationError(_("The entry is for another employee than this contribution."))
    _ensure_open(contribution.employer_id, contribution.period)
    _ensure_open(contribution.employer_id, difference.period)
    before = {"status": contribution.status, "amount": str(contribution.amount), "period": contribution.period}
    funding.mark_booked(contribution, entry_id=difference.entry_id, booked_at=utcnow())
    if difference.register_cents and difference.register_cents != contribution.amount_cents:
        _correct(contribution, difference.register_cents - contribution.amount_cents, actor)
        contribution.amount_cents = difference.register_cents
    if difference.period:
        contribution.period = difference.period  # a run of that period finds it there
    difference.contribution_id = contribution.id
    _resolve(difference, actor, Resolution.LINKED, contribution=contribution.reference, was=before,
             amount=str(contribution.amount), period=contribution.period)
    return difference


def record_outside(*, actor, difference: Difference, note: str | None, today: date) -> Difference:
    """The entry stands as an approved co-funding booked outside the app: it counts in the budget."""
    _open(difference, Outcome.UNKNOWN_IN_REGISTER)
    if difference.employee_id is None:
        raise ReconciliationError(_("The person of this entry is not on your staff list: add them first, "
                                    "or write the difference off."))
    cents = difference.register_cents or 0
    if cents <= 0 or not difference.entry_id or not difference.period:
        raise ReconciliationError(_("Only an entry with a positive amount can be recorded."))
    _ensure_open(difference.employer_id, difference.period)
    reference = _outside_reference(difference)
    kind = difference.entry_kind if difference.entry_kind in (Kind.TOP_UP, Kind.COURSE_FEE) else Kind.TOP_UP
    year = int(difference.period[:4])
    request = FundingRequest(
        employer_id=difference.employer_id, employee_id=difference.employee_id, year=year, asked_on=today,
        kind=kind, cost_cents=cents, employer_cents=cents, status=FundingStatus.APPROVED,
        note=note or _("Booked outside the app (register entry %(entry)s).", entry=difference.entry_id),
        requested_by_id=actor.id, first_decided_by_id=actor.id, decided_by_id=actor.id, decided_at=utcnow())
    db.session.add(request)
    db.session.flush()
    db.session.add(FundingPart(funding_request_id=request.id, source=Source.EMPLOYER, amount_cents=cents))
    contribution = Contribution(
        employer_id=difference.employer_id, employee_id=difference.employee_id, funding_request_id=request.id,
        reference=reference, idempotency_key=f"outside-{uuid.uuid4().hex}",
        kind=kind, registry_id=difference.registry_id, amount_cents=cents, period=difference.period,
        status=ContributionStatus.PENDING)
    db.session.add(contribution)
    db.session.flush()
    budget.reserve(request, from_cents(cents), actor=actor)
    funding.mark_booked(contribution, entry_id=difference.entry_id, booked_at=utcnow())
    difference.contribution_id = contribution.id
    _resolve(difference, actor, Resolution.BOOKED_OUTSIDE, note, contribution=contribution.reference)
    return difference


def _outside_reference(difference: Difference) -> str:
    """The register's reference when it fits and is free here; else its entry id (runs match the entry id
    first, so either way the next run finds the contribution)."""
    for reference in (difference.reference, difference.entry_id):
        if reference and len(reference) <= REFERENCE_SIZE and db.session.scalar(select(Contribution.id).where(
                Contribution.employer_id == difference.employer_id, Contribution.reference == reference)) is None:
            return reference
    raise ReconciliationError(_("This entry's reference is already used here; write the difference off or ask "
                                "the register to reverse the entry."))


def ask_reversal(*, actor, difference: Difference, reason: str, client: RegisterClient | None = None) -> Difference:
    """An entry booked by mistake: the register reverses it, once. The key is committed before asking (with
    what the caller has pending: nothing, from a view), so it outlives a lost answer and asking again reuses
    it; no transaction stays open while the register is asked."""
    _open(difference, Outcome.UNKNOWN_IN_REGISTER)
    reason = _reason(reason)
    if not difference.reversal_key:
        difference.reversal_key = uuid.uuid4().hex
    entry_id, key = difference.entry_id, difference.reversal_key
    employer = db.session.get(Employer, difference.employer_id)
    own = client is None
    if own:
        client = RegisterClient.for_employer(employer, budget_seconds=ACTION_BUDGET_SECONDS)
    db.session.commit()
    try:
        entry = client.reverse(entry_id, reason, key)
    except RegisterError as error:
        if not (error.status == 409 and error.code == "already_reversed"):
            raise ReconciliationError(_register_message(error)) from error
        entry = {"entry_id": None}
    finally:
        if own:
            client.close()
    _resolve(difference, actor, Resolution.WRITTEN_OFF, reason, reversal=entry.get("entry_id"))
    return difference


def write_off(*, actor, difference: Difference, reason: str) -> Difference:
    """Leave it as it is. A contribution missing at the register is cancelled and its budget comes back."""
    _open(difference)
    reason = _reason(reason)
    contribution = difference.contribution
    if difference.kind == Outcome.MISSING_IN_REGISTER and contribution is not None:
        _ensure_open(contribution.employer_id, contribution.period)
        if contribution.status == ContributionStatus.BOOKED:
            _correct(contribution, -contribution.amount_cents, actor)
        elif contribution.status in NOT_BOOKED:
            budget.release(contribution.funding_request, contribution.amount, actor=actor,
                           contribution=contribution)
        else:
            raise ReconciliationError(_("This contribution can no longer be written off."))
        contribution.status = ContributionStatus.CANCELLED
    _resolve(difference, actor, Resolution.WRITTEN_OFF, reason)
    return difference


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReconciliationError(_("Give a reason."))
    if len(reason) > 500:
        raise ReconciliationError(_("The reason is too long (500 characters at most)."))
    return reason
