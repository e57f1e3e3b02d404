"""The accountant's actions that ask the register (a real development-register process): resubmit a
contribution missing there, with its ORIGINAL idempotency key, and ask the register to reverse an entry
booked by mistake, once. Each leaves an audit event and a budget that follows the contributions; bad input
and an unreachable register get a clear ReconciliationError with nothing changed; the next run finds
nothing new."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from devregister.store import Store
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.reconciliation import actions
from ila_sme.reconciliation.actions import ReconciliationError
from ila_sme.reconciliation.engine import reconcile
from ila_sme.reconciliation.models import Outcome, Resolution, RunState
from tests.devregister.conftest import start_register
from tests.funding.submit.conftest import this_period
from tests.reconciliation.support import (
    Recording,
    assert_budget_follows_contributions,
    audit_trail,
    bookings_per_reference,
    closed_port,
    differences,
    entries_of,
    first_run,
    idempotency_keys,
    lose_entry,
    move_entry,
    only,
    pending,
    position,
)

UNKNOWN_TRAINING = "ODB-404404"


def cut_off(app, monkeypatch) -> None:
    """The register cannot be reached (a closed port); an action gives up after half a second."""
    app.config["LEDGER_URL"] = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setattr(actions, "ACTION_BUDGET_SECONDS", 0.5)


def portal_entry(world, employer, amount_cents: int = 4200) -> dict:
    store = world.store()
    try:
        return store.portal_book(employer_id=employer.enterprise_number,
                                 person_id=world.staff[employer.id][2].national_number, amount_cents=amount_cents,
                                 period=this_period())
    finally:
        store.close()


def test_resubmit_books_an_entry_the_register_lost_again_with_its_original_key(world, accountant):
    employer = world.employers[0]
    mine = first_run(world, employer)
    lost = mine[3]
    lose_entry(world, employer, lost.entry_id)
    assert reconcile(employer).missing_in_register == 1
    missing, before = only(Outcome.MISSING_IN_REGISTER), position(employer)

    with Recording.of(world, employer) as client:
        actions.resubmit(actor=accountant, difference=missing, client=client)
    db.session.commit()
    assert client.calls == [("POST", "/v1/contributions", lost.idempotency_key, 201)]
    db.session.refresh(lost)
    entry, = [e for e in entries_of(world, employer) if e["reference"] == lost.reference]
    assert (lost.status, lost.entry_id, missing.entry_id) == ("booked", entry["entry_id"], entry["entry_id"])
    assert (missing.state, missing.resolution, missing.resolved_by_id) == ("resolved", Resolution.RESUBMITTED,
                                                                           accountant.id)
    assert audit_trail(employer) == [("reconciliation.resubmitted", accountant.id)]
    assert position(employer) == before  # it was booked here all along: the budget does not move
    assert_budget_follows_contributions(employer)

    run = reconcile(employer)
    assert (run.state, run.matched, run.differences) == (RunState.DONE, 6, 0)
    assert differences() == [missing] and missing.resolution == Resolution.RESUBMITTED
    assert bookings_per_reference(world, employer)[lost.reference] == 1


def test_resubmit_of_an_entry_the_register_still_had_is_a_replay_and_books_nothing_more(world, accountant):
    employer = world.employers[0]
    mine = first_run(world, employer)
    move_entry(world, mine[0].entry_id)
    assert reconcile(employer).missing_in_register == 1
    move_entry(world, mine[0].entry_id, employer.enterprise_number)  # listed again before the accountant acts
    entries_before = len(entries_of(world, employer))

    with Recording.of(world, employer) as client:
        actions.resubmit(actor=accountant, difference=only(Outcome.MISSING_IN_REGISTER), client=client)
    db.session.commit()
    assert client.calls == [("POST", "/v1/contributions", mine[0].idempotency_key, 200)]
    assert len(entries_of(world, employer)) == entries_before
    assert idempotency_keys(world, employer, mine[0].reference) == [mine[0].idempotency_key]
    db.session.refresh(mine[0])
    assert mine[0].entry_id == entries_of(world, employer)[0]["entry_id"]
    assert reconcile(employer).differences == 0


def test_resubmit_of_a_refused_contribution_books_it_once_the_register_takes_it(world, accountant):
    employer = world.employers[0]
    refused = pending(world, employer, amount_cents=20000, registry_id=UNKNOWN_TRAINING)
    assert reconcile(employer).missing_in_register == 1
    missing, before = only(Outcome.MISSING_IN_REGISTER), position(employer)
    assert "unknown_training" in missing.detail

    with pytest.raises(ReconciliationError, match=r"^The register did not take it: .*\(unknown_training\)\. "
                                                  r"Nothing was changed; try again later\.$"):
        actions.resubmit(actor=accountant, difference=missing)
    db.session.rollback()
    assert (missing.state, refused.status, position(employer), audit_trail(employer)) == (
        "open", "failed", before, [])

    store = Store(world.register.db)
    store.add_trainings([{"registry_id": UNKNOWN_TRAINING, "updated_at": "2026-02-01T00:00:00Z", "title": "New"}])
    store.close()
    with Recording.of(world, employer) as client:
        actions.resubmit(actor=accountant, difference=missing, client=client)
    db.session.commit()
    assert client.calls == [("POST", "/v1/contributions", refused.idempotency_key, 201)]
    assert refused.status == "booked" and missing.resolution == Resolution.RESUBMITTED
    assert position(employer) == (before[0] - refused.amount, before[1] + refused.amount)
    assert_budget_follows_contributions(employer)
    run = reconcile(employer)
    assert (run.matched, run.differences, len(differences())) == (7, 0, 1)


def test_resubmit_refuses_what_it_cannot_do_and_changes_nothing(world, accountant, app, monkeypatch):
    employer = world.employers[0]
    mine = first_run(world, employer)
    portal_entry(world, employer)
    lose_entry(world, employer, mine[1].entry_id)
    reconcile(employer)
    missing, unknown = only(Outcome.MISSING_IN_REGISTER), only(Outcome.UNKNOWN_IN_REGISTER)
    before = position(employer)

    with pytest.raises(ReconciliationError, match="^This action does not apply to this difference.$"):
        actions.resubmit(actor=accountant, difference=unknown)
    cut_off(app, monkeypatch)
    with pytest.raises(ReconciliationError, match=r"^The register did not take it: the register cannot be "
                                                  r"reached \(ConnectError\)\. Nothing was changed"):
        actions.resubmit(actor=accountant, difference=missing)
    db.session.rollback()
    assert (missing.state, unknown.state, position(employer), audit_trail(employer)) == ("open", "open", before, [])
    db.session.refresh(mine[1])
    assert mine[1].entry_id is not None and bookings_per_reference(world, employer)[mine[1].reference] == 0

    missing.state = "resolved"
    with pytest.raises(ReconciliationError, match="^This difference was already resolved.$"):
        actions.resubmit(actor=accountant, difference=missing)


def reversals_of(world, employer, entry_id: str) -> list[dict]:
    return [e for e in entries_of(world, employer) if e["reverses"] == entry_id]


def test_ask_reversal_reverses_an_entry_booked_by_mistake_once(world, accountant):
    employer = world.employers[0]
    first_run(world, employer)
    portal = portal_entry(world, employer)
    reconcile(employer)
    unknown, before = only(Outcome.UNKNOWN_IN_REGISTER), position(employer)

    actions.ask_reversal(actor=accountant, difference=unknown, reason="Booked by mistake on the portal")
    db.session.commit()
    reversal, = reversals_of(world, employer, portal["entry_id"])
    assert reversal["amount_cents"] == -4200
    assert (unknown.state, unknown.resolution, unknown.note) == ("resolved", Resolution.WRITTEN_OFF,
                                                                 "Booked by mistake on the portal")
    assert audit_trail(employer) == [("reconciliation.written_off", accountant.id)]
    assert position(employer) == before  # never counted here

    run = reconcile(employer)  # booked and reversed there: nothing left to account for, nothing new
    assert (run.matched, run.unknown_in_register, run.reversed) == (6, 0, 1)
    assert differences() == [unknown]
    with pytest.raises(ReconciliationError, match="^This difference was already resolved.$"):
        actions.ask_reversal(actor=accountant, difference=unknown, reason="again")


def test_asking_again_after_a_lost_answer_reuses_the_key(world, accountant):
    employer = world.employers[0]
    first_run(world, employer)
    portal = portal_entry(world, employer)
    reconcile(employer)
    unknown = only(Outcome.UNKNOWN_IN_REGISTER)

    dropping = start_register(world.register.db, "--no-seed", "--faults", "drop_after_commit=1.0")
    try:
        with Recording(dropping.url, employer.register_token, timeout=5, budget_seconds=None) as lossy:
            with pytest.raises(ReconciliationError, match="^The register did not take it: the register cannot be "
                                                          "reached"):
                actions.ask_reversal(actor=accountant, difference=unknown, reason="Duplicate", client=lossy)
    finally:
        dropping.stop()
    db.session.rollback()
    key = unknown.reversal_key
    assert unknown.is_open and key and lossy.calls[0][2] == key
    assert len(reversals_of(world, employer, portal["entry_id"])) == 1  # booked there; the answer was lost

    with Recording.of(world, employer) as client:
        actions.ask_reversal(actor=accountant, difference=unknown, reason="Duplicate", client=client)
    db.session.commit()
    assert client.calls == [("POST", f"/v1/contributions/{portal['entry_id']}/reversal", key, 200)]
    assert len(reversals_of(world, employer, portal["entry_id"])) == 1 and not unknown.is_open


def test_ask_reversal_needs_a_reason_the_right_kind_and_the_register(world, accountant, app, monkeypatch):
    employer = world.employers[0]
    first_run(world, employer)
    portal_entry(world, employer)
    reconcile(employer)
    unknown = only(Outcome.UNKNOWN_IN_REGISTER)
    entries_before = entries_of(world, employer)

    for reason, message in (("  ", "^Give a reason.$"), ("x" * 501, r"^The reason is too long \(500 characters")):
        with pytest.raises(ReconciliationError, match=message):
            actions.ask_reversal(actor=accountant, difference=unknown, reason=reason)
    assert unknown.reversal_key is None  # nothing was asked, so no key to keep

    cut_off(app, monkeypatch)
    with pytest.raises(ReconciliationError, match=r"cannot be reached \(ConnectError\)\. Nothing was changed"):
        actions.ask_reversal(actor=accountant, difference=unknown, reason="Duplicate")
    db.session.rollback()
    assert unknown.is_open and audit_trail(employer) == [] and entries_of(world, employer) == entries_before

    mine = sorted(world.of(employer), key=lambda c: c.id)
    move_entry(world, mine[0].entry_id)
    app.config["LEDGER_URL"] = world.register.url
    reconcile(employer)
    with pytest.raises(ReconciliationError, match="^This action does not apply to this difference.$"):
        actions.ask_reversal(actor=accountant, difference=only(Outcome.MISSING_IN_REGISTER), reason="Duplicate")


class OthersWriteMeanwhile(Recording):
    """While the register is asked, another connection of the app (a web request, the scheduler) writes and
    commits. On SQLite a transaction of the action left open across the request would then fail to write."""

    def _request(self, *args, **kwargs):
        with db.engine.begin() as other:
            other.execute(update(Employer).where(Employer.id == self.employer_id).values(
                name=Employer.name + "."))
        return super()._request(*args, **kwargs)


def test_the_actions_keep_no_transaction_open_while_they_ask_the_register(world, accountant):
    employer = world.employers[0]
    mine = first_run(world, employer)
    lose_entry(world, employer, mine[0].entry_id)
    portal_entry(world, employer)
    reconcile(employer)
    missing, unknown = only(Outcome.MISSING_IN_REGISTER), only(Outcome.UNKNOWN_IN_REGISTER)
    assert missing.contribution.status == "booked"  # what a view reads before it acts

    with OthersWriteMeanwhile.of(world, employer) as client:
        client.employer_id = employer.id
        actions.resubmit(actor=accountant, difference=missing, client=client)
        db.session.commit()
        assert unknown.is_open
        actions.ask_reversal(actor=accountant, difference=unknown, reason="Duplicate", client=client)
        db.session.commit()
    assert [status for *_, status in client.calls] == [201, 201]
    assert not missing.is_open and not unknown.is_open
    assert employer.name.endswith("..")
