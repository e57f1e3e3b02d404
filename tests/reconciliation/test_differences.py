"""Each difference kind of ledger-api.md produced on purpose against the development register (a real
process), and detected: an entry booked through the register's portal, an amount changed there, a
reversal, a contribution the register refused, a booked one the register does not list, an entry of a
person who is not on the staff list. A difference no longer found is settled by the next complete run and
comes back if it is found again; a run of one period reads and settles only that period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from ila_sme.extensions import db
from ila_sme.funding import services
from ila_sme.funding.models import Contribution
from ila_sme.identifiers import make_insz
from ila_sme.reconciliation.engine import reconcile
from ila_sme.reconciliation.models import Difference, Outcome, ReconciliationItem, Resolution, RunState
from tests.funding.submit.conftest import YEAR, this_period
from tests.reconciliation.support import differences, first_run, move_entry


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


def test_a_booked_contribution_the_register_does_not_list_is_missing_until_it_is_listed_again(world):
    employer = world.employers[0]
    mine = first_run(world, employer)
    entry_id = mine[3].entry_id
    move_entry(world, entry_id)  # the register lists it for another employer

    run = reconcile(employer)
    assert run.state == RunState.DONE
    assert (run.matched, run.missing_in_register, run.differences) == (5, 1, 1)
    missing, = differences(Outcome.MISSING_IN_REGISTER)
    assert missing.is_open and missing.contribution_id == mine[3].id and missing.local_cents == mine[3].amount_cents
    assert missing.detail == f"Booked here as {entry_id}, but the register does not list it."
    assert reconcile(employer).missing_in_register == 1 and len(differences()) == 1  # kept once

    move_entry(world, entry_id, employer.enterprise_number)  # listed again: the next complete run settles it
    run = reconcile(employer)
    assert (run.matched, run.differences) == (6, 0)
    settled, = differences()
    assert (settled.state, settled.resolution, settled.last_run_id) == ("resolved", Resolution.SETTLED, run.id)

    move_entry(world, entry_id)  # gone again: the same difference is open again, not hidden by the settlement
    run = reconcile(employer)
    reopened, = differences()
    assert (reopened.id, reopened.state, reopened.resolution) == (missing.id, "open", None)
    assert run.missing_in_register == 1


def test_an_amount_changed_back_is_settled_and_a_new_change_reopens_it(world):
    employer = world.employers[0]
    mine = first_run(world, employer)
    store = world.store()
    try:
        store.amend_amount(mine[0].entry_id, mine[0].amount_cents + 100)
        assert reconcile(employer).amount_mismatch == 1
        store.amend_amount(mine[0].entry_id, mine[0].amount_cents)
        run = reconcile(employer)
        assert (run.matched, run.differences) == (6, 0)
        settled, = differences()
        assert (settled.state, settled.resolution) == ("resolved", Resolution.SETTLED)
        store.amend_amount(mine[0].entry_id, mine[0].amount_cents - 100)
        assert reconcile(employer).amount_mismatch == 1
    finally:
        store.close()
    again, = differences()
    assert (again.id, again.state, again.register_cents - again.local_cents) == (settled.id, "open", -100)


def test_a_run_of_one_period_reads_and_settles_that_period_only(world):
    employer = world.employers[0]
    mine = first_run(world, employer)
    this_month = [c for c in mine if c.period == this_period(0)]
    last_month = [c for c in mine if c.period == this_period(1)]
    store = world.store()
    try:
        store.amend_amount(this_month[0].entry_id, this_month[0].amount_cents + 700)
        run = reconcile(employer, period=this_period(1))
        assert (run.period, run.entries_read, run.matched, run.differences) == (
            this_period(1), len(last_month), len(last_month), 0)
        assert {item.contribution_id for item in db.session.scalars(
            select(ReconciliationItem).where(ReconciliationItem.run_id == run.id))} == {c.id for c in last_month}
        assert differences() == []  # the change is in another period: not this run's to find

        run = reconcile(employer, period=this_period(0))
        assert (run.entries_read, run.amount_mismatch) == (len(this_month), 1)
        store.amend_amount(this_month[0].entry_id, this_month[0].amount_cents)
    finally:
        store.close()
    assert reconcile(employer, period=this_period(1)).state == RunState.DONE
    assert differences()[0].is_open  # a run of another period settles nothing of this one
    reconcile(employer, period=this_period(0))
    assert differences()[0].resolution == Resolution.SETTLED


def test_an_entry_of_a_person_not_on_the_staff_list_is_unknown_and_no_national_number_is_kept(world):
    employer = world.employers[0]
    first_run(world, employer)
    stranger = make_insz(date(1990, 5, 17), 321)
    store = world.store()
    try:
        store.add_person(stranger, Decimal("500.00"))
        store.add_employment(employer.enterprise_number, stranger, date(2021, 1, 1))
        portal = store.portal_book(employer_id=employer.enterprise_number, person_id=stranger, amount_cents=9900,
                                   period=this_period(), kind="course-fee", registry_id="ODB-900001")
    finally:
        store.close()

    run = reconcile(employer)
    assert (run.matched, run.unknown_in_register) == (6, 1)
    unknown, = differences(Outcome.UNKNOWN_IN_REGISTER)
    assert (unknown.entry_id, unknown.reference, unknown.employee_id, unknown.contribution_id) == (
        portal["entry_id"], portal["reference"], None, None)
    assert (unknown.register_cents, unknown.local_cents, unknown.entry_kind, unknown.registry_id) == (
        9900, None, "course-fee", "ODB-900001")
    stored = [str(value) for row in db.session.execute(select(Difference)).scalars()
              for value in vars(row).values()]
    stored += [str(value) for row in db.session.execute(select(ReconciliationItem)).scalars()
               for value in vars(row).values()]
    assert not any(stranger in value for value in stored)


def test_a_difference_detail_is_stored_in_english_and_shown_in_the_readers_language(app, world):
    from flask_babel import force_locale

    employer = world.employers[0]
    reconcile(employer)
    booked = world.of(employer)[0]
    db.session.refresh(booked)
    store = world.store()
    try:  # the register loses the entry: it moves to another employer's books
        with store.transaction() as register:
            register.execute("UPDATE entries SET employer_id = '0000000097' WHERE entry_id = ?", (booked.entry_id,))
    finally:
        store.close()
    reconcile(employer)
    missing, = differences(Outcome.MISSING_IN_REGISTER)
    assert missing.detail == f"Booked here as {booked.entry_id}, but the register does not list it."
    assert (missing.detail_code, missing.detail_params) == ("not_listed", {"entry": booked.entry_id})
    with app.test_request_context(), force_locale("nl"):
        assert missing.detail_text == f"Hier geboekt als {booked.entry_id}, maar het register vermeldt het niet."
    with app.test_request_context(), force_locale("fr"):
        assert missing.detail_text.startswith(f"Comptabilisé ici sous {booked.entry_id}")
