"""Set-up, not a page view, makes the rows a page needs: a new employer its default leave types, a new
employee (form, CSV import) or a changed contract the current period's allocation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.employers import services as employers
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.identifiers import make_insz, make_kbo
from ila_sme.leave.models import LedgerEntry
from ila_sme.people import employment
from ila_sme.people import services as people
from ila_sme.people.history import five_day_pattern
from ila_sme.schemes import services as schemes
from tests import factories

TODAY = date(2026, 3, 2)  # calendar year 2026, school year 2025-26


@pytest.fixture
def bakery(app):
    employer = factories.employer("Bakkerij Opzet", average_fte=Decimal("12"))
    admin = factories.user("admin@opzet.be", roles={employer: ["admin", "manager"]})
    db.session.commit()
    return employer, admin


def _data(n: int, **fields) -> dict:
    values = {"first_name": f"Nieuw{n}", "last_name": "Opzet", "national_number": make_insz(date(1990, 1, n), n),
              "employment_pct": Decimal("80"), "hours_per_week": Decimal("30.4"), "contract_start": date(2024, 1, 1)}
    values.update(fields)
    return values


def _allocations(employee) -> list[tuple[str, str, Decimal]]:
    return [(row.scheme, row.period, row.amount) for row in db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.employee_id == employee.id, LedgerEntry.kind == "allocation")
        .order_by(LedgerEntry.scheme, LedgerEntry.id))]


def test_a_new_employer_has_its_default_leave_types(app):
    employer = employers.create_employer(actor=None, today=TODAY, name="Nieuw BV",
                                         enterprise_number="0403170701", region="flanders")
    assert [(t.kind, t.scheme) for t in schemes.leave_types(employer)] == [
        ("training", "vov"), ("career_guidance", "training_right"), ("evc", "vov")]
    walloon = employers.create_employer(actor=None, today=TODAY, name="Wallon SA",
                                        enterprise_number=make_kbo(7_777_001), region="wallonia")
    assert {t.scheme for t in schemes.leave_types(walloon)} == {"training_right"}  # no VOV outside Flanders
    employers.set_up(employer, TODAY)  # again: nothing more
    assert len(schemes.leave_types(employer, active_only=False)) == 3


def test_create_admin_sets_the_new_employer_up(app):
    result = app.test_cli_runner().invoke(args=[
        "users", "create-admin", "--email", "owner@example.be", "--name", "Owner", "--password", "a long password",
        "--employer", "0403.170.701", "--employer-name", "Nieuw BV"])
    assert result.exit_code == 0, result.output
    employer = db.session.scalar(select(Employer).where(Employer.enterprise_number == "0403170701"))
    assert [t.kind for t in schemes.leave_types(employer)] == ["training", "career_guidance", "evc"]


def test_a_new_employee_is_allocated_the_current_period(bakery):
    employer, admin = bakery
    employee = people.create_employee(actor=admin, employer=employer, data=_data(1), today=TODAY)
    db.session.commit()
    assert _allocations(employee) == [("training_right", "2026", Decimal("0.80")),  # 1 day × 80 % × 12/12
                                      ("vov", "2025-26", Decimal("100.00"))]  # 125 h × 80 %


def test_an_import_allocates_every_new_employee(bakery):
    employer, admin = bakery
    result = people.import_employees(actor=admin, employer=employer, today=TODAY,
                                     rows=[(2, _data(2)), (3, _data(3, employment_pct=Decimal("50")))])
    db.session.commit()
    assert result.ok
    assert [_allocations(employee)[1] for employee in result.created] == [
        ("vov", "2025-26", Decimal("100.00")),
        ("vov", "2025-26", Decimal("0.00"))]  # 50 %: below the VOV conditions, a zero row that says why


def test_a_contract_change_allocates_what_is_missing_and_a_name_change_does_not(bakery):
    employer, admin = bakery
    employee = factories.employee(employer, contract_start=date(2024, 1, 1))  # stored before set-up allocated
    db.session.commit()
    people.update_employee(actor=admin, employee=employee, today=TODAY,
                           data={**_data(4), "national_number": employee.national_number, "first_name": "Anders",
                                 "employment_pct": employee.employment_pct, "hours_per_week": employee.hours_per_week})
    assert _allocations(employee) == []
    employment.change_terms(actor=admin, employee=employee, valid_from=date(2024, 1, 1),
                            employment_pct=Decimal("80"), hours_per_week=Decimal("30.4"),
                            pattern=five_day_pattern(Decimal("30.4")), reason=None, today=TODAY)
    db.session.commit()
    assert _allocations(employee) == [("training_right", "2026", Decimal("0.80")),
                                      ("vov", "2025-26", Decimal("100.00"))]
