"""Who decides when the approver is missing, is the requester, or is no longer an active manager or admin:
the employer's admins (never the requester themself). The deputy rule stays."""

from __future__ import annotations

from datetime import date

import pytest

from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from ila_sme.leave import request_lists, services
from ila_sme.leave.errors import LeaveError
from ila_sme.leave.models import RequestStatus
from ila_sme.leave.notices import approvers_of
from ila_sme.notifications.models import Notification
from tests import factories
from tests.leave.conftest import TODAY


def _without_approver(world):
    world.employee.approver_id = None
    world.employee.deputy_id = world.employee.deputy_from = world.employee.deputy_until = None
    db.session.commit()


def test_a_request_of_someone_without_approver_reaches_the_admins_who_decide_it(world):
    _without_approver(world)
    assert approvers_of(world.employee, TODAY) == {world.admin.id}
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 2)))
    db.session.commit()
    told = {row.user_id for row in db.session.query(Notification).all()}
    assert world.admin.id in told and world.manager.id not in told
    assert services.may_decide(world.admin, request, TODAY)
    assert not services.may_decide(world.manager, request, TODAY)
    # The admin's inbox lists it (and the manager's does not): the admin can find what she must decide.
    assert request in request_lists.decidable_requests(world.admin, world.employer, TODAY)
    assert request not in request_lists.decidable_requests(world.manager, world.employer, TODAY)
    services.approve(actor=world.admin, request=request, today=TODAY)
    db.session.commit()
    assert request.status == RequestStatus.APPROVED and request.decided_by_id == world.admin.id
    assert request_lists.decidable_requests(world.admin, world.employer, TODAY) == []


def test_an_approver_who_is_the_employee_sends_the_request_to_the_admins(world):
    world.employee.approver_id = world.worker.id  # written before the rule existed (the services refuse it now)
    db.session.commit()
    assert approvers_of(world.employee, TODAY) == {world.admin.id}


@pytest.mark.parametrize("how", ["deactivated", "no longer a manager"])
def test_an_approver_who_can_no_longer_approve_sends_the_request_to_the_admins(world, how):
    if how == "deactivated":
        world.manager.active = False
    else:
        db.session.query(Membership).filter(Membership.user_id == world.manager.id,
                                            Membership.role == "manager").delete()
    db.session.commit()
    assert approvers_of(world.employee, TODAY) == {world.admin.id}
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 2)))
    services.reject(actor=world.admin, request=request, reason="Busy", today=TODAY)
    assert request.status == RequestStatus.REJECTED


def test_an_admin_without_approver_never_decides_her_own_request(world):
    record = factories.employee(world.employer, first_name="Ada", last_name="Admin", user_id=world.admin.id)
    other_admin = factories.user("admin2@example.be", roles={world.employer: "admin"}, name="Otto Other")
    db.session.commit()
    assert approvers_of(record, TODAY) == {other_admin.id}
    request = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 2)), employee=record, actor=world.admin)
    with pytest.raises(LeaveError, match="Nobody decides on their own request."):
        services.approve(actor=world.admin, request=request, today=TODAY)
    services.approve(actor=other_admin, request=request, today=TODAY)
    assert request.status == RequestStatus.APPROVED


def test_a_valid_approver_still_decides_and_the_deputy_rule_stays(world):
    assert approvers_of(world.employee, TODAY) == {world.manager.id}
    assert approvers_of(world.employee, date(2026, 2, 12)) == {world.manager.id, world.deputy.id}
    _without_approver(world)
    world.employee.deputy_id = world.deputy.id
    world.employee.deputy_from, world.employee.deputy_until = date(2026, 2, 10), date(2026, 2, 20)
    assert approvers_of(world.employee, date(2026, 2, 12)) == {world.admin.id, world.deputy.id}
