"""The accountant's actions that settle a difference here, against differences a real run found on the
development register: accept the register's amount (or its reversal), link an unknown entry to a
contribution not booked yet, record an entry booked outside the app, write a difference off. Each leaves
an audit event and a budget that follows the contributions (reserved: what waits to be booked; booked:
what the booked contributions count for); bad input gets a clear ReconciliationError with nothing
changed; the next run finds nothing new, and a difference the accountant settled comes back only when
the register changes again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.extensions import db
from ila_sme.funding import services
from ila_sme.funding.models import Contribution, FundingRequest
from ila_sme.funding.submit import payload
from ila_sme.identifiers import make_insz
from ila_sme.reconciliation import actions
from ila_sme.reconciliation.actions import ReconciliationError
from ila_sme.reconciliation.engine import reconcile
from ila_sme.reconciliation.models import Outcome, Resolution, RunState
from tests import factories
from tests.funding.submit.conftest import make_contribution, this_period
from tests.reconciliation.support import (
    assert_budget_follows_contributions,
    audit_trail,
    differences,
    first_run,
    lose_entry,
    only,
    pending,
    position,
)

UNKNOWN_TRAINING = "ODB-404404"


def portal(world, employer, *, staff: int = 0, amount_cents: int = 12345, period: str | None = None,
           person: str | None = None) -> dict:
    store = world.store()
    try:
        return store.portal_book(employer_id=employer.enterprise_number, amount_cents=amount_cents,
                                 person_id=person or world.staff[employer.id][staff].national_number,
                                 period=period or this_period())
    finally:
        store.close()


def amend(world, contribution, cents: int) -> None:
    store = world.store()
    store.amend_amount(contribution.entry_id, cents)
    store.close()


def test_accept_takes_the_registers_amount_over_and_the_budget_follows(world, accountant):
    employer = world.employers[0]
    mine = first_run(world, employer)
    amend(world, mine[1], mine[1].amount_cents + 500)
    assert reconcile(employer).amount_mismatch == 1
    mismatch, (reserved, booked) = only(Outcome.AMOUNT_MISMATCH), position(employer)

    actions.accept(actor=accountant, difference=mismatch)
    db.session.commit()
    assert mine[1].amount_cents == mismatch.register_cents and mismatch.resolution == Resolution.ACCEPTED
    assert position(employer) == (reserved, booked + Decimal("5.00"))
    assert_budget_follows_contributions(employer)
    assert audit_trail(employer) == [("reconciliation.accepted", accountant.id)]

    run = reconcile(employer)
    assert (run.matched, run.differences, differences()) == (6, 0, [mismatch])
    amend(world, mine[1], mine[1].amount_cents + 800)  # the register changes it again: it comes back
    assert reconcile(employer).amount_mismatch == 1
    assert (mismatch.state, mismatch.register_cents - mismatch.local_cents) == ("open", 800)


def test_accept_acknowledges_a_reversal_already_reflected_in_the_budget(world, accountant):
    employer = world.employers[0]
    mine = first_run(world, employer)
    with world.client(employer) as client:
        client.reverse(mine[2].entry_id, "paid twice", "reversal-1")
    reconcile(employer)
    reversal, before = only(Outcome.REVERSED), position(employer)
    assert_budget_follows_contributions(employer)  # the run gave the budget back already

    with pytest.raises(ReconciliationError, match="^This action does not apply to this difference.$"):
        actions.link(actor=accountant, difference=reversal, contribution=mine[0])
    actions.accept(actor=accountant, difference=reversal)
    db.session.commit()
    assert (reversal.resolution, position(employer)) == (Resolution.ACCEPTED, before)
    assert audit_trail(employer) == [("reconciliation.accepted", accountant.id)]
    run = reconcile(employer)
    assert (run.reversed, differences()) == (1, [reversal]) and reversal.resolution == Resolution.ACCEPTED
    with pytest.raises(ReconciliationError, match="^This difference was already resolved.$"):
        actions.accept(actor=accountant, difference=reversal)


def test_link_books_a_refused_contribution_as_the_registers_entry(world, accountant):
    employer = world.employers[0]
    refused = pending(world, employer, amount_cents=20000, registry_id=UNKNOWN_TRAINING)
    first_run(world, employer)
    entry = portal(world, employer, amount_cents=21000, period=this_period(1))
    reconcile(employer)
    unknown, missing, (reserved, booked) = only(Outcome.UNKNOWN_IN_REGISTER), only(Outcome.MISSING_IN_REGISTER), \
        position(employer)
    assert actions.linkable(unknown) == [refused]

    actions.link(actor=accountant, difference=unknown, contribution=refused)
    db.session.commit()
    assert (refused.status, refused.entry_id, refused.amount_cents, refused.period) == (
        "booked", entry["entry_id"], 21000, this_period(1))
    assert position(employer) == (reserved - Decimal("200.00"), booked + Decimal("210.00"))
    assert_budget_follows_contributions(employer)
    assert audit_trail(employer) == [("reconciliation.linked", accountant.id)]

    run = reconcile(employer)
    assert (run.matched, run.differences) == (7, 0)
    assert (unknown.resolution, missing.resolution) == (Resolution.LINKED, Resolution.SETTLED)
    period_run = reconcile(employer, period=this_period(1))  # found in the entry's period, not missing
    assert period_run.differences == 0 and len(differences()) == 2


def test_link_refuses_a_contribution_that_cannot_be_the_entry(world, accountant):
    employer = world.employers[0]
    mine = first_run(world, employer)
    other_person = pending(world, employer, staff=1, registry_id=UNKNOWN_TRAINING)
    elsewhere = factories.employer()
    stranger = make_contribution(factories.employee(elsewhere), factories.user(roles={elsewhere: "manager"}))
    portal(world, employer, staff=0)
    reconcile(employer)
    sent = pending(world, employer, staff=0)
    sent.status = "sent"  # its answer lost on the way: it may be booked under its own reference
    db.session.commit()
    unknown, before = only(Outcome.UNKNOWN_IN_REGISTER), position(employer)

    for contribution, message in ((mine[0], "^Only a contribution of this employer that is not booked yet"),
                                  (sent, "^Only a contribution of this employer that is not booked yet"),
                                  (stranger, "^Only a contribution of this employer that is not booked yet"),
                                  (other_person, "^The entry is for another employee than this contribution.$")):
        with pytest.raises(ReconciliationError, match=message):
            actions.link(actor=accountant, difference=unknown, contribution=contribution)
    db.session.rollback()
    assert unknown.is_open and position(employer) == before and audit_trail(employer) == []
    assert (other_person.status, sent.status, stranger.status) == ("failed", "sent", "pending")
    assert actions.linkable(unknown) == []


def test_an_entry_booked_besides_a_linked_contribution_shows_as_unknown(world, accountant):
    employer = world.employers[0]
    refused = pending(world, employer, amount_cents=20000, registry_id=UNKNOWN_TRAINING)
    first_run(world, employer)
    entry = portal(world, employer, amount_cents=20000)
    reconcile(employer)
    actions.link(actor=accountant, difference=only(Outcome.UNKNOWN_IN_REGISTER), contribution=refused)
    db.session.commit()
    before = position(employer)
    # The register gets the training, and books the contribution's own request as well (a second entry).
    store = world.store()
    store.add_trainings([{"registry_id": UNKNOWN_TRAINING, "updated_at": "2026-02-01T00:00:00Z", "title": "New"}])
    store.close()
    with world.client(employer) as client:
        second = client.book_contribution(payload(refused, employer), refused.idempotency_key)

    run = reconcile(employer)
    assert (run.matched, run.unknown_in_register, run.missing_in_register) == (7, 1, 0)
    extra = next(d for d in differences(Outcome.UNKNOWN_IN_REGISTER) if d.is_open)
    assert extra.entry_id == second["entry_id"] and extra.contribution_id is None
    assert extra.detail == (f"The register also holds {refused.reference} as this entry; it is booked here as "
                            f"{entry['entry_id']}.")
    db.session.refresh(refused)
    assert refused.entry_id == entry["entry_id"] and position(employer) == before


def test_record_outside_counts_the_entry_in_the_budget(world, accountant):
    employer = world.employers[0]
    first_run(world, employer)
    entry = portal(world, employer, staff=1)
    reconcile(employer)
    unknown, (reserved, booked) = only(Outcome.UNKNOWN_IN_REGISTER), position(employer)

    actions.record_outside(actor=accountant, difference=unknown, note=None, today=date.today())
    db.session.commit()
    recorded = db.session.get(Contribution, unknown.contribution_id)
    assert (recorded.reference, recorded.entry_id, recorded.status, recorded.amount_cents, recorded.period) == (
        entry["reference"], entry["entry_id"], "booked", 12345, this_period())
    request = db.session.get(FundingRequest, recorded.funding_request_id)
    assert (request.status, request.employer_cents, request.employee_id) == (
        "approved", 12345, world.staff[employer.id][1].id)
    assert position(employer) == (reserved, booked + Decimal("123.45"))
    assert_budget_follows_contributions(employer)
    assert audit_trail(employer) == [("reconciliation.booked_outside", accountant.id)]

    run = reconcile(employer)
    assert (run.matched, run.differences, differences()) == (7, 0, [unknown])
    with pytest.raises(ReconciliationError, match="^This difference was already resolved.$"):
        actions.record_outside(actor=accountant, difference=unknown, note=None, today=date.today())


def test_record_outside_of_an_entry_booked_after_a_cancellation_keeps_both_apart(world, accountant):
    employer = world.employers[0]
    first_run(world, employer)
    late = pending(world, employer, staff=2, amount_cents=7000)
    with world.client(employer) as client:  # its request reached the register ...
        client.book_contribution(payload(late, employer), late.idempotency_key)
    admin = factories.user(roles={employer: "admin"})  # only an admin cancels approved co-funding
    services.cancel(actor=admin, funding=late.funding_request, reason="not needed")  # ... cancelled here
    db.session.commit()
    reconcile(employer)
    unknown = only(Outcome.UNKNOWN_IN_REGISTER)
    assert unknown.detail == f"The register booked {late.reference} after it was cancelled here."

    actions.record_outside(actor=accountant, difference=unknown, note="kept after all", today=date.today())
    db.session.commit()
    recorded = db.session.get(Contribution, unknown.contribution_id)
    assert recorded.id != late.id and recorded.reference == unknown.entry_id  # the reference is taken here
    run = reconcile(employer)
    assert (run.matched, run.differences) == (7, 0)
    assert_budget_follows_contributions(employer)


def test_record_outside_refuses_a_person_not_on_the_staff_list_or_another_kind(world, accountant):
    employer = world.employers[0]
    mine = first_run(world, employer)
    stranger = make_insz(date(1991, 4, 2), 77)
    portal(world, employer, person=stranger)
    amend(world, mine[0], mine[0].amount_cents + 1)
    reconcile(employer)
    before = position(employer)
    with pytest.raises(ReconciliationError, match="^The person of this entry is not on your staff list"):
        actions.record_outside(actor=accountant, difference=only(Outcome.UNKNOWN_IN_REGISTER), note=None,
                               today=date.today())
    with pytest.raises(ReconciliationError, match="^This action does not apply to this difference.$"):
        actions.record_outside(actor=accountant, difference=only(Outcome.AMOUNT_MISMATCH), note=None,
                               today=date.today())
    db.session.rollback()
    assert position(employer) == before and audit_trail(employer) == []
    assert db.session.scalar(select(FundingRequest).where(FundingRequest.note.is_not(None))) is None


def test_write_off_cancels_a_missing_contribution_and_gives_its_budget_back(world, accountant):
    employer = world.employers[0]
    refused = pending(world, employer, amount_cents=3000, registry_id=UNKNOWN_TRAINING)
    mine = first_run(world, employer)
    lose_entry(world, employer, mine[0].entry_id)
    reconcile(employer)
    lost, never = sorted(differences(Outcome.MISSING_IN_REGISTER), key=lambda d: d.contribution_id != mine[0].id)
    reserved, booked = position(employer)

    for reason, message in (("", "^Give a reason.$"), ("x" * 501, r"^The reason is too long")):
        with pytest.raises(ReconciliationError, match=message):
            actions.write_off(actor=accountant, difference=lost, reason=reason)
    assert lost.is_open and mine[0].status == "booked"

    actions.write_off(actor=accountant, difference=lost, reason="The register never had it")
    actions.write_off(actor=accountant, difference=never, reason="Not for this training after all")
    db.session.commit()
    assert (mine[0].status, refused.status) == ("cancelled", "cancelled")
    assert position(employer) == (reserved - Decimal("30.00"), booked - mine[0].amount)
    assert_budget_follows_contributions(employer)
    assert audit_trail(employer) == [("reconciliation.written_off", accountant.id)] * 2
    assert (lost.note, lost.resolution) == ("The register never had it", Resolution.WRITTEN_OFF)

    run = reconcile(employer)
    assert (run.matched, run.differences, len(differences())) == (5, 0, 2)
    with pytest.raises(ReconciliationError, match="^This difference was already resolved.$"):
        actions.write_off(actor=accountant, difference=lost, reason="again")


def test_a_written_off_difference_stays_so_until_the_register_changes_it(world, accountant):
    employer = world.employers[0]
    mine = first_run(world, employer)
    portal(world, employer)
    amend(world, mine[0], mine[0].amount_cents + 100)
    reconcile(employer)
    unknown, mismatch = only(Outcome.UNKNOWN_IN_REGISTER), only(Outcome.AMOUNT_MISMATCH)
    actions.write_off(actor=accountant, difference=unknown, reason="A gift through the portal")
    actions.write_off(actor=accountant, difference=mismatch, reason="Rounding at the register")
    db.session.commit()

    run = reconcile(employer)  # found again, the same: the accountant's word stands
    assert (run.unknown_in_register, run.amount_mismatch) == (1, 1)
    assert not unknown.is_open and not mismatch.is_open and len(differences()) == 2
    amend(world, mine[0], mine[0].amount_cents + 900)
    reconcile(employer)
    assert mismatch.is_open and not unknown.is_open


def test_an_entry_with_the_longest_reference_is_kept_and_recorded_under_its_entry_id(world, accountant):
    employer = world.employers[0]
    first_run(world, employer)
    long_reference = "PORTAL-" + "7" * 57  # 64 characters, the longest the register takes
    store = world.store()
    entry = store.portal_book(employer_id=employer.enterprise_number, amount_cents=2500, period=this_period(),
                              person_id=world.staff[employer.id][1].national_number, reference=long_reference)
    store.close()
    run = reconcile(employer)
    assert (run.state, run.unknown_in_register) == (RunState.DONE, 1)
    unknown = only(Outcome.UNKNOWN_IN_REGISTER)
    assert unknown.reference == long_reference and unknown.entry_id == entry["entry_id"]

    actions.record_outside(actor=accountant, difference=unknown, note=None, today=date.today())
    db.session.commit()
    assert db.session.get(Contribution, unknown.contribution_id).reference == entry["entry_id"]
    run = reconcile(employer)
    assert (run.matched, run.differences) == (7, 0)
