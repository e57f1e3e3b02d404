"""The entitlement schemes: versioned parameters, pro rata, headcount bands, school years, refunds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.leave import ledger
from ila_sme.messages import say
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind, Scheme, SchemeParameter
from tests import factories

YEAR_2026 = schemes.period_of(Scheme.TRAINING_RIGHT, date(2026, 6, 1))
SCHOOL_YEAR_2025_26 = schemes.period_of(Scheme.VOV, date(2026, 1, 15))


def _full_timer(employer, **fields):
    return factories.employee(employer, employment_pct=Decimal("100"), contract_start=date(2020, 1, 1), **fields)


# The federal training right ------------------------------------------------------------------


def test_pro_rata_example_of_the_domain_notes(app):
    """5 days × 80 % × 10/12 = 3.33: 80 % from 15 March 2026, at an employer of 20 FTE or more."""
    employer = factories.employer(average_fte=Decimal("25"))
    employee = factories.employee(employer, employment_pct=Decimal("80"), contract_start=date(2026, 3, 15))

    assert schemes.months_employed(employee, YEAR_2026) == 10  # March counts in full
    allocations = schemes.training_right_allocations(employee, employer, YEAR_2026)
    assert [(a.source, a.amount) for a in allocations] == [("legal", Decimal("3.33"))]
    assert say(allocations[0].explanation) == "5 d × 80 % × 10/12"

    ledger.ensure_allocation(employee, employer, Scheme.TRAINING_RIGHT, YEAR_2026)
    balance = ledger.balance(employee.id, Scheme.TRAINING_RIGHT, "2026")
    assert balance.entitlement == Decimal("3.33")
    assert balance.remaining == Decimal("3.33")


def test_pro_rata_counts_the_month_of_leaving_in_full(app):
    employer = factories.employer(average_fte=Decimal("25"))
    employee = factories.employee(employer, employment_pct=Decimal("100"), contract_start=date(2020, 1, 1),
                                  contract_end=date(2026, 6, 2))
    assert schemes.months_employed(employee, YEAR_2026) == 6
    assert schemes.training_right_allocations(employee, employer, YEAR_2026)[0].amount == Decimal("2.50")


@pytest.mark.parametrize(
    ("average_fte", "year", "days"),
    [
        ("25", 2026, "5"),
        ("20", 2026, "5"),
        ("19.99", 2026, "1"),
        ("10", 2026, "1"),
        ("9.99", 2026, "0"),
        ("0", 2026, "0"),
        ("20", 2023, "4"),  # 4 days in 2023, 5 from 2024
        ("19.99", 2023, "1"),
        ("20", 2024, "5"),
    ],
)
def test_headcount_bands(app, average_fte, year, days):
    employer = factories.employer(average_fte=Decimal(average_fte))
    employee = _full_timer(employer)
    period = schemes.period_of(Scheme.TRAINING_RIGHT, date(year, 5, 1))

    values = schemes.values_on(Scheme.TRAINING_RIGHT, employer, period.start)
    assert schemes.days_per_fte(values, Decimal(average_fte)) == Decimal(days)
    ledger.ensure_allocation(employee, employer, Scheme.TRAINING_RIGHT, period)
    assert ledger.balance(employee.id, Scheme.TRAINING_RIGHT, period.label).entitlement == Decimal(days)


def test_employer_extra_days_come_from_an_employer_version(app):
    employer = factories.employer(average_fte=Decimal("25"))
    admin = factories.user(roles={employer: "admin"})
    employee = factories.employee(employer, employment_pct=Decimal("80"), contract_start=date(2026, 3, 15))

    row = schemes.add_employer_version(
        actor=admin, employer=employer, scheme=Scheme.TRAINING_RIGHT, valid_from=date(2026, 1, 1),
        valid_until=None, values={"employer_extra_days_per_fte": "2"}, note="Two days on top, company agreement",
    )

    assert row.level == "employer"
    allocations = schemes.training_right_allocations(employee, employer, YEAR_2026)
    assert [(a.source, a.amount) for a in allocations] == [("legal", Decimal("3.33")),
                                                          ("employer_extra", Decimal("1.33"))]
    ledger.ensure_allocation(employee, employer, Scheme.TRAINING_RIGHT, YEAR_2026)
    assert ledger.balance(employee.id, Scheme.TRAINING_RIGHT, "2026").entitlement == Decimal("4.66")
    # Before the version starts, only the legal days hold.
    earlier = schemes.period_of(Scheme.TRAINING_RIGHT, date(2025, 5, 1))
    assert [a.source for a in schemes.training_right_allocations(_full_timer(employer), employer, earlier)] == [
        "legal"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "scheme_parameter.created"))
    assert event.actor_id == admin.id and event.employer_id == employer.id
    assert event.after["values"] == {"employer_extra_days_per_fte": "2"}


def test_a_new_employer_version_closes_the_previous_one(app):
    employer = factories.employer(average_fte=Decimal("25"))
    admin = factories.user(roles={employer: "admin"})
    first = schemes.add_employer_version(actor=admin, employer=employer, scheme=Scheme.TRAINING_RIGHT,
                                         valid_from=date(2025, 1, 1), valid_until=None,
                                         values={"employer_extra_days_per_fte": "1"}, note=None)
    schemes.add_employer_version(actor=admin, employer=employer, scheme=Scheme.TRAINING_RIGHT,
                                 valid_from=date(2026, 1, 1), valid_until=None,
                                 values={"employer_extra_days_per_fte": "3"}, note=None)

    assert first.valid_until == date(2025, 12, 31)
    assert schemes.values_on(Scheme.TRAINING_RIGHT, employer, date(2025, 12, 31))["employer_extra_days_per_fte"] == "1"
    assert schemes.values_on(Scheme.TRAINING_RIGHT, employer, date(2026, 1, 1))["employer_extra_days_per_fte"] == "3"
    with pytest.raises(schemes.SchemeError, match="already starts on or after"):
        schemes.add_employer_version(actor=admin, employer=employer, scheme=Scheme.TRAINING_RIGHT,
                                     valid_from=date(2026, 1, 1), valid_until=None, values={}, note=None)
    with pytest.raises(schemes.SchemeError, match="end date is before the start date"):
        schemes.add_employer_version(actor=admin, employer=employer, scheme=Scheme.TRAINING_RIGHT,
                                     valid_from=date(2027, 1, 1), valid_until=date(2026, 12, 31), values={}, note=None)


# Flemish training leave (VOV) ----------------------------------------------------------------


@pytest.mark.parametrize(("pct", "hours"), [("80", "100.00"), ("100", "125.00"), ("90", "112.50")])
def test_vov_cap_is_125_hours_times_the_work_regime(app, pct, hours):
    employer = factories.employer()
    employee = factories.employee(employer, employment_pct=Decimal(pct))

    assert [a.amount for a in schemes.vov_allocations(employee, employer, SCHOOL_YEAR_2025_26)] == [Decimal(hours)]
    ledger.ensure_allocation(employee, employer, Scheme.VOV, SCHOOL_YEAR_2025_26)
    balance = ledger.balance(employee.id, Scheme.VOV, "2025-26")
    assert balance.entitlement == Decimal(hours)
    assert str(balance.unit) == "hours"


@pytest.mark.parametrize(
    ("day", "label", "start", "end"),
    [
        (date(2026, 8, 31), "2025-26", date(2025, 9, 1), date(2026, 8, 31)),
        (date(2026, 9, 1), "2026-27", date(2026, 9, 1), date(2027, 8, 31)),
        (date(2026, 1, 1), "2025-26", date(2025, 9, 1), date(2026, 8, 31)),
        (date(1999, 9, 1), "1999-00", date(1999, 9, 1), date(2000, 8, 31)),
    ],
)
def test_school_year_boundaries(day, label, start, end):
    period = schemes.period_of(Scheme.VOV, day)
    assert (period.label, period.start, period.end) == (label, start, end)
    assert schemes.period_by_label(Scheme.VOV, label) == period


def test_calendar_year_periods_and_the_period_after():
    assert schemes.period_of(Scheme.TRAINING_RIGHT, date(2026, 12, 31)).label == "2026"
    assert schemes.period_of(Scheme.TRAINING_RIGHT, date(2027, 1, 1)).label == "2027"
    assert schemes.next_period(schemes.period_by_label(Scheme.TRAINING_RIGHT, "2026"), Scheme.TRAINING_RIGHT).label \
        == "2027"
    assert schemes.next_period(schemes.period_by_label(Scheme.VOV, "2025-26"), Scheme.VOV).label == "2026-27"


@pytest.mark.parametrize(
    ("day", "rate"),
    [(date(2024, 9, 1), "21.30"), (date(2025, 8, 31), "21.30"), (date(2025, 9, 1), "14.91"),
     (date(2030, 1, 1), "14.91")],
)
def test_refund_rate_changes_with_the_school_year(app, day, rate):
    employer = factories.employer()
    assert schemes.refund_rate(employer, day) == Decimal(rate)


def test_values_on_overlays_national_then_regional_then_employer(app):
    employer = factories.employer(region="flanders")
    # An employer-level row (the admin screen only writes them for the training right; the overlay
    # itself works for every scheme).
    db.session.add(SchemeParameter(scheme=Scheme.VOV.value, country="BE", employer_id=employer.id,
                                   valid_from=date(2025, 9, 1), values={"hours_full_time": "150"}))
    # A national version added last (highest id): the level decides the order, not the insertion.
    db.session.add(SchemeParameter(scheme=Scheme.VOV.value, country="BE", region=None, employer_id=None,
                                   valid_from=date(2025, 9, 1), valid_until=None,
                                   values={"hours_full_time": "90", "min_hours_per_week": "20",
                                           "national_only": "yes"}))
    db.session.flush()

    values = schemes.values_on(Scheme.VOV, employer, date(2026, 1, 5))
    assert values["hours_full_time"] == "150"  # the employer's own wins
    assert values["min_hours_per_week"] == "28"  # the region's beats the national
    assert values["national_only"] == "yes"  # what nobody overrides stays
    assert values["refund_per_hour"] == "14.91"
    # Another employer of the region does not see the first one's values.
    other = factories.employer(region="flanders")
    assert schemes.values_on(Scheme.VOV, other, date(2026, 1, 5))["hours_full_time"] == "125"


@pytest.mark.parametrize("region", ["brussels", "wallonia"])
def test_no_vov_outside_flanders(app, region):
    employer = factories.employer(region=region, average_fte=Decimal("25"))
    admin = factories.user(roles={employer: "admin"})
    # The service refuses an employer's own VOV values ...
    with pytest.raises(schemes.SchemeError, match="set by law"):
        schemes.add_employer_version(actor=admin, employer=employer, scheme=Scheme.VOV,
                                     valid_from=date(2025, 9, 1), valid_until=None,
                                     values={"hours_full_time": "125"}, note=None)
    # ... and even an employer-level row written directly does not make the Flemish scheme apply.
    db.session.add(SchemeParameter(scheme=Scheme.VOV.value, country="BE", employer_id=employer.id,
                                   valid_from=date(2025, 9, 1), values={"hours_full_time": "125"}))

    assert schemes.applies_to(Scheme.VOV, employer, date(2026, 1, 5)) is False
    with pytest.raises(schemes.SchemeError, match="No parameters of vov apply"):
        schemes.values_on(Scheme.VOV, employer, date(2026, 1, 5))
    assert schemes.applies_to(Scheme.TRAINING_RIGHT, employer, date(2026, 1, 5)) is True
    # Its leave types all draw from the federal training right.
    types = schemes.leave_types(employer)
    assert {t.kind: t.scheme for t in types} == {LeaveKind.TRAINING: Scheme.TRAINING_RIGHT,
                                                LeaveKind.CAREER_GUIDANCE: Scheme.TRAINING_RIGHT,
                                                LeaveKind.EVC: Scheme.TRAINING_RIGHT}


def test_a_flemish_employer_gets_vov_leave_types(app):
    employer = factories.employer(region="flanders")
    types = schemes.leave_types(employer)
    assert [(t.kind, t.scheme, t.needs_training) for t in types] == [
        (LeaveKind.TRAINING, Scheme.VOV, True),
        (LeaveKind.CAREER_GUIDANCE, Scheme.TRAINING_RIGHT, False),
        (LeaveKind.EVC, Scheme.VOV, False),
    ]
    assert [t.id for t in schemes.leave_types(employer)] == [t.id for t in types]  # created once


def test_no_vov_before_the_first_version(app):
    employer = factories.employer(region="flanders")
    assert schemes.applies_to(Scheme.VOV, employer, date(2023, 8, 31)) is False
    assert schemes.applies_to(Scheme.VOV, employer, date(2023, 9, 1)) is True


def test_counted_vov_hours_8_per_exam_and_16_per_evc_competence(app):
    values = schemes.values_on(Scheme.VOV, factories.employer(region="flanders"), date(2026, 1, 5))
    assert schemes.counted_vov_hours(values, attended=Decimal("30.4"), exams=2, evc_competences=0) == Decimal(
        "46.40")
    assert schemes.counted_vov_hours(values, attended=Decimal("0"), exams=0, evc_competences=3) == Decimal(
        "48.00")
