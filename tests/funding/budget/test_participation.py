"""Participation in training over the last twelve months, against the EU's 60 % target, and training
hours per FTE: the query and its block on the budget page."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest

from ila_sme.extensions import db
from ila_sme.funding import reports, services
from ila_sme.funding.rules import Split
from ila_sme.schemes import services as schemes
from tests import factories
from tests.funding.budget.conftest import TODAY, at, fund


def _types(employer) -> dict:
    return {leave_type.kind: leave_type for leave_type in schemes.leave_types(employer)}


def leave(employee, requested_by, kind: str, start: date, end: date, amount: str, *, training=None,
          status: str = "approved"):
    leave_type = _types(employee.employer)[kind]
    return factories.leave_request(employee, requested_by, leave_type_id=leave_type.id, scheme=leave_type.scheme,
                                   period=str(start.year), start_date=start, end_date=end, amount=Decimal(amount),
                                   training_id=training.id if training else None, status=status)


@pytest.fixture
def staff(world):
    """Four staff today (Wim 100 %, Cora 80 %, Pieter 50 %, Dora 60 %: 2.9 FTE) and Eddy, who left.
    Trained in the twelve months: Wim (24 VOV hours), Cora (2 training-right days with a training, at
    30.4 h a week: 12.16 h; her cancellation is only asked) and Pieter (a co-funded course, no leave).
    Dora's training was 13 months ago; her other leave does not count (career guidance without a training,
    pending, rejected, or still to come)."""
    pieter = factories.employee(world.employer, first_name="Pieter", last_name="Part", team="Winkel",
                                employment_pct=Decimal("50"), hours_per_week=Decimal("19"),
                                approver_id=world.manager.id)
    dora = factories.employee(world.employer, first_name="Dora", last_name="Deeltijd", team="Productie",
                              employment_pct=Decimal("60"), hours_per_week=Decimal("22.8"),
                              approver_id=world.manager.id)
    eddy = factories.employee(world.employer, first_name="Eddy", last_name="Ex", contract_end=date(2026, 4, 30),
                              approver_id=world.manager.id)
    by = world.manager
    leave(world.wim, by, "training", date(2026, 3, 16), date(2026, 3, 18), "24", training=world.course)
    leave(world.cora, by, "career_guidance", date(2025, 11, 3), date(2025, 11, 4), "2", training=world.cheap,
          status="cancellation_requested")
    leave(dora, by, "training", date(2025, 5, 5), date(2025, 5, 14), "40", training=world.course)  # 13 months ago
    leave(dora, by, "career_guidance", date(2026, 5, 5), date(2026, 5, 5), "1")  # no training: guidance
    leave(dora, by, "training", date(2026, 4, 6), date(2026, 4, 6), "8", training=world.cheap, status="pending")
    leave(dora, by, "training", date(2026, 4, 7), date(2026, 4, 7), "8", training=world.cheap, status="rejected")
    leave(dora, by, "training", date(2026, 7, 6), date(2026, 7, 7), "16", training=world.cheap)  # still to come
    leave(eddy, by, "training", date(2026, 2, 2), date(2026, 2, 3), "16", training=world.cheap)  # has left
    db.session.commit()
    fund(pieter, actor=world.manager, day=date(2026, 2, 2), employer_part="150", training=world.cheap,
         decide_by=world.admin)
    # Dora's co-funded course of May 2025 (vouchers only, 13 months ago) does not count either.
    old = services.ask(actor=world.manager, employee=dora, kind="course-fee", cost=world.cheap.cost,
                       split=Split(vouchers=Decimal("100")), training=world.cheap, today=date(2025, 5, 2))
    services.approve(actor=world.admin, funding=old, today=date(2025, 5, 2))
    old.decided_at = at(date(2025, 5, 2))
    db.session.commit()
    return world


def test_three_of_four_staff_trained_reach_the_target(staff):
    result = reports.participation(staff.employer, TODAY)
    assert (result.staff, result.trained) == (4, 3)
    assert result.share_pct == Decimal("75") and result.share_display == Decimal("75.0")
    assert result.target_pct == Decimal("60") and result.reached is True
    assert result.since == date(2025, 6, 15)


def test_hours_per_fte_are_exact(staff):
    result = reports.participation(staff.employer, TODAY)
    assert result.hours == Decimal("36.16")  # 24 VOV hours + 2 days x 30.4 h / 5
    assert result.fte == Decimal("2.9")
    assert result.hours_per_fte == Decimal("36.16") / Decimal("2.9")
    assert result.hours_per_fte_display == Decimal("12.5")


def test_a_training_thirteen_months_ago_does_not_count(staff):
    a_year_later = reports.participation(staff.employer, date(2026, 5, 14))  # her course ended 2025-05-14
    a_day_more = reports.participation(staff.employer, date(2026, 5, 15))
    assert a_year_later.trained == a_day_more.trained + 1, "the twelve months include the same day last year"
    assert a_year_later.hours - a_day_more.hours == Decimal("40")
    assert a_year_later.staff == a_day_more.staff == 4


def test_below_the_target(world):
    pieter = factories.employee(world.employer, first_name="Pieter", last_name="Part", approver_id=world.manager.id)
    factories.employee(world.employer, first_name="Dora", last_name="Deeltijd", approver_id=world.manager.id)
    leave(pieter, world.manager, "evc", date(2026, 1, 12), date(2026, 1, 12), "32")  # EVC counts without a training
    db.session.commit()
    result = reports.participation(world.employer, TODAY)
    assert (result.staff, result.trained, result.share_display, result.reached) == (4, 1, Decimal("25.0"), False)
    assert result.fte == Decimal("3.8") and result.hours_per_fte_display == Decimal("8.4")  # 32 h / 3.8 FTE


def test_nobody_on_the_staff(app):
    employer = factories.employer()
    db.session.commit()
    result = reports.participation(employer, TODAY)
    assert (result.staff, result.trained, result.share_pct, result.hours_per_fte, result.reached) == (
        0, 0, None, None, False)


def _block(html: str) -> str:
    return re.search(r'<section id="participation".*?</section>', html, re.S).group(0)


def test_the_participation_block_on_the_budget_page(staff, auth, client):
    auth.login("manager@example.be")
    html = _block(unescape(client.get("/funding/budget").get_data(as_text=True)))
    share = re.sub(r"<[^>]+>|\s+", " ", re.search(r'<dd id="participation-share">(.*?)</dd>', html, re.S).group(1))
    assert "75,0%" in share and "3 of 4 employees" in share
    assert re.search(r'<dd id="participation-target">\s*60%\s*</dd>', html)
    assert 'class="target-reached"' in html and "The EU target is reached" in html
    hours = re.search(r'<dd id="hours-per-fte">(.*?)</dd>', html, re.S).group(1)
    assert "12,5 hours" in hours and "36,16 hours over 2,9 FTE" in hours
    assert "Jun 15, 2025" in html and "Jun 15, 2026" in html
    assert "Eddy" not in html and "Dora" not in html  # figures only, no names


def test_the_block_says_when_the_target_is_missed(world, auth, client):
    auth.login("accountant@example.be")
    html = _block(unescape(client.get("/funding/budget").get_data(as_text=True)))
    assert "0,0%" in html and "0 of 2 employees" in html
    assert 'class="target-missed"' in html and "The EU target is not reached yet" in html
    assert "0 hours" in html


def test_another_employers_training_never_counts(staff, auth, client):
    other = factories.employer("Andere BV")
    boss = factories.user("boss@other.be", roles={other: ["admin", "manager"]})
    outsider = factories.employee(other, first_name="Xavier", last_name="Other", approver_id=boss.id)
    leave(outsider, boss, "training", date(2026, 3, 2), date(2026, 3, 6), "40", training=staff.course)
    db.session.commit()
    result = reports.participation(staff.employer, TODAY)
    assert (result.staff, result.trained, result.hours) == (4, 3, Decimal("36.16"))
    theirs = reports.participation(other, TODAY)
    assert (theirs.staff, theirs.trained, theirs.hours, theirs.share_display) == (1, 1, Decimal("40"), Decimal("100.0"))
