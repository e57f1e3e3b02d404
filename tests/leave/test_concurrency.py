"""Decisions and requests at the same moment, on PostgreSQL with real concurrent connections.

Each thread has its own app context, so its own session and its own database connection; a barrier
lets them call the service together. Every scenario runs five times.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.accounts.models import User
from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.leave import ledger, services
from ila_sme.leave.errors import LeaveError
from ila_sme.leave.models import EntryKind, LeaveRequest, LedgerEntry, RequestStatus
from ila_sme.people.models import EmployeeRecord
from ila_sme.schemes.models import LeaveType, Scheme
from tests import factories
from tests.leave.conftest import TODAY

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent decisions need PostgreSQL with real connections and row locks: run "
           "`.venv/bin/python scripts/with_fresh_postgres.py .venv/bin/pytest -q tests/leave`",
)

ROUNDS = 5
TIMEOUT = 30  # seconds; a thread that waits longer is a deadlock, and the test fails instead of hanging


def run_together(app, preparations: list[Callable[[], Callable[[], object]]]) -> list[object]:
    """Run each preparation in its own thread, app context and session; then, all at once after a
    barrier, the action it returns, and commit. Returns "committed" or the exception, per thread."""
    barrier = threading.Barrier(len(preparations), timeout=TIMEOUT)
    results: list[object] = [None] * len(preparations)

    def worker(index: int, prepare) -> None:
        with app.app_context():
            try:
                act = prepare()  # load everything in this thread's own session
                barrier.wait()
                act()
                db.session.commit()
                results[index] = "committed"
            except Exception as error:  # noqa: BLE001 - reported to the test, which asserts on it
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(index, prepare), daemon=True)
               for index, prepare in enumerate(preparations)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck: a deadlock?"
    db.session.expire_all()
    unexpected = [result for result in results if result != "committed" and not isinstance(result, LeaveError)]
    assert not unexpected, unexpected
    return results


def _approve_as(user_id: int, request_id: int, today: date):
    def prepare():
        actor = db.session.get(User, user_id)
        request = db.session.get(LeaveRequest, request_id)
        assert request.status == RequestStatus.PENDING and request.employee is not None
        return lambda: services.approve(actor=actor, request=request, today=today)
    return prepare


def test_two_approvers_at_the_same_moment_exactly_one_decision_stands(app, world):
    today = date(2026, 2, 15)  # the deputy's range runs: both may decide
    assert services.approvers_of(world.employee, today) == {world.manager.id, world.deputy.id}
    names = {world.manager.id: "Mia Manager", world.deputy.id: "Dirk Deputy"}

    for round_ in range(ROUNDS):
        day = date(2026, 3, 2 + round_)  # Monday to Friday, one day each
        request = world.submit(world.days(day, day), today=today)
        db.session.commit()

        results = run_together(app, [_approve_as(world.manager.id, request.id, today),
                                     _approve_as(world.deputy.id, request.id, today)])

        assert sorted(map(type, results), key=str) == sorted([str, LeaveError], key=str), results
        winner = [world.manager.id, world.deputy.id][results.index("committed")]
        loser_error = next(result for result in results if isinstance(result, LeaveError))
        assert str(loser_error) == f"{names[winner]} already decided on this request: Approved."

        request = db.session.get(LeaveRequest, request.id)
        assert (request.status, request.decided_by_id) == (RequestStatus.APPROVED, winner)
        kinds = list(db.session.scalars(select(LedgerEntry.kind).where(LedgerEntry.request_id == request.id)
                                        .order_by(LedgerEntry.id)))
        assert kinds == [EntryKind.RESERVATION, EntryKind.RELEASE, EntryKind.CONSUMPTION]
        decisions = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "leave.approved", AuditEvent.object_id == str(request.id)))
        assert decisions == 1

    balance = ledger.balance(world.employee.id, Scheme.TRAINING_RIGHT, "2026")
    assert (balance.used, balance.reserved, balance.remaining) == (Decimal("5.00"), Decimal("0.00"), Decimal("0.00"))


def test_an_approval_and_a_rejection_at_the_same_moment(app, world):
    today = date(2026, 2, 15)
    for round_ in range(ROUNDS):
        day = date(2026, 3, 2 + round_)
        request = world.submit(world.days(day, day), today=today)
        db.session.commit()

        def reject_as(user_id, request_id=request.id):
            def prepare():
                actor, request = db.session.get(User, user_id), db.session.get(LeaveRequest, request_id)
                return lambda: services.reject(actor=actor, request=request, reason="No", today=today)
            return prepare

        results = run_together(app, [_approve_as(world.manager.id, request.id, today), reject_as(world.deputy.id)])
        assert results.count("committed") == 1, results
        assert "already decided on this request" in str(next(r for r in results if isinstance(r, LeaveError)))

        request = db.session.get(LeaveRequest, request.id)
        kinds = list(db.session.scalars(select(LedgerEntry.kind).where(LedgerEntry.request_id == request.id)
                                        .order_by(LedgerEntry.id)))
        if results[0] == "committed":
            assert request.status == RequestStatus.APPROVED
            assert kinds == [EntryKind.RESERVATION, EntryKind.RELEASE, EntryKind.CONSUMPTION]
        else:
            assert request.status == RequestStatus.REJECTED
            assert kinds == [EntryKind.RESERVATION, EntryKind.RELEASE]
        balance = ledger.balance(world.employee.id, Scheme.TRAINING_RIGHT, "2026")
        assert balance.remaining >= 0 and balance.reserved == Decimal("0.00")


def _submit_as(employee_id: int, leave_type_id: int, start: date, end: date, today: date):
    def prepare():
        employee = db.session.get(EmployeeRecord, employee_id)
        actor, leave_type = employee.user, db.session.get(LeaveType, leave_type_id)
        data = services.RequestInput(leave_type=leave_type, start_date=start, end_date=end)
        return lambda: services.submit(actor=actor, employee=employee, data=data, today=today)
    return prepare


# Two days each, on different dates: 4 × 2 = 8 days asked of a balance of 5.
TWO_DAY_SPANS = [(date(2026, 3, 2), date(2026, 3, 3)), (date(2026, 3, 4), date(2026, 3, 5)),
                 (date(2026, 3, 9), date(2026, 3, 10)), (date(2026, 3, 11), date(2026, 3, 12))]


def test_submits_at_the_same_moment_never_reserve_more_than_the_entitlement(app, world):
    for _ in range(ROUNDS):
        # A new employee each round, with nothing allocated yet: the first submit allocates.
        user = factories.user(roles={world.employer: "employee"})
        employee = factories.employee(world.employer, user_id=user.id, approver_id=world.manager.id)
        db.session.commit()

        results = run_together(app, [_submit_as(employee.id, world.guidance.id, start, end, TODAY)
                                     for start, end in TWO_DAY_SPANS])

        assert results.count("committed") == 2, results  # 2 + 2 fit in 5; a third 2 does not
        refusals = [str(result) for result in results if isinstance(result, LeaveError)]
        assert refusals == ["This asks 2.00 days, but only 1.00 days remain in 2026."] * 2
        balance = ledger.balance(employee.id, Scheme.TRAINING_RIGHT, "2026")
        assert (balance.entitlement, balance.reserved, balance.remaining) == (
            Decimal("5.00"), Decimal("4.00"), Decimal("1.00"))
        assert balance.reserved <= balance.entitlement
        assert [row.kind for row in balance.rows].count(EntryKind.ALLOCATION) == 1
        assert db.session.scalar(select(func.count()).select_from(LeaveRequest)
                                 .where(LeaveRequest.employee_id == employee.id)) == 2


def test_the_same_dates_submitted_twice_at_the_same_moment_make_one_request(app, world):
    for round_ in range(ROUNDS):
        day = date(2026, 3, 2 + round_)
        results = run_together(app, [_submit_as(world.employee.id, world.guidance.id, day, day, TODAY)
                                     for _ in range(3)])
        assert results.count("committed") == 1, results
        assert all(str(result).startswith(f"You already have a request from {day.isoformat()}")
                   for result in results if result != "committed")
    assert db.session.scalar(select(func.count()).select_from(LeaveRequest)) == ROUNDS
    balance = ledger.balance(world.employee.id, Scheme.TRAINING_RIGHT, "2026")
    assert (balance.reserved, balance.remaining) == (Decimal("5.00"), Decimal("0.00"))

