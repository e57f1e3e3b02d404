"""Closing a period: nothing booked in it changes, corrections become adjustments in the next open period,
and the closed period's statement exported again is the same, line for line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ila_sme.extensions import db
from ila_sme.funding import periods
from ila_sme.funding import services as funding
from ila_sme.funding.models import BudgetEntry, ClosedPeriod, Contribution, ContributionStatus
from ila_sme.reconciliation import actions, adjustments
from ila_sme.reconciliation.models import Adjustment, ReconciliationItem
from tests import factories
from tests.statements.conftest import TODAY
from tests.statements.helpers import csv_amount, csv_lines, csv_rows, export

GENERATED = b"Generated at,"


def close(books, period: str = "2026-Q3"):
    rows = periods.close(actor=books.accountant, employer=books.employer, period=period, today=TODAY)
    db.session.commit()
    return rows


def without_generated_at(data: bytes) -> list[bytes]:
    return [line for line in data.split(b"\r\n") if not line.startswith(GENERATED)]


def test_closing_a_quarter_closes_its_months_and_keeps_the_budget_position(books):
    rows = close(books)
    assert [row.month for row in rows] == ["2026-07", "2026-08", "2026-09"]
    assert rows[0].closed_by_id == books.accountant.id
    assert rows[-1].position == {"year": 2026, "budget": 1000000, "reserved": 0, "booked": 147394}
    with pytest.raises(periods.PeriodError, match="Period 2026-Q3 is already closed"):
        close(books)


@pytest.mark.parametrize("period", ["2026-10", "2026-Q4", "2026"])
def test_a_period_not_over_cannot_be_closed(books, period):
    with pytest.raises(periods.PeriodError, match="is not over yet"):
        close(books, period)
    assert ClosedPeriod.query.count() == 0


def test_a_period_with_contributions_waiting_for_the_register_cannot_be_closed(books):
    books.book(books.wim, period="2026-08", cents=500, status=ContributionStatus.PENDING)
    with pytest.raises(periods.PeriodError, match="still has 1 contributions waiting"):
        close(books)
    assert ClosedPeriod.query.count() == 0


def _mismatch(books, contribution, register_cents: int):
    return factories.difference(books.employer, kind="amount_mismatch", key=f"amount:{contribution.entry_id}",
                                reference=contribution.reference, entry_id=contribution.entry_id,
                                contribution_id=contribution.id, employee_id=contribution.employee_id,
                                period=contribution.period, local_cents=contribution.amount_cents,
                                register_cents=register_cents)


def test_changing_a_booked_amount_of_a_closed_period_is_refused(books):
    august = books.contributions[2]
    difference = _mismatch(books, august, 13000)
    db.session.commit()
    close(books)
    budget_rows = BudgetEntry.query.count()
    with pytest.raises(actions.ReconciliationError) as refused:
        actions.accept(actor=books.accountant, difference=difference)
    assert str(refused.value) == ("Period 2026-08 is closed: its booked amounts no longer change. Record the "
                                  "correction as an adjustment in the next open period (2026-10).")
    db.session.rollback()
    assert db.session.get(Contribution, august.id).amount_cents == 12345
    assert difference.is_open and BudgetEntry.query.count() == budget_rows
    with pytest.raises(actions.ReconciliationError, match="Period 2026-08 is closed"):
        actions.write_off(actor=books.accountant, difference=factories.difference(
            books.employer, kind="missing_in_register", key=f"missing:{august.reference}",
            contribution_id=august.id, period="2026-08"), reason="gone")
    db.session.rollback()
    assert db.session.get(Contribution, august.id).status == ContributionStatus.BOOKED


def test_a_closed_period_books_nothing_new(books):
    late = books.book(books.wim, period="2026-09", cents=700, status=ContributionStatus.CANCELLED, outcome=None)
    late.status = ContributionStatus.FAILED
    db.session.commit()
    db.session.add(ClosedPeriod(employer_id=books.employer.id, month="2026-09", closed_at=datetime.now(UTC)))
    db.session.commit()
    with pytest.raises(funding.FundingError, match="Period 2026-09 is closed"):
        funding.mark_booked(late, entry_id="L-LATE", booked_at=datetime.now(UTC))


def test_the_correction_is_an_adjustment_in_the_next_open_period(books):
    august = books.contributions[2]
    difference = _mismatch(books, august, 13000)
    db.session.commit()
    close(books)
    adjustment = adjustments.adjust(actor=books.accountant, contribution=august, amount=Decimal("6.55"),
                                    reason="the register's amount", difference=difference)
    db.session.commit()
    assert (adjustment.period, adjustment.corrects_period, adjustment.amount_cents) == ("2026-10", "2026-08", 655)
    assert not difference.is_open and august.amount_cents == 12345
    assert funding.budget_position(books.employer, 2026).booked == Decimal("1480.49")
    data, entry = export(books, "2026-10", "csv", separator=",")
    _, lines, _ = csv_lines(csv_rows(data))
    assert len(lines) == 1
    assert lines[0][1] == august.reference and lines[0][6] == f"Adjustment of {august.reference} (2026-08)"
    assert csv_amount(lines[0][8]) == Decimal("6.55") and lines[0][11] == "the register's amount"
    assert entry.totals["overall"] == "6.55"


@pytest.mark.parametrize(("amount", "reason", "message"), [
    (Decimal("0"), "why", "An adjustment of zero changes nothing"),
    (Decimal("5"), " ", "Give a reason"),
    (Decimal("-200"), "too much", "below zero"),
])
def test_a_wrong_adjustment_is_refused(books, amount, reason, message):
    close(books)
    with pytest.raises(adjustments.AdjustmentError, match=message):
        adjustments.adjust(actor=books.accountant, contribution=books.contributions[2], amount=amount, reason=reason)
    assert Adjustment.query.count() == 0


def test_an_open_period_is_not_adjusted(books):
    with pytest.raises(adjustments.AdjustmentError, match="Period 2026-08 is open"):
        adjustments.adjust(actor=books.accountant, contribution=books.contributions[2], amount=Decimal("1"),
                           reason="why")


def test_a_closed_period_exported_again_is_identical_but_for_the_generated_at_time(books):
    close(books)
    first, _ = export(books, "2026-Q3", "csv", generated_at=datetime(2026, 10, 5, 8, tzinfo=UTC))
    # Afterwards: a correction (next period), a later reconciliation run with another outcome, more budget.
    august = books.contributions[2]
    adjustments.adjust(actor=books.accountant, contribution=august, amount=Decimal("-3.45"), reason="credit note")
    after_closing = datetime.now(UTC) + timedelta(seconds=1)
    later = factories.reconciliation_run(books.employer, started_at=after_closing, finished_at=after_closing)
    db.session.add(ReconciliationItem(run_id=later.id, outcome="reversed", contribution_id=august.id,
                                      reference=august.reference, period="2026-08"))
    books.book(books.wim, period="2026-10", cents=4000)
    db.session.commit()
    again, _ = export(books, "2026-Q3", "csv", generated_at=datetime(2026, 11, 1, 9, tzinfo=UTC))
    assert again != first
    assert without_generated_at(again) == without_generated_at(first)
    pinned = datetime(2026, 11, 2, tzinfo=UTC)
    assert export(books, "2026-Q3", "pdf", generated_at=pinned)[0] == export(books, "2026-Q3", "pdf",
                                                                              generated_at=pinned)[0]


def test_a_reversal_of_a_closed_period_becomes_an_adjustment(books):
    from ila_sme.reconciliation.engine import _Run

    close(books)
    july = books.contributions[0]
    run = _Run.__new__(_Run)
    for _ in range(2):  # found again by the next run: adjusted once
        run._reflect_reversal(july, {"entry_id": july.entry_id})
    db.session.commit()
    assert july.status == ContributionStatus.BOOKED
    rows = Adjustment.query.all()
    assert [(row.period, row.amount_cents, row.kind) for row in rows] == [("2026-10", -15000, "reversal")]
    _, lines, _ = csv_lines(csv_rows(export(books, "2026-10", "csv", separator=",")[0]))
    assert lines[0][6] == f"Adjustment of {july.reference} (2026-07)" and lines[0][11] == "Reversed by the register"
