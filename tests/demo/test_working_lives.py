"""The demo's working lives, as seeded through the real services: a Saturday worker, a regime change this year
that the ledger explains, a request over a public holiday, the bakery's closure — and one employee's whole
history replayed from the ledger rows alone."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.leave import ledger
from ila_sme.leave.balances import current_balances
from ila_sme.leave.models import EntryKind, LeaveRequest, LedgerEntry
from ila_sme.people.history import History
from ila_sme.people.models import EmployeeRecord
from ila_sme.schemes import services as schemes
from ila_sme.worktime import services as worktime
from tests.demo.test_seed_register import TODAY, _seed


@pytest.fixture
def demo(app):
    app.config.update(TODAY=TODAY, LEDGER_URL="http://127.0.0.1:9")  # the seed starts its own register
    _seed(app)
    return app


def _person(first: str, last: str) -> EmployeeRecord:
    return db.session.scalar(select(EmployeeRecord).where(EmployeeRecord.first_name == first,
                                                         EmployeeRecord.last_name == last))


def test_elifs_regime_change_is_a_recalculation_row_and_her_balances_replay_from_the_ledger(demo):
    elif_ = _person("Elif", "Kaya")
    history = History.of(elif_)
    assert [(span.terms.valid_from, span.terms.employment_pct) for span in history.spans()] == [
        (date(2022, 3, 1), Decimal("80.00")), (date(2026, 6, 1), Decimal("50.00"))]  # five months before TODAY
    rows = list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.employee_id == elif_.id)
                                   .order_by(LedgerEntry.created_at, LedgerEntry.id)))
    recalculated = [row for row in rows if row.kind == EntryKind.RECALCULATION]
    assert [(row.scheme, row.period, row.amount) for row in recalculated] == [
        ("training_right", "2026", Decimal("-0.53"))]
    change = recalculated[0].reason_message["args"]["change"]  # a message, said in the reader's language
    assert change["id"] == "people.regime_changed" and change["args"]["from_"] == "2026-06-01"
    assert "50 %" in recalculated[0].reason_text
    # 1 day per FTE (11.6 FTE) × (5 × 80 % + 7 × 50 %) / 12 = 0.625 -> 0.62 (rounded down), and the bakery's
    # own 2 extra days × the same = 1.25: 1.87 days, where 80 % all year gave 2.40.
    employer = elif_.employer
    target = sum((allocation.amount for allocation in schemes.allocations_for(
        "training_right", elif_, employer, schemes.period_by_label("training_right", "2026"))), Decimal("0"))
    assert target == Decimal("1.87")
    entitlement = sum((row.amount for row in rows if row.period == "2026"
                       and row.kind in (EntryKind.ALLOCATION, EntryKind.RECALCULATION)), Decimal("0"))
    assert entitlement == target

    # Replay: the rows alone, summed per scheme and period, are every balance the screens show.
    replayed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        replayed[(row.scheme, row.period)] += row.amount
        assert row.reason_text or row.request_id, f"a row that explains nothing: {row.kind}"
    for balance in current_balances(elif_, employer, TODAY):
        assert replayed[(balance.scheme, balance.period)] == balance.remaining
        assert ledger.balance(elif_.id, balance.scheme, balance.period).remaining == balance.remaining


def test_fatima_works_tuesday_to_saturday(demo):
    fatima = _person("Fatima", "El Amrani")
    monday = date(2026, 11, 16)
    counts = worktime.count_days(fatima, fatima.employer, monday, monday + timedelta(days=6))
    assert [count.days for count in counts] == [Decimal("0"), 1, 1, 1, 1, 1, 0]
    assert counts[0].skipped == "not_working" and counts[5].skipped is None


def test_mehmets_request_over_a_public_holiday_counts_the_other_day_and_says_why(demo):
    mehmet = _person("Mehmet", "Yilmaz")
    request = db.session.scalar(select(LeaveRequest).where(LeaveRequest.employee_id == mehmet.id,
                                                           LeaveRequest.start_date == date(2026, 11, 11)))
    assert request is not None and request.is_approved
    assert request.amount == Decimal("1.00")
    assert [(day["day"], day["skipped"]) for day in request.day_counts if day.get("skipped")] == [
        ("2026-11-11", "holiday")]


def test_the_bakery_closes_two_weeks_each_summer(demo):
    bakery = db.session.scalar(select(Employer).where(Employer.name == "Bakkerij Van Damme BV"))
    closed = worktime.closing_days(bakery, date(2026, 1, 1), date(2027, 12, 31))
    assert len(closed) == 28 and closed[0].day == date(2026, 7, 27) and closed[-1].day == date(2027, 8, 9)
