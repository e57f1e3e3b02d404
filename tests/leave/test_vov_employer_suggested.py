"""VOV: some school years allow another 125 h (× the regime of the reference month) for training the employer
suggests (domain.md). A request the employer did not suggest draws on the base hours only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.extensions import db
from ila_sme.leave import ledger, services
from ila_sme.leave.errors import LeaveError
from ila_sme.leave.models import EntryKind, LedgerEntry
from ila_sme.schemes import descriptions
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme, SchemeParameter
from tests import factories
from tests.leave.conftest import TODAY, bring_to

SCHOOL_YEAR = schemes.period_of(Scheme.VOV, TODAY)  # 2025-26
BASE_MESSAGE = "of the base hours remain"


def allow_extra(hours: str = "125") -> None:
    """A regional version of 2025-26 that allows extra hours (overlays the one in force, as a new law would)."""
    db.session.add(SchemeParameter(scheme=Scheme.VOV, country="BE", region="flanders", valid_from=date(2025, 9, 1),
                                   valid_until=date(2026, 8, 31), values={"extra_hours_employer_suggested": hours},
                                   note="2025-26: extra hours for training the employer suggests"))
    db.session.flush()


def allocation_rows(employee) -> dict[str, Decimal]:
    rows = db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.employee_id == employee.id, LedgerEntry.scheme == Scheme.VOV.value,
        LedgerEntry.kind == EntryKind.ALLOCATION.value))
    return {row.dedupe_key.rsplit(":", 1)[-1]: row.amount for row in rows}


def test_the_defaults_allow_no_extra_hours(world):
    values = schemes.values_on(Scheme.VOV, world.employer, SCHOOL_YEAR.start)
    assert schemes.vov_value(values, "extra_hours_employer_suggested") == "0"
    assert schemes.vov_value({}, "extra_hours_employer_suggested") == "0"  # a version older than the key
    assert not schemes.vov_allows_suggested(world.employer, TODAY)
    allocations = schemes.vov_allocations(world.employee, world.employer, SCHOOL_YEAR)
    assert [(a.source, a.amount) for a in allocations] == [("vov", Decimal("125.00"))]


def test_zero_in_the_parameters_adds_no_extra_row_and_ignores_the_flag(world):
    ledger.ensure_allocation(world.employee, world.employer, Scheme.VOV, SCHOOL_YEAR)
    assert allocation_rows(world.employee) == {"vov": Decimal("125.00")}
    request = world.submit(world.hours(date(2026, 3, 3), date(2026, 3, 3), employer_suggested=True))
    assert request.employer_suggested is False  # the year allows no extra: the mark means nothing


def test_a_year_allowing_it_adds_the_extra_at_the_regime_of_march_rounded_down(world):
    allow_extra("125")
    part_timer = factories.employee(world.employer, employment_pct=Decimal("83.33"), hours_per_week=Decimal("31.67"))
    allocations = schemes.vov_allocations(part_timer, world.employer, SCHOOL_YEAR)
    # 125 h × 83.33 % = 104.1625 h, rounded down to 0.01 h, for each source
    assert [(a.source, a.amount) for a in allocations] == [("vov", Decimal("104.16")),
                                                           ("vov_employer_suggested", Decimal("104.16"))]
    ledger.ensure_allocation(part_timer, world.employer, Scheme.VOV, SCHOOL_YEAR)
    assert allocation_rows(part_timer) == {"vov": Decimal("104.16"), "vov_employer_suggested": Decimal("104.16")}
    assert ledger.balance(part_timer.id, Scheme.VOV, SCHOOL_YEAR.label).remaining == Decimal("208.32")


def test_an_ineligible_employee_gets_neither(world):
    allow_extra("125")
    part_timer = factories.employee(world.employer, employment_pct=Decimal("50"), hours_per_week=Decimal("19"))
    allocations = schemes.vov_allocations(part_timer, world.employer, SCHOOL_YEAR)
    assert [(a.source, a.amount) for a in allocations] == [("vov", Decimal("0.00"))]
    assert allocations[0].not_eligible


def test_the_base_cap_holds_for_a_request_not_suggested_while_the_extra_is_free(world):
    allow_extra("125")
    first = world.submit(world.hours(date(2026, 3, 2), date(2026, 3, 6), hours_per_day="20"))  # 100 h
    assert first.amount == Decimal("100.00") and first.employer_suggested is False
    data = world.hours(date(2026, 3, 9), date(2026, 3, 10), hours_per_day="20")  # 40 h: 140 h > 125 h base
    result = services.preview(world.employee, world.employer, data, TODAY)
    assert result.remaining_before == Decimal("150.00")  # 250 h in all, less the 100 h held
    assert any(BASE_MESSAGE in problem and "25.00 hours" in problem for problem in result.problems)
    with pytest.raises(LeaveError, match=BASE_MESSAGE):
        world.submit(data)
    # 25 h more is within the base
    assert world.submit(world.hours(date(2026, 3, 9), date(2026, 3, 10), hours_per_day="12.5")).amount == 25


def test_an_approved_request_holds_base_hours_and_a_withdrawn_one_does_not(world):
    allow_extra("125")
    approved = bring_to(world, world.submit(world.hours(date(2026, 3, 2), date(2026, 3, 6), hours_per_day="20")),
                        "approved")
    assert approved.is_approved
    data = world.hours(date(2026, 3, 9), date(2026, 3, 9), hours_per_day="24")  # 100 + 24 <= 125
    assert services.preview(world.employee, world.employer, data, TODAY).ok
    data = world.hours(date(2026, 3, 9), date(2026, 3, 10), hours_per_day="13")  # 100 + 26 > 125
    assert not services.preview(world.employee, world.employer, data, TODAY).ok
    services.ask_cancellation(actor=world.worker, request=approved, reason="The course moved", today=TODAY)
    assert not services.preview(world.employee, world.employer, data, TODAY).ok  # cancellation asked: still held
    services.decide_cancellation(actor=world.manager, request=approved, accept=True, today=TODAY)
    assert services.preview(world.employee, world.employer, data, TODAY).ok


def test_a_suggested_request_uses_the_extra(world):
    allow_extra("125")
    world.submit(world.hours(date(2026, 3, 2), date(2026, 3, 5), hours_per_day="25"))  # 100 h of the base
    suggested = world.submit(world.hours(date(2026, 3, 9), date(2026, 3, 13), hours_per_day="24",
                                         employer_suggested=True))  # 120 h: 25 h base + 95 h extra would do
    assert suggested.employer_suggested is True and suggested.amount == Decimal("120.00")
    assert ledger.balance(world.employee.id, Scheme.VOV, SCHOOL_YEAR.label).remaining == Decimal("30.00")
    # the suggested request holds none of the base: 25 h not suggested still fit, 26 h do not
    assert services.preview(world.employee, world.employer, world.hours(date(2026, 3, 6), date(2026, 3, 6),
                                                                        hours_per_day="25"), TODAY).ok
    problems = services.preview(world.employee, world.employer,
                                world.hours(date(2026, 3, 6), date(2026, 3, 6), hours_per_day="26"), TODAY).problems
    assert problems == ["This asks 26.00 hours, but only 25.00 hours of the base hours remain in 2025-26; "
                        "the other hours are for training your employer suggested."]


def test_a_suggested_request_may_not_pass_all_that_remains(world):
    allow_extra("100")  # 125 h + 100 h
    data = world.hours(date(2026, 3, 2), date(2026, 3, 13), hours_per_day="24", employer_suggested=True)  # 240 h
    problems = services.preview(world.employee, world.employer, data, TODAY).problems
    assert any("only 225.00 hours remain" in problem for problem in problems)
    assert not any(BASE_MESSAGE in problem for problem in problems)


def test_a_correction_counts_with_the_base(world):
    allow_extra("125")
    ledger.ensure_allocation(world.employee, world.employer, Scheme.VOV, SCHOOL_YEAR)
    ledger.correct(actor=world.admin, employee=world.employee, scheme=Scheme.VOV, period=SCHOOL_YEAR.label,
                   amount=Decimal("-25"), reason="Hours taken before the app")
    data = world.hours(date(2026, 3, 2), date(2026, 3, 6), hours_per_day="20.5")  # 102.5 h > 100 h base
    problems = services.preview(world.employee, world.employer, data, TODAY).problems
    assert any(BASE_MESSAGE in problem and "100.00 hours" in problem for problem in problems)


def test_the_parameters_page_describes_the_extra_hours_only_in_a_year_allowing_them(world):
    values = schemes.values_on(Scheme.VOV, world.employer, SCHOOL_YEAR.start)
    assert not [line for line in descriptions.describe(Scheme.VOV, values) if "suggests" in line[0]]
    allow_extra("125")
    values = schemes.values_on(Scheme.VOV, world.employer, SCHOOL_YEAR.start)
    assert ("Training the employer suggests",
            "another 125 hours × work regime this school year, only for training the employer suggests",
            ) in descriptions.describe(Scheme.VOV, values)


def test_the_mark_counts_only_for_vov_training_leave(world):
    allow_extra("125")
    assert services.suggested(world.hours(date(2026, 3, 3), date(2026, 3, 3), employer_suggested=True),
                              world.employer)
    evc = services.RequestInput(leave_type=world.evc, start_date=date(2026, 3, 3), end_date=date(2026, 3, 3),
                                evc_competences=1, employer_suggested=True)
    assert not services.suggested(evc, world.employer)
    days = world.days(date(2026, 3, 3), date(2026, 3, 3), employer_suggested=True)
    assert not services.suggested(days, world.employer)
    request = world.submit(days)
    assert request.employer_suggested is False and request.amount == Decimal("1.00")
