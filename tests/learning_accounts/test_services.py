"""refresh, snapshot_of, pending_contributions and refresh_all against the running register stub."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.learning_accounts import services
from ila_sme.learning_accounts.models import AccountSnapshot
from ila_sme.register.client import PersonAccount
from tests import factories
from tests.learning_accounts.conftest import NOW, REGISTER_UPDATED_AT, TODAY, account, contribution

LATER = NOW + timedelta(hours=3)


def _snapshots() -> int:
    return db.session.scalar(select(func.count()).select_from(AccountSnapshot))


def _all_logged(caplog) -> str:
    return "\n".join(f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records)


# refresh -------------------------------------------------------------------------------------


def test_refresh_stores_the_registers_figures_in_exact_cents_with_both_times(world, ledger):
    ledger.write(accounts={world.employee.national_number: account()})

    snapshot = services.refresh(world.employee, NOW, actor=world.worker)
    db.session.commit()

    db.session.expire_all()
    stored = services.snapshot_of(world.employee)
    assert stored.id == snapshot.id and stored.employer_id == world.employer.id
    assert (stored.balance_cents, stored.public_credit_cents, stored.employer_contributions_cents,
            stored.spent_cents) == (15010, 10000, 7510, 2500)
    assert stored.currency == "EUR"
    assert stored.register_updated_at == REGISTER_UPDATED_AT
    assert stored.fetched_at == NOW
    assert stored.last_error is None and stored.last_error_at is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "learning_account.refreshed"))
    assert event.actor_id == world.worker.id and event.object_id == str(stored.id)
    assert event.before is None and event.after["balance"] == "150.10"
    assert world.employee.national_number not in str(event.after)


def test_a_second_refresh_updates_the_same_row_and_audits_only_a_change(world, ledger):
    ledger.write(accounts={world.employee.national_number: account()})
    services.refresh(world.employee, NOW)
    services.refresh(world.employee, NOW + timedelta(minutes=1))  # same figures: no new event
    ledger.write(accounts={world.employee.national_number: account(balance="0.01", spent="175.09",
                                                                   updated_at="2026-03-02T09:00:00Z")})
    services.refresh(world.employee, LATER)
    db.session.commit()

    assert _snapshots() == 1
    stored = services.snapshot_of(world.employee)
    assert stored.balance_cents == 1 and stored.spent_cents == 17509
    assert stored.register_updated_at == "2026-03-02T09:00:00Z" and stored.fetched_at == LATER
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "learning_account.refreshed")
                                .order_by(AuditEvent.id)).all()
    assert len(events) == 2
    assert events[1].before["balance"] == "150.10" and events[1].after["balance"] == "0.01"


def test_register_down_keeps_the_old_figures_and_notes_the_failure_without_the_person_id(world, ledger, caplog):
    insz = world.employee.national_number
    ledger.write(accounts={insz: account()})
    services.refresh(world.employee, NOW)
    db.session.commit()
    ledger.write(accounts={insz: account(balance="999.99")}, fail_with=503)
    caplog.set_level(logging.DEBUG, logger="ila_sme")

    with pytest.raises(services.LearningAccountError) as caught:
        services.refresh(world.employee, LATER)
    db.session.commit()

    message = str(caught.value)
    # outside a request: the default locale (nl) and Brussels time; 08:30 UTC is 09:30 in March
    assert message == "The register could not be reached; the figures are those of Mar 2, 2026, 9:30\u202fAM."
    stored = services.snapshot_of(world.employee)
    assert stored.balance_cents == 15010 and stored.fetched_at == NOW  # the old figures stay
    assert stored.last_error == "the register answered 503 (unavailable)"
    assert stored.last_error_at == LATER
    assert caught.value.whole_employer is True
    logged = _all_logged(caplog)
    assert f"employee {world.employee.id} not refreshed: the register answered 503" in logged
    for text in (message, stored.last_error, logged, repr(caught.value), str(caught.value.__cause__)):
        assert insz not in text


def test_a_working_refresh_clears_the_noted_failure(world, ledger):
    insz = world.employee.national_number
    ledger.write(accounts={insz: account()})
    services.refresh(world.employee, NOW)
    ledger.write(accounts={insz: account()}, fail_with=429)
    with pytest.raises(services.LearningAccountError, match="could not be reached"):
        services.refresh(world.employee, LATER)
    assert services.snapshot_of(world.employee).last_error == "the register answered 429 (rate_limited)"

    ledger.write(accounts={insz: account()})
    services.refresh(world.employee, LATER + timedelta(minutes=5))
    stored = services.snapshot_of(world.employee)
    assert stored.last_error is None and stored.last_error_at is None
    assert stored.fetched_at == LATER + timedelta(minutes=5)


def test_register_down_before_any_snapshot_stores_nothing(world, ledger):
    ledger.write(fail_with=503)
    with pytest.raises(services.LearningAccountError) as caught:
        services.refresh(world.employee, NOW)
    assert str(caught.value) == "The register could not be reached, so there are no figures yet. Try again later."
    assert _snapshots() == 0


def test_unreachable_register_is_reported_in_plain_words(world, ledger, app):
    app.config["LEDGER_URL"] = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(services.LearningAccountError, match="could not be reached") as caught:
        services.refresh(world.employee, NOW)
    assert caught.value.note.startswith("the register cannot be reached")
    assert world.employee.national_number not in caught.value.note


def test_a_person_the_register_does_not_know_gets_a_clear_message(world, ledger, caplog):
    insz = world.employee.national_number
    ledger.write(accounts={insz: account()})
    services.refresh(world.employee, NOW)
    ledger.write(accounts={})  # the stub answers 403: not employed by the calling employer
    caplog.set_level(logging.DEBUG, logger="ila_sme")

    with pytest.raises(services.LearningAccountError) as caught:
        services.refresh(world.employee, LATER)

    assert str(caught.value) == (
        "The register does not know this person as an employee of this employer, so it does not show their "
        "account. An administrator should check the employee record. The figures are those of "
        "Mar 2, 2026, 9:30\u202fAM.")
    assert caught.value.whole_employer is False
    stored = services.snapshot_of(world.employee)
    assert stored.last_error == "the register answered 403 (forbidden)" and stored.balance_cents == 15010
    assert insz not in _all_logged(caplog)


def test_a_wrong_employer_token_is_the_employers_problem(world, ledger):
    world.employer.register_token = "not-the-token"
    ledger.write(accounts={world.employee.national_number: account()})
    with pytest.raises(services.LearningAccountError, match="refused this employer's access") as caught:
        services.refresh(world.employee, NOW)
    assert caught.value.whole_employer is True
    assert caught.value.note == "the register answered 401 (unauthorized)"


def test_the_stored_note_never_carries_a_long_number(world):
    from ila_sme.register.client import RegisterError

    insz = world.employee.national_number
    note = services._stored_error(RegisterError(f"cannot reach /v1/persons/{insz}/account"), world.employee)
    assert note == "cannot reach /v1/persons/[person]/account"
    other = insz[:-1] + ("8" if insz.endswith("9") else "9")  # another long number, not this person's
    note = services._stored_error(RegisterError(f"echo {other} x"), world.employee)
    assert note == "echo [number] x"


# pending_contributions -----------------------------------------------------------------------


def test_pending_contributions_are_this_employees_unbooked_ones_of_this_employer(world):
    pending = contribution(world.employee, world.manager, amount_cents=12345, status="pending")
    sent = contribution(world.employee, world.manager, amount_cents=100, status="sent")
    for status in ("booked", "failed", "cancelled", "reversed"):
        contribution(world.employee, world.manager, status=status)
    contribution(world.colleague, world.manager, status="pending")
    other_employer = factories.employer("Elders BV")
    elsewhere = factories.employee(other_employer, national_number=world.employee.national_number)
    contribution(elsewhere, factories.user(roles={other_employer: "admin"}), status="pending")

    found = services.pending_contributions(world.employee)

    assert [c.id for c in found] == [pending.id, sent.id]
    overview = services.overview(world.employee)
    assert str(overview.on_its_way_total) == "124.45"
    assert overview.balance is None and overview.balance_with_on_its_way is None


def test_overview_adds_what_is_on_its_way_to_the_balance(world, ledger):
    ledger.write(accounts={world.employee.national_number: account()})
    services.refresh(world.employee, NOW)
    contribution(world.employee, world.manager, amount_cents=5000)
    overview = services.overview(world.employee)
    assert (str(overview.balance), str(overview.public_credit), str(overview.employer_contributions),
            str(overview.spent)) == ("150.10", "100.00", "75.10", "25.00")
    assert str(overview.on_its_way_total) == "50.00"
    assert str(overview.balance_with_on_its_way) == "200.10"
    assert overview.register_updated_at.isoformat() == "2026-03-01T02:00:00+00:00"


# refresh_all ---------------------------------------------------------------------------------


def test_refresh_all_refreshes_everyone_under_contract_today_and_counts(world, ledger):
    gone = factories.employee(world.employer, contract_end=date(2026, 2, 28))
    future = factories.employee(world.employer, contract_start=date(2026, 4, 1))
    unknown = factories.employee(world.employer)  # the register does not know this one: 403
    db.session.commit()
    ledger.write(accounts={e.national_number: account() for e in (world.employee, world.colleague, gone, future)})

    counts = services.refresh_all(NOW, today=TODAY)

    assert (counts.refreshed, counts.failed, counts.ok) == (2, 1, False)
    [run] = counts.runs
    assert run.employer_id == world.employer.id and run.error is None
    db.session.expire_all()
    refreshed = set(db.session.scalars(select(AccountSnapshot.employee_id)))
    assert refreshed == {world.employee.id, world.colleague.id}
    assert services.snapshot_of(unknown) is None and services.snapshot_of(gone) is None


def test_refresh_all_commits_per_employer_and_one_employer_down_does_not_stop_the_next(world, ledger):
    broken = factories.employer("Kapot BV", register_token="wrong-token")
    for _ in range(3):
        factories.employee(broken)
    good = factories.employer("Goed BV", register_token=ledger.token)
    good_staff = factories.employee(good)
    db.session.commit()
    ledger.write(accounts={e.national_number: account() for e in (world.employee, world.colleague, good_staff)})

    counts = services.refresh_all(NOW, today=TODAY)

    by_name = {run.name: run for run in counts.runs}
    assert (by_name["Drukkerij Rekening"].refreshed, by_name["Drukkerij Rekening"].failed) == (2, 0)
    # the first refusal (401) stops that employer's run: the other two are not asked, but counted
    assert (by_name["Kapot BV"].refreshed, by_name["Kapot BV"].failed) == (0, 3)
    assert by_name["Kapot BV"].error == "the register answered 401 (unauthorized)"
    assert (by_name["Goed BV"].refreshed, by_name["Goed BV"].failed) == (1, 0)
    assert (counts.refreshed, counts.failed) == (3, 3)
    db.session.rollback()  # what was committed stays
    assert _snapshots() == 3


def test_refresh_all_for_one_employer_and_with_the_register_down(world, ledger):
    other = factories.employer("Ander BV", register_token=ledger.token)
    factories.employee(other)
    db.session.commit()
    ledger.write(accounts={world.employee.national_number: account()}, fail_with=503)

    counts = services.refresh_all(NOW, world.employer, today=TODAY)

    assert [run.name for run in counts.runs] == ["Drukkerij Rekening"]
    assert (counts.refreshed, counts.failed) == (0, 2)
    assert counts.runs[0].error == "the register answered 503 (unavailable)"
    assert _snapshots() == 0


def test_no_library_logs_the_person_id_even_at_debug_level(world, ledger, caplog):
    caplog.set_level(logging.DEBUG)
    ledger.write(accounts={world.employee.national_number: account()})
    services.refresh(world.employee, NOW)
    assert world.employee.national_number not in _all_logged(caplog)


class _Watching:
    """A register client that notes whether a database transaction was open while it was asked."""

    def __init__(self):
        self.open_while_asked: list[bool] = []

    def person_account(self, person_id: str):
        self.open_while_asked.append(db.session().in_transaction())
        return PersonAccount(person_id=person_id, balance=Decimal("150.10"), public_credit=Decimal("100.00"),
                             employer_contributions=Decimal("75.10"), spent=Decimal("25.00"), currency="EUR",
                             updated_at=REGISTER_UPDATED_AT)


def test_no_transaction_is_open_while_the_register_is_asked(world):
    """SQLite's write lock is taken when a POST's or a job's transaction begins: it must not wait on the network."""
    watching = _Watching()
    db.session.get(type(world.employee), world.employee.id)  # the caller has read: a transaction is open
    assert db.session().in_transaction()

    services.refresh(world.employee, NOW, client=watching)
    services.refresh(world.colleague, NOW, client=watching)
    db.session.commit()

    assert watching.open_while_asked == [False, False]
    assert {s.balance_cents for s in db.session.scalars(select(AccountSnapshot))} == {15010}
