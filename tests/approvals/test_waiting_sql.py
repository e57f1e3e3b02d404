"""What waits, asked in SQL (the inbox's window, the badges' count), is what ``may_decide`` says row by row: for
every user, on a day within the deputy's range and a day after it, with approvers missing, deactivated or the
employee themself, second steps and cancellations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ila_sme.approvals import waiting
from ila_sme.extensions import db
from ila_sme.leave import request_lists, services
from ila_sme.leave.models import LeaveRequest
from tests.approvals.conftest import MONDAY, TODAY, employee_with_user


@pytest.fixture
def mixed(world):
    """Requests in every waiting state, of people with every kind of approver."""
    world.ask(world.wim_record, MONDAY)  # approver: the manager; deputy: Dirk until 6 March
    world.ask(world.zoe_record, MONDAY)
    world.ask(world.otto_record, MONDAY)  # the other manager's
    _none, nobody = employee_with_user(world.employer, "nina@example.be", "Nina", "Noone")  # no approver
    _self, own = employee_with_user(world.employer, "sam@example.be", "Sam", "Self", roles=("employee", "manager"))
    own.approver_id = own.user_id  # approves themself: the admins decide
    _gone, left = employee_with_user(world.employer, "lea@example.be", "Lea", "Left")
    former = employee_with_user(world.employer, "fred@example.be", "Fred", "Former", roles=("manager",))[0]
    left.approver_id = former.id
    former.active = False  # no longer an active manager: the admins decide
    db.session.commit()
    for record in (nobody, own, left):
        world.ask(record, MONDAY + timedelta(days=1))
    approved = world.ask(world.wim_record, MONDAY + timedelta(days=3))
    services.approve(actor=world.manager, request=approved, today=TODAY)
    services.ask_cancellation(actor=world.wim, request=approved, reason="Ill", today=TODAY)
    second = world.ask(world.zoe_record, MONDAY + timedelta(days=2))
    world.guidance.second_step_role = "admin"
    services.approve(actor=world.manager, request=second, today=TODAY)  # the manager's step; the admin's next
    db.session.commit()
    return world


@pytest.mark.parametrize("day", [TODAY, date(2026, 3, 20)])  # within the deputy's range, and after it
@pytest.mark.parametrize("who", ["manager", "deputy", "admin", "other_manager", "accountant", "wim", "zoe"])
def test_sql_and_may_decide_agree(mixed, who, day):
    user = getattr(mixed, who)
    waiting_rows = list(db.session.scalars(select(LeaveRequest).where(
        LeaveRequest.status.in_(request_lists.WAITING))))
    assert {r.status for r in waiting_rows} == set(request_lists.WAITING)
    expected = sorted(r.id for r in waiting_rows if services.may_decide(user, r, day))
    found = sorted(r.id for r in request_lists.decidable_requests(user, mixed.employer, day))
    assert found == expected
    assert waiting.counts_for(user, mixed.employer, day).leave == len(expected)
