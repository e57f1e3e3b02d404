"""Each difference kind of ledger-api.md produced on purpose against the development register (a real
process), and detected: an entry booked through the register's portal, an amount changed there, a
reversal, a contribution the register refused. A clean world reconciles with no difference at all."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.extensions import db
from ila_sme.funding import services
from ila_sme.funding.models import Contribution
from ila_sme.reconciliation.engine import reconcile
from ila_sme.reconciliation.models import Difference, Outcome, ReconciliationItem, RunState
from tests.submit.conftest import YEAR, this_period
from tests.support.register_world import build_world


@pytest.fixture
def world(app, tmp_path):
    world = build_world(app, tmp_path, (6,))
    yield world
    world.register.stop()


def differences(kind=None) -> list[Difference]:
    query = select(Difference).order_by(Difference.id)
    if kind:
        query = query.where(Difference.kind == kind)
    return list(db.session.scalars(query))


def test_a_clean_world_matches_every_contribution(world):
    employer = world.employers[0]
    run = reconcile(employer)
    assert run.state == RunState.DONE
    assert (run.booked, run.matched, run.entries_read) == (6, 6, 6)
    assert run.differences == 0 and differences() == []
    assert db.session.scalar(select(func.count()).select_from(ReconciliationItem)
                             .where(ReconciliationItem.run_id == run.id)) == 6
    second = reconcile(employer)
    assert (second.booked, second.matched, second.differences) == (0, 6, 0)


def test_each_kind_of_difference_is_detected(world):
    employer = world.employers[0]
    reconcile(employer)
    mine = sorted(world.of(employer), key=lambda c: c.id)
    store = world.store()
    try:
        person = world.staff[employer.id][0].national_number
        portal = store.portal_book(employer_id=employer.enterprise_number, person_id=person, amount_cents=12345,
                                   period=this_period())
        db.session.refresh(mine[1])
        store.amend_amount(mine[1].entry_id, mine[1].amount_cents + 500)
    finally:
        store.close()
    with world.client(employer) as client:
        db.session.refresh(mine[2])
        client.reverse(mine[2].entry_id, "booked twice by mistake", "reversal-key-1")
    booked_before = services.budget_position(employer, YEAR).booked

    run = reconcile(employer)
    assert run.state == RunState.DONE
    assert (run.matched, run.amount_mismatch, run.unknown_in_register, run.reversed) == (4, 1, 1, 1)
    unknown, = differences(Outcome.UNKNOWN_IN_REGISTER)
    assert unknown.entry_id == portal["entry_id"] and unknown.register_amount == Decimal("123.45")
    assert unknown.employee_id == world.staff[employer.id][0].id
    mismatch, = differences(Outcome.AMOUNT_MISMATCH)
    assert mismatch.contribution_id == mine[1].id and mismatch.register_cents - mismatch.local_cents == 500
    reversal, = differences(Outcome.REVERSED)
    assert reversal.contribution_id == mine[2].id
    db.session.refresh(mine[2])
    assert mine[2].status == "reversed"
    assert services.budget_position(employer, YEAR).booked == booked_before - mine[2].amount

    again = reconcile(employer)  # idempotent: the same outcomes, nothing queued twice, budget unchanged
    assert (again.matched, again.amount_mismatch, again.unknown_in_register, again.reversed) == (4, 1, 1, 1)
    assert len(differences()) == 3
    assert services.budget_position(employer, YEAR).booked == booked_before - mine[2].amount


def test_a_refused_contribution_is_missing_in_the_register(world):
    employer = world.employers[0]
    contribution = world.of(employer)[0]
    contribution.period = "2020-01"  # closed at the register: refused (422 closed_period)
    db.session.commit()
    run = reconcile(employer, period=None)
    assert run.failed == 1
    # 2020-01 is outside the open periods: not in this run's scope, but a period of its own shows it
    assert run.missing_in_register == 0
    contribution.period = this_period()  # now in scope; still refused as it stands ("failed")
    db.session.commit()
    run = reconcile(employer)
    db.session.refresh(contribution)
    assert contribution.status == "failed"
    assert run.missing_in_register == 1
    missing, = differences(Outcome.MISSING_IN_REGISTER)
    assert missing.contribution_id == contribution.id and "closed_period" in missing.detail
    assert db.session.scalar(select(func.count()).select_from(Contribution)
                             .where(Contribution.status == "booked")) == 5
