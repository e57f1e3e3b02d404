"""The budget ledger has one writer, ``ila_sme/funding/budget.py``: no other module builds, inserts, updates or
deletes ``BudgetEntry`` rows. What each of its moves writes, the amounts it refuses, and the position read."""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from ila_sme.extensions import db
from ila_sme.funding import budget, reports, services
from ila_sme.funding.models import BudgetEntry, BudgetMove, Contribution
from tests.funding.conftest import YEAR, count

PACKAGE = Path(__file__).resolve().parents[2] / "ila_sme"
WRITER = PACKAGE / "funding" / "budget.py"
BULK = {"insert", "update", "delete"}
RAW_SQL = re.compile(r"\b(insert\s+into|update|delete\s+from)\s+\"?budget_entries\b", re.IGNORECASE)


def _names_budget_entry(node: ast.AST) -> bool:
    """``BudgetEntry``, ``models.BudgetEntry`` or ``BudgetEntry.__table__``."""
    if isinstance(node, ast.Attribute) and node.attr == "__table__":
        node = node.value
    return (isinstance(node, ast.Name) and node.id == "BudgetEntry") or (
        isinstance(node, ast.Attribute) and node.attr == "BudgetEntry")


def ledger_writes(source: str) -> list[int]:
    """The lines of ``source`` that write the budget ledger: a BudgetEntry(...) built, insert/update/delete of
    it (SQLAlchemy core), or raw SQL that changes budget_entries."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if _names_budget_entry(node.func) or (called in BULK and node.args and _names_budget_entry(node.args[0])):
                lines.append(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and RAW_SQL.search(node.value):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("source, found", [
    ("db.session.add(BudgetEntry(kind='release'))", [1]),
    ("from ila_sme.funding import models\nx = models.BudgetEntry(amount_cents=1)", [2]),
    ("db.session.execute(insert(BudgetEntry).values(amount_cents=1))", [1]),
    ("db.session.execute(sa.update(BudgetEntry.__table__).values(amount_cents=1))", [1]),
    ("db.session.execute(delete(BudgetEntry))", [1]),
    ("db.session.execute(text('UPDATE budget_entries SET amount_cents = 0'))", [1]),
    ("rows = select(BudgetEntry.kind).where(BudgetEntry.year == 2026)", []),
    ("db.session.execute(update(Contribution).values(status='cancelled'))", []),
])
def test_the_guard_sees_every_way_of_writing_the_ledger(source, found):
    assert ledger_writes(source) == found


def test_only_funding_budget_writes_the_budget_ledger():
    writers = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = ledger_writes(path.read_text(encoding="utf-8"))
        if lines:
            writers[str(path.relative_to(PACKAGE.parent))] = lines
    assert set(writers) == {"ila_sme/funding/budget.py"}, writers


# The moves ------------------------------------------------------------------------------------


def rows(funding) -> list[tuple]:
    return [(e.kind, e.amount_cents, e.year, e.employer_id, e.contribution_id, e.actor_id)
            for e in db.session.scalars(select(BudgetEntry).where(BudgetEntry.funding_request_id == funding.id)
                                        .order_by(BudgetEntry.id))]


def test_each_move_writes_one_row_of_the_fundings_year_and_the_position_follows(world):
    funding = world.top_up("400.00")  # asked, not approved: nothing in the ledger yet
    contribution = Contribution(employer_id=funding.employer_id, employee_id=funding.employee_id,
                                funding_request_id=funding.id, reference="C-TEST-1", idempotency_key="k-test-1",
                                kind=funding.kind, amount_cents=40000, period="2026-03")
    db.session.add(contribution)
    db.session.flush()
    employer, actor = world.employer.id, world.admin

    budget.reserve(funding, Decimal("400.00"), actor=actor)
    assert budget.position(world.employer, YEAR) == budget.Position(Decimal("10000.00"), Decimal("400.00"),
                                                                    Decimal("0.00"))
    budget.consume(contribution, Decimal("250.00"))
    budget.release(funding, Decimal("150.00"), actor=actor, contribution=contribution)
    budget.correct(contribution, Decimal("-20.50"), actor=actor)

    assert rows(funding) == [
        (BudgetMove.RESERVATION, 40000, YEAR, employer, None, actor.id),
        (BudgetMove.CONSUMPTION, 25000, YEAR, employer, contribution.id, None),
        (BudgetMove.RELEASE, 15000, YEAR, employer, contribution.id, actor.id),
        (BudgetMove.CORRECTION, -2050, YEAR, employer, contribution.id, actor.id),
    ]
    position = budget.position(world.employer, YEAR)
    assert (position.reserved, position.booked, position.remaining) == (
        Decimal("0.00"), Decimal("229.50"), Decimal("9770.50"))
    assert services.budget_position(world.employer, YEAR) == position  # the name other features use
    assert position.budget == world.policy.budget


def test_the_position_of_a_year_without_policy_or_moves_is_zero(world):
    assert budget.position(world.employer, YEAR + 1) == budget.Position(Decimal("0.00"), Decimal("0.00"),
                                                                        Decimal("0.00"))


@pytest.mark.parametrize("move, amount, error", [
    ("reserve", 400.0, TypeError),  # money is never a float
    ("reserve", 400, TypeError),
    ("reserve", Decimal("0.00"), ValueError),
    ("reserve", Decimal("-1.00"), ValueError),
    ("release", Decimal("-1.00"), ValueError),
    ("release", Decimal("1.005"), ValueError),  # never rounded into the ledger
    ("correct", Decimal("0"), ValueError),
    ("correct", Decimal("NaN"), ValueError),
])
def test_a_wrong_amount_is_refused_and_writes_nothing(world, move, amount, error):
    funding = world.approved_top_up("100.00")
    before = count(BudgetEntry)
    target = db.session.scalar(select(Contribution).where(Contribution.funding_request_id == funding.id)) \
        if move == "correct" else funding
    with pytest.raises(error):
        getattr(budget, move)(target, amount, actor=world.admin)
    assert count(BudgetEntry) == before


def test_the_budget_page_and_the_position_fold_the_moves_alike(world):
    first, second = world.approved_top_up("600.00", world.colleague), world.approved_top_up("300.00")
    contribution = db.session.scalar(select(Contribution).where(Contribution.funding_request_id == first.id))
    services.mark_booked(contribution, entry_id="E-1", booked_at=contribution.created_at)
    budget.correct(contribution, Decimal("-50.00"))
    services.cancel(actor=world.admin, funding=second)

    report = reports.budget_report(world.employer, YEAR)
    position = budget.position(world.employer, YEAR)
    assert (report.position.reserved, report.position.booked) == (Decimal("0.00"), Decimal("550.00"))
    assert sum((line.booked for line in report.employees), Decimal("0")) == position.booked
    assert sum((line.reserved for line in report.months), Decimal("0")) == position.reserved
