"""Lists of leave requests that several screens show: refunds, who is away, my requests, those to decide."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ila_sme.extensions import db
from ila_sme.leave import request_lists, services
from tests import factories
from tests.leave.conftest import TODAY, bring_to, training


def test_vov_refund_lines_use_the_rate_in_force_and_only_approved_leave(world):
    earlier_course = training(valid_from=date(2024, 9, 1), valid_until=date(2025, 8, 31),
                              starts_on=date(2025, 3, 3), ends_on=date(2025, 3, 7))
    old = world.submit(world.hours(date(2025, 3, 3), date(2025, 3, 4), training=earlier_course),
                       today=date(2025, 2, 1))
    services.approve(actor=world.manager, request=old, today=date(2025, 2, 2))
    approved = bring_to(world, world.submit(world.hours(date(2026, 3, 3), date(2026, 3, 4))), "approved")
    asking = bring_to(world, world.submit(world.hours(date(2026, 3, 5), date(2026, 3, 5), hours_per_day="4")),
                      "cancellation_requested")
    bring_to(world, world.submit(world.hours(date(2026, 3, 6), date(2026, 3, 6))), "rejected")
    world.submit(world.hours(date(2026, 3, 9), date(2026, 3, 9)))  # pending
    bring_to(world, world.submit(world.hours(date(2026, 3, 10), date(2026, 3, 10))), "cancelled")
    world.submit(world.days(date(2026, 3, 11), date(2026, 3, 11)))  # the federal right: no refund
    db.session.commit()

    lines = request_lists.vov_refund_lines(world.employer, "2025-26", today=TODAY)
    assert [(line.request.id, line.hours, line.rate, line.expected_refund) for line in lines] == [
        (approved.id, Decimal("16.00"), Decimal("14.91"), Decimal("238.56")),
        (asking.id, Decimal("4.00"), Decimal("14.91"), Decimal("59.64")),
    ]
    assert [(line.hours, line.rate, line.expected_refund) for line in
            request_lists.vov_refund_lines(world.employer, "2024-25", today=TODAY)] == [
        (Decimal("16.00"), Decimal("21.30"), Decimal("340.80"))]
    assert request_lists.vov_refund_lines(factories.employer(), "2025-26", today=TODAY) == []


def test_who_holds_which_dates(world):
    colleague_user = factories.user(roles={world.employer: "employee"})
    colleague = factories.employee(world.employer, user_id=colleague_user.id, approver_id=world.manager.id)
    mine = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 4)))
    theirs = bring_to(world, world.submit(world.days(date(2026, 3, 4), date(2026, 3, 6)), employee=colleague),
                      "approved")
    gone = bring_to(world, world.submit(world.days(date(2026, 3, 3), date(2026, 3, 3)), employee=colleague),
                    "withdrawn")
    elsewhere = factories.employer()
    db.session.commit()

    between = request_lists.holding_between(world.employer, date(2026, 3, 1), date(2026, 3, 31))
    assert [r.id for r in between] == [mine.id, theirs.id]
    assert [r.id for r in request_lists.holding_between(world.employer, date(2026, 3, 1), date(2026, 3, 31),
                                                  approved_only=True)] == [theirs.id]
    assert request_lists.holding_between(world.employer, date(2026, 3, 7), date(2026, 3, 31)) == []
    assert [r.id for r in request_lists.others_away(mine)] == [theirs.id]
    assert [r.id for r in request_lists.others_away(theirs)] == [mine.id]
    assert request_lists.holding_between(elsewhere, date(2026, 3, 1), date(2026, 3, 31)) == []
    assert [r.id for r in request_lists.requests_of(colleague)] == [theirs.id, gone.id]


def test_the_inbox_holds_what_the_user_may_decide(world):
    waiting = world.submit(world.days(date(2026, 3, 2), date(2026, 3, 2)))
    decided = bring_to(world, world.submit(world.days(date(2026, 3, 3), date(2026, 3, 3))), "approved")
    cancelling = bring_to(world, world.submit(world.days(date(2026, 3, 4), date(2026, 3, 4))),
                          "cancellation_requested")
    db.session.commit()

    assert [r.id for r in request_lists.decidable_requests(world.manager, world.employer, TODAY)] == [
        waiting.id, cancelling.id]
    assert decided.id not in [r.id for r in request_lists.decidable_requests(world.manager, world.employer, TODAY)]
    assert request_lists.decidable_requests(world.deputy, world.employer, TODAY) == []  # not in the range yet
    assert [r.id for r in request_lists.decidable_requests(world.deputy, world.employer, date(2026, 2, 12))] == [
        waiting.id, cancelling.id]
    assert request_lists.decidable_requests(world.admin, world.employer, TODAY) == []
    assert request_lists.decidable_requests(world.worker, world.employer, TODAY) == []
