"""Corrections of a closed period: an ``Adjustment`` in the next open month, linked to the contribution
it corrects, with the budget correction row that makes the budget follow. The closed month itself is
never touched."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from ila_sme.audit.services import record
from ila_sme.extensions import db
from ila_sme.funding import budget, periods
from ila_sme.funding.models import Contribution, ContributionStatus
from ila_sme.money import from_cents, to_cents
from ila_sme.reconciliation.actions import _resolve
from ila_sme.reconciliation.models import Adjustment, AdjustmentKind, Outcome, Resolution


class AdjustmentError(periods.PeriodError):
    pass


def _book(contribution: Contribution, cents: int, *, kind: str, reason: str, actor=None,
          difference_id: int | None = None) -> Adjustment:
    period = periods.next_open_month(contribution.employer_id, contribution.period)
    adjustment = Adjustment(employer_id=contribution.employer_id, period=period, contribution_id=contribution.id,
                            corrects_period=contribution.period, kind=kind, amount_cents=cents, reason=reason,
                            difference_id=difference_id, created_by_id=getattr(actor, "id", None))
    db.session.add(adjustment)
    budget.correct(contribution, from_cents(cents), actor=actor)
    record("statements.adjustment", actor=actor, employer_id=contribution.employer_id, obj=adjustment,
           after={"contribution": contribution.reference, "corrects": contribution.period, "period": period,
                  "amount": str(adjustment.amount), "kind": kind, "reason": reason})
    return adjustment


def adjust(*, actor, contribution: Contribution, amount: Decimal, reason: str,
           difference=None) -> Adjustment:
    """The accountant corrects the booked amount of a contribution of a CLOSED month by ``amount`` (signed).
    With an open amount_mismatch ``difference`` of that contribution, it is resolved as accepted.
    The caller commits; an AdjustmentError changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise AdjustmentError(_("Give a reason."))
    if len(reason) > 500:
        raise AdjustmentError(_("The reason is too long (500 characters at most)."))
    if contribution.status != ContributionStatus.BOOKED:
        raise AdjustmentError(_("Only a booked contribution can be adjusted."))
    if not periods.is_closed(contribution.employer_id, contribution.period):
        raise AdjustmentError(_("Period %(period)s is open: change the contribution itself.",
                                period=contribution.period))
    try:
        cents = to_cents(amount)
    except (TypeError, ValueError) as error:
        raise AdjustmentError(_("Not an amount.")) from error
    if cents == 0:
        raise AdjustmentError(_("An adjustment of zero changes nothing."))
    effective = contribution.amount_cents + adjusted_cents(contribution.id)
    if effective + cents < 0:
        raise AdjustmentError(_("This adjustment would take %(reference)s below zero.",
                                reference=contribution.reference))
    if difference is not None:
        _accept(difference, contribution, actor, reason)
    return _book(contribution, cents, kind=AdjustmentKind.CORRECTION, reason=reason, actor=actor,
                 difference_id=getattr(difference, "id", None))


def _accept(difference, contribution: Contribution, actor, reason: str) -> None:
    if not difference.is_open or difference.contribution_id != contribution.id \
            or difference.kind != Outcome.AMOUNT_MISMATCH:
        raise AdjustmentError(_("This difference cannot be settled by an adjustment."))
    _resolve(difference, actor, Resolution.ACCEPTED, reason, adjusted=True)


def adjusted_cents(contribution_id: int) -> int:
    return sum(db.session.scalars(select(Adjustment.amount_cents).where(
        Adjustment.contribution_id == contribution_id)))


def reflect_reversal(contribution: Contribution, entry_id: str | None) -> Adjustment | None:
    """The register reversed an entry of a closed month (the reconciliation run found it): the booked amount
    is taken back by an adjustment in the next open month, once; the closed month is left as it was."""
    if db.session.scalar(select(Adjustment.id).where(Adjustment.contribution_id == contribution.id,
                                                     Adjustment.kind == AdjustmentKind.REVERSAL)) is not None:
        return None
    cents = contribution.amount_cents + adjusted_cents(contribution.id)
    if cents <= 0:
        return None
    return _book(contribution, -cents, kind=AdjustmentKind.REVERSAL,
                 reason=f"reversed by the register ({entry_id or contribution.entry_id})")
