"""The rights computed from an employee's history: the training right month by month, the VOV reference
month, the headcount of the year, and rounding that never grants more than the right."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ila_sme.employers.models import EmployerHeadcount
from ila_sme.extensions import db
from ila_sme.messages import say
from ila_sme.people.history import ContractPeriod, History
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme, SchemeParameter
from tests import factories
from tests.support.history import change_terms, end_contract

YEAR_2026 = schemes.period_by_label(Scheme.TRAINING_RIGHT, "2026")
SCHOOL_YEAR = schemes.period_by_label(Scheme.VOV, "2025-26")


def _legal(employee, employer, period=YEAR_2026) -> schemes.Allocation:
    return schemes.training_right_allocations(employee, employer, period)[0]


# The training right, month by month ----------------------------------------------------------


def test_a_regime_change_mid_year_gives_the_laws_figure(app):
    """100 % January–June, 50 % July–December, 5 days: 5 × (6 × 100 % + 6 × 50 %) / 12 = 3.75."""
    employer = factories.employer(average_fte=Decimal("25"))
    employee = factories.employee(employer, contract_start=date(2020, 1, 1))
    change_terms(employee, date(2026, 7, 1), employment_pct="50", hours_per_week="19", signal=False)

    legal = _legal(employee, employer)
    assert legal.amount == Decimal("3.75")
    assert say(legal.explanation) == "5 d × (6 × 100 % + 6 × 50 %) / 12"
    # The year before and the year after hold one regime each.
    assert _legal(employee, employer, schemes.period_by_label(Scheme.TRAINING_RIGHT, "2025")).amount == Decimal("5.00")
    assert _legal(employee, employer, schemes.period_by_label(Scheme.TRAINING_RIGHT, "2027")).amount == Decimal("2.50")


def test_the_regime_of_a_month_is_the_one_on_its_first_day_under_contract(app):
    """A change on 15 July counts from August; a start on 20 March at 80 % counts March at 80 %."""
    employer = factories.employer(average_fte=Decimal("25"))
    employee = factories.employee(employer, contract_start=date(2026, 3, 20), employment_pct=Decimal("80"),
                                  hours_per_week=Decimal("30.4"))
    change_terms(employee, date(2026, 7, 15), employment_pct="100", hours_per_week="38", signal=False)

    regimes = schemes.month_regimes(History.of(employee), YEAR_2026)
    assert [(month.month, pct) for month, pct in regimes] == [
        (3, 80), (4, 80), (5, 80), (6, 80), (7, 80), (8, 100), (9, 100), (10, 100), (11, 100), (12, 100)]
    # 5 × (5 × 80 % + 5 × 100 %) / 12 = 3.75
    assert _legal(employee, employer).amount == Decimal("3.75")
    assert say(_legal(employee, employer).explanation) == "5 d × (5 × 80 % + 5 × 100 %) / 12"


def test_the_domain_example_rounds_down(app):
    """5 × 80 % × 10/12 = 3.333… → 3.33; 5 × 80 % × 11/12 = 3.666… → 3.66, never 3.67."""
    employer = factories.employer(average_fte=Decimal("25"))
    ten = factories.employee(employer, employment_pct=Decimal("80"), contract_start=date(2026, 3, 15))
    eleven = factories.employee(employer, employment_pct=Decimal("80"), contract_start=date(2026, 2, 28))

    assert (_legal(ten, employer).amount, say(_legal(ten, employer).explanation)) == (
        Decimal("3.33"), "5 d × 80 % × 10/12")
    assert (_legal(eleven, employer).amount, say(_legal(eleven, employer).explanation)) == (
        Decimal("3.66"), "5 d × 80 % × 11/12")


def test_a_contract_end_counts_the_month_of_leaving_in_full(app):
    employer = factories.employer(average_fte=Decimal("25"))
    employee = factories.employee(employer, contract_start=date(2020, 1, 1))
    end_contract(employee, date(2026, 6, 2), signal=False)

    assert schemes.months_employed(employee, YEAR_2026) == 6
    assert _legal(employee, employer).amount == Decimal("2.50")
    assert _legal(employee, employer, schemes.period_by_label(Scheme.TRAINING_RIGHT, "2027")).amount == Decimal("0.00")


def test_two_contracts_in_one_year_count_the_months_under_either(app):
    """January–March, then again from July: 9 months, 5 × 9/12 = 3.75."""
    employer = factories.employer(average_fte=Decimal("25"))
    employee = factories.employee(employer, contract_start=date(2026, 1, 5), contract_end=date(2026, 3, 31))
    db.session.add(ContractPeriod(employer_id=employer.id, employee_id=employee.id, starts_on=date(2026, 7, 1)))
    db.session.flush()

    assert schemes.months_employed(employee, YEAR_2026) == 9
    assert _legal(employee, employer).amount == Decimal("3.75")


@pytest.mark.parametrize(("year", "recorded", "days"), [(2026, "15", "1.00"), (2026, "25", "5.00"),
                                                        (2025, "15", "5.00")])
def test_days_per_fte_come_from_the_headcount_of_the_year(app, year, recorded, days):
    """The employer set up at 25 FTE; a figure recorded for 2026 sets 2026's band, another year's does not."""
    employer = factories.employer(average_fte=Decimal("25"))
    employee = factories.employee(employer, contract_start=date(2020, 1, 1))
    db.session.add(EmployerHeadcount(employer_id=employer.id, year=year, average_fte=Decimal(recorded),
                                     reason="social balance sheet"))
    db.session.flush()

    assert _legal(employee, employer).amount == Decimal(days)


# Rounding ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "rounded"),
    [("3.6666666", "0.01", "3.66"), ("3.3333", "0.01", "3.33"), ("3.75", "0.01", "3.75"), ("3.75", "0.5", "3.50"),
     ("106.25", "0.5", "106.00"), ("106.25", "0.01", "106.25"), ("0.49", "0.5", "0.00"), ("3.999", "1", "3.00"),
     ("3.6666", "0.001", "3.66")],
)
def test_round_down_never_grants_more_than_the_right(value, unit, rounded):
    assert schemes.round_down(Decimal(value), Decimal(unit)) == Decimal(rounded)


def test_the_rounding_unit_is_a_parameter_and_defaults_to_a_hundredth(app):
    employer = factories.employer(average_fte=Decimal("25"))
    assert schemes.values_on(Scheme.TRAINING_RIGHT, employer, date(2026, 1, 1))["rounding_unit"] == "0.01"
    assert schemes.values_on(Scheme.VOV, employer, date(2026, 1, 1))["rounding_unit"] == "0.01"
    assert schemes.values_on(Scheme.VOV, employer, date(2026, 1, 1))["reference_month"] == "3"
    # A version written before the parameter existed has none: a hundredth.
    assert schemes.rounding_unit({"days_by_headcount": [["20", "5"]]}) == Decimal("0.01")
    assert schemes.rounding_unit({"rounding_unit": "0.5"}) == Decimal("0.5")


def test_an_employer_version_rounds_to_its_own_unit(app):
    """5 × 80 % × 11/12 = 3.666… days: 3.66 to the hundredth, 3.5 to the half day."""
    employer = factories.employer(average_fte=Decimal("25"))
    admin = factories.user(roles={employer: "admin"})
    employee = factories.employee(employer, employment_pct=Decimal("80"), contract_start=date(2026, 2, 1))
    schemes.add_employer_version(actor=admin, employer=employer, scheme=Scheme.TRAINING_RIGHT,
                                 valid_from=date(2026, 1, 1), valid_until=None,
                                 values={"employer_extra_days_per_fte": "1", "rounding_unit": "0.5"}, note="Half days")

    assert [(a.source, a.amount) for a in schemes.training_right_allocations(employee, employer, YEAR_2026)] == [
        ("legal", Decimal("3.50")), ("employer_extra", Decimal("0.50"))]  # 0.733… → 0.5


# VOV: the reference month ---------------------------------------------------------------------


def _vov(employee, employer) -> schemes.Allocation:
    [allocation] = schemes.vov_allocations(employee, employer, SCHOOL_YEAR)
    return allocation


def test_vov_reads_the_regime_of_march_before_the_school_year(app):
    """2025-26: 80 % on 1 March 2025 gives 100 h, whatever the regime later in the school year."""
    employer = factories.employer()
    employee = factories.employee(employer, employment_pct=Decimal("80"), hours_per_week=Decimal("30.4"),
                                  contract_start=date(2020, 1, 1))
    change_terms(employee, date(2025, 10, 1), employment_pct="100", hours_per_week="38", signal=False)

    vov = _vov(employee, employer)
    assert (vov.amount, say(vov.explanation), vov.not_eligible) == (
        Decimal("100.00"), "125 h × 80 % (01 Mar 2025)", None)
    # The next school year reads 1 March 2026: 100 %.
    assert schemes.vov_allocations(employee, employer, schemes.period_by_label(Scheme.VOV, "2026-27"))[0].amount \
        == Decimal("125.00")


def test_vov_of_someone_not_under_contract_in_march_reads_the_first_day_in_the_school_year(app):
    employer = factories.employer()
    employee = factories.employee(employer, employment_pct=Decimal("90"), hours_per_week=Decimal("34.2"),
                                  contract_start=date(2025, 10, 6))
    reference = schemes.vov_reference(History.of(employee), schemes.values_on(Scheme.VOV, employer, SCHOOL_YEAR.start),
                                      SCHOOL_YEAR)
    assert reference.day == date(2025, 10, 6)
    assert _vov(employee, employer).amount == Decimal("112.50")


@pytest.mark.parametrize(
    ("pct", "hours", "why"),
    [("50", "19", "Not eligible: a work regime of 50 % on 2025-03-01, the reference day (at least 80 % needed); "
                  "19 hours a week on 2025-03-01, the reference day (at least 28 needed)"),
     ("80", "27.5", "Not eligible: 27.5 hours a week on 2025-03-01, the reference day (at least 28 needed)")],
)
def test_an_ineligible_employee_gets_a_zero_vov_right_that_says_why(app, pct, hours, why):
    employer = factories.employer()
    employee = factories.employee(employer, employment_pct=Decimal(pct), hours_per_week=Decimal(hours),
                                  contract_start=date(2020, 1, 1))
    change_terms(employee, date(2025, 6, 1), employment_pct="100", hours_per_week="38", signal=False)

    vov = _vov(employee, employer)
    assert vov.amount == Decimal("0.00")
    assert vov.not_eligible == why
    assert say(vov.explanation).startswith(f"not eligible: {pct} %, {hours.replace('.', ',')} h/week on 01 Mar 2025")


def test_the_vov_conditions_of_a_request_use_the_reference_month(app):
    employer = factories.employer()
    was_full_time = factories.employee(employer, contract_start=date(2020, 1, 1))
    change_terms(was_full_time, date(2025, 11, 1), employment_pct="50", hours_per_week="19", signal=False)
    was_half_time = factories.employee(employer, employment_pct=Decimal("50"), hours_per_week=Decimal("19"),
                                       contract_start=date(2020, 1, 1))
    change_terms(was_half_time, date(2025, 11, 1), employment_pct="100", hours_per_week="38", signal=False)

    assert schemes.vov_conditions(was_full_time, employer, None, date(2026, 2, 2)) == []
    assert schemes.vov_conditions(was_half_time, employer, None, date(2026, 2, 2)) == [
        "Flemish training leave needs a work regime of at least 80 %.",
        "Flemish training leave needs at least 28 hours of work a week."]
    # In 2026-27 (reference 1 March 2026) it is the other way round.
    assert schemes.vov_conditions(was_half_time, employer, None, date(2026, 10, 5)) == []
    assert len(schemes.vov_conditions(was_full_time, employer, None, date(2026, 10, 5))) == 2


def test_the_vov_cap_rounds_down_to_the_unit_of_the_parameters(app):
    """85 % of 125 h = 106.25 h: 106.25 to the hundredth, 106 to the half hour."""
    employer = factories.employer()
    employee = factories.employee(employer, employment_pct=Decimal("85"), hours_per_week=Decimal("32.3"),
                                  contract_start=date(2020, 1, 1))
    assert _vov(employee, employer).amount == Decimal("106.25")
    db.session.add(SchemeParameter(scheme=Scheme.VOV.value, country="BE", employer_id=employer.id,
                                   valid_from=date(2025, 9, 1), values={"rounding_unit": "0.5"}))
    db.session.flush()
    assert _vov(employee, employer).amount == Decimal("106.00")
