"""allocate_year and close_periods: idempotent, one transaction per employer, failures isolated."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.identifiers import make_kbo
from ila_sme.leave import jobs, ledger
from ila_sme.leave.models import EntryKind, LedgerEntry
from ila_sme.schemes import services as schemes
from tests import factories

TODAY = date(2026, 3, 2)  # calendar year 2026, school year 2025-26


def _rows(**where) -> list[LedgerEntry]:
    query = select(LedgerEntry).order_by(LedgerEntry.id)
    for name, value in where.items():
        query = query.where(getattr(LedgerEntry, name) == value)
    return list(db.session.scalars(query))


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerEntry))


def _sum(employee, scheme, period) -> Decimal:
    return ledger.balance(employee.id, scheme, period).remaining


def test_allocate_adds_the_periods_rows_once(app, staff):
    result = jobs.allocate_year(TODAY)
    assert result.ok
    by_name = {run.name: run for run in result.runs}
    # three active bakers × (training right "legal" + VOV); the one who left gets nothing
    assert by_name["Bakkerij Jobs"].added == {"training_right 2026: allocation": 3, "vov 2025-26: allocation": 3}
    assert by_name["Installateur Jobs"].added == {"training_right 2026: allocation": 1,
                                                  "vov 2025-26: allocation": 1}
    assert result.total == 8 == _count()
    assert _sum(staff["full"], "training_right", "2026") == Decimal("1.00")
    assert _sum(staff["four_fifths"], "training_right", "2026") == Decimal("0.80")
    assert _sum(staff["four_fifths"], "vov", "2025-26") == Decimal("100.00")
    assert _sum(staff["ivo"], "training_right", "2026") == Decimal("5.00")
    assert _rows(employee_id=staff["left"].id) == []

    again = jobs.allocate_year(TODAY)
    assert again.ok and again.total == 0
    assert all(run.total == 0 for run in again.runs)
    assert _count() == 8


def test_the_daily_run_adds_each_new_period_on_its_first_day(app, staff):
    """The job runs every night: 1 September starts the VOV school year, 1 January the training right's year."""
    jobs.allocate_year(date(2026, 8, 31))
    assert {(row.scheme, row.period) for row in _rows(employee_id=staff["full"].id)} == {
        ("training_right", "2026"), ("vov", "2025-26")}
    assert jobs.allocate_year(date(2026, 9, 1)).runs[0].added == {"vov 2026-27: allocation": 3}
    assert jobs.allocate_year(date(2026, 9, 2)).total == 0
    assert jobs.allocate_year(date(2027, 1, 1)).runs[0].added == {"training_right 2027: allocation": 3}
    assert _sum(staff["four_fifths"], "vov", "2026-27") == Decimal("100.00")


def test_an_employer_set_up_before_leave_types_were_gets_them_from_the_job(app, staff):
    older = Employer(name="Ouder BV", enterprise_number=make_kbo(9_999_001), region="flanders",
                     average_fte=Decimal("5"))
    db.session.add(older)
    db.session.flush()
    baker = factories.employee(older, first_name="Oscar")
    db.session.commit()
    assert schemes.leave_types(older) == []  # reading makes none
    result = jobs.allocate_year(TODAY, employer=older)
    assert [t.kind for t in schemes.leave_types(older)] == ["training", "career_guidance", "evc"]
    assert result.runs[0].added == {"training_right 2026: allocation": 1, "vov 2025-26: allocation": 1}
    assert {row.scheme for row in _rows(employee_id=baker.id)} == {"training_right", "vov"}


def test_allocate_for_one_employer_touches_no_other(app, staff):
    result = jobs.allocate_year(TODAY, employer=staff["installer"])
    assert [run.name for run in result.runs] == ["Installateur Jobs"]
    assert {row.employee_id for row in _rows()} == {staff["ivo"].id}


def test_allocate_follows_the_schemes_in_use(app, staff):
    for leave_type in schemes.leave_types(staff["bakery"]):
        leave_type.scheme = "training_right"
    db.session.commit()
    result = jobs.allocate_year(TODAY, employer=staff["bakery"])
    assert result.runs[0].added == {"training_right 2026: allocation": 3}
    assert {row.scheme for row in _rows()} == {"training_right"}


def test_close_periods_carries_training_days_over_and_lets_vov_hours_expire(app, staff):
    full, bakery = staff["full"], staff["bakery"]
    # last calendar year (training right) and last school year (VOV), with some of it used
    from ila_sme.schemes import services as schemes

    ledger.ensure_allocation(full, bakery, "training_right", schemes.period_by_label("training_right", "2025"))
    ledger.ensure_allocation(full, bakery, "vov", schemes.period_by_label("vov", "2024-25"))
    ledger.add(full, scheme="vov", period="2024-25", kind=EntryKind.CONSUMPTION, amount=Decimal("-40"))
    ledger.add(full, scheme="training_right", period="2025", kind=EntryKind.CONSUMPTION, amount=Decimal("-0.5"))
    db.session.commit()
    before = _count()

    result = jobs.close_periods(date(2026, 1, 15))  # previous periods: 2025 and 2024-25
    assert result.ok
    run = next(run for run in result.runs if run.name == "Bakkerij Jobs")
    assert run.added == {"training_right 2025: carry_over": 2, "vov 2024-25: expiry": 1}
    assert _sum(full, "training_right", "2025") == Decimal("0.00")
    [carried_in] = _rows(employee_id=full.id, scheme="training_right", period="2026", kind="carry_over")
    assert carried_in.amount == Decimal("0.50") and carried_in.reason_text == "carried over from 2025"
    [expired] = _rows(employee_id=full.id, scheme="vov", period="2024-25", kind="expiry")
    assert expired.amount == Decimal("-85.00")
    assert _sum(full, "vov", "2024-25") == Decimal("0.00")
    assert _count() == before + 3

    again = jobs.close_periods(date(2026, 1, 15))
    assert again.ok and again.total == 0
    assert _count() == before + 3


def test_one_employer_failing_leaves_the_others_done(app, staff, monkeypatch):
    real = jobs.ledger.ensure_allocation

    def broken_for_the_bakery(employee, employer, scheme, period):
        rows = real(employee, employer, scheme, period)
        if employer.name == "Bakkerij Jobs" and employee.id == staff["half"].id:
            raise RuntimeError("disk full")
        return rows

    monkeypatch.setattr(jobs.ledger, "ensure_allocation", broken_for_the_bakery)
    result = jobs.allocate_year(TODAY)
    assert not result.ok
    [failed] = result.failures
    assert failed.name == "Bakkerij Jobs" and failed.error == "RuntimeError: disk full" and failed.total == 0
    db.session.expire_all()
    assert {row.employee_id for row in _rows()} == {staff["ivo"].id}  # the bakery's rows rolled back
    monkeypatch.undo()
    assert jobs.allocate_year(TODAY).total == 6  # the rerun finishes the bakery, adds nothing else
