"""The budget ledger: the only module that writes ``BudgetEntry`` rows, and the reads of a year's position.

Every feature that moves the co-funding budget calls it, like the leave features call ``leave/ledger.py``:
funding (approve, cancel, book), the reconciliation (accept, record outside, write off, a reversal seen at
the register) and the statements (adjustments in the next open month). The budget page is
``budget_views.py``; its per-employee and per-month figures are ``reports.py``, folded by ``split`` below.

Amounts are Decimal euros here and integer cents in the table; never a float. Rows are never edited.
Reserved = reservations - releases - consumptions; booked = consumptions + corrections (signed);
remaining = budget - reserved - booked. The caller owns the transaction: each writer adds and flushes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from ila_sme.extensions import db
from ila_sme.funding.models import BudgetEntry, BudgetMove, CofundingPolicy, Contribution, FundingRequest
from ila_sme.money import CENT, from_cents, to_cents

# How each move counts in "reserved" and in "booked" (a move not listed counts 0).
RESERVED_SIGN = {BudgetMove.RESERVATION: 1, BudgetMove.RELEASE: -1, BudgetMove.CONSUMPTION: -1}
BOOKED_SIGN = {BudgetMove.CONSUMPTION: 1, BudgetMove.CORRECTION: 1}


# Reading -------------------------------------------------------------------------------------


def split(cents_by_move: Mapping[str, int]) -> tuple[int, int]:
    """(reserved, booked) in cents from the summed cents of each move."""
    reserved = sum(RESERVED_SIGN.get(move, 0) * cents for move, cents in cents_by_move.items())
    booked = sum(BOOKED_SIGN.get(move, 0) * cents for move, cents in cents_by_move.items())
    return reserved, booked


@dataclass(frozen=True)
class Position:
    budget: Decimal
    reserved: Decimal
    booked: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.reserved - self.booked


def position(employer, year: int, *, budget_cents: int | None = None) -> Position:
    """The year's budget (0 without a policy), what is reserved, what is booked. ``budget_cents``: the policy's,
    when the caller holds it."""
    if budget_cents is None:
        budget_cents = db.session.scalar(select(CofundingPolicy.budget_cents).where(
            CofundingPolicy.employer_id == employer.id, CofundingPolicy.year == year))
    sums = dict(db.session.execute(
        select(BudgetEntry.kind, func.coalesce(func.sum(BudgetEntry.amount_cents), 0))
        .where(BudgetEntry.employer_id == employer.id, BudgetEntry.year == year).group_by(BudgetEntry.kind)
    ).all())
    reserved, booked = split(sums)
    return Position(from_cents(budget_cents or 0), from_cents(reserved), from_cents(booked))


def position_figures(employer, year: int) -> list:
    """``position``'s figures as scalar subqueries, for a caller that reads them with its other figures in one
    statement: the policy's budget (NULL without a policy), then the summed cents of each move."""
    figures = [select(CofundingPolicy.budget_cents).where(CofundingPolicy.employer_id == employer.id,
                                                          CofundingPolicy.year == year).scalar_subquery()]
    for move in BudgetMove:
        figures.append(select(func.coalesce(func.sum(BudgetEntry.amount_cents), 0)).where(
            BudgetEntry.employer_id == employer.id, BudgetEntry.year == year, BudgetEntry.kind == move)
            .scalar_subquery())
    return figures


def position_from(values) -> tuple[bool, Position]:
    """(a policy is set, the position) from the values of ``position_figures``, in their order."""
    budget_cents, *sums = values
    reserved, booked = split(dict(zip(BudgetMove, sums, strict=True)))
    return budget_cents is not None, Position(from_cents(budget_cents or 0), from_cents(reserved), from_cents(booked))


# Writing -------------------------------------------------------------------------------------


def _cents(amount: Decimal, *, signed: bool = False) -> int:
    """Whole cents of a Decimal amount: positive, or (``signed``) anything but zero. A caller's mistake
    (a float, a fraction of a cent, a wrong sign) raises: it is never rounded into the ledger."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"a budget amount is a Decimal, not {type(amount).__name__}")
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValueError(f"a budget amount is whole cents: {amount}")
    cents = to_cents(amount)
    if cents == 0 or (cents < 0 and not signed):
        raise ValueError(f"a budget move of {amount} is not allowed here")
    return cents


def _write(move: BudgetMove, cents: int, funding: FundingRequest, *, contribution: Contribution | None,
           actor) -> BudgetEntry:
    entry = BudgetEntry(employer_id=funding.employer_id, year=funding.year, kind=move, amount_cents=cents,
                        funding_request_id=funding.id, contribution_id=getattr(contribution, "id", None),
                        actor_id=getattr(actor, "id", None))
    db.session.add(entry)
    db.session.flush()
    return entry


def reserve(funding: FundingRequest, amount: Decimal, *, actor) -> BudgetEntry:
    """The final approval promises ``amount`` of the funding's year."""
    return _write(BudgetMove.RESERVATION, _cents(amount), funding, contribution=None, actor=actor)


def release(funding: FundingRequest, amount: Decimal, *, actor=None,
            contribution: Contribution | None = None) -> BudgetEntry:
    """The promise undone: a cancellation, a write-off, a reversal of what was not booked yet."""
    return _write(BudgetMove.RELEASE, _cents(amount), funding, contribution=contribution, actor=actor)


def consume(contribution: Contribution, amount: Decimal, *, actor=None) -> BudgetEntry:
    """The register booked the contribution: its reservation becomes booked."""
    return _write(BudgetMove.CONSUMPTION, _cents(amount), contribution.funding_request,
                  contribution=contribution, actor=actor)


def correct(contribution: Contribution, amount: Decimal, *, actor=None) -> BudgetEntry:
    """The booked amount moves by ``amount`` (signed): the register's amount accepted, a reversal reflected,
    an adjustment of a closed month. Its reason lives where the correction was decided (the difference,
    the adjustment), linked by the contribution."""
    return _write(BudgetMove.CORRECTION, _cents(amount, signed=True), contribution.funding_request,
                  contribution=contribution, actor=actor)

