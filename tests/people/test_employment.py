"""Changing a working life through the services: new terms from a day, contracts ended, corrected and added.
Every change is a new row, keeps the record's summary, is audited and signalled once (``employment_changed``)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.messages import say
from ila_sme.people import employment
from ila_sme.people.events import PeopleError
from ila_sme.people.history import ContractPeriod, History, WorkTerms
from ila_sme.people.services import employment_changed
from tests import factories

TODAY = date(2026, 6, 15)
FULL_TIME = ["7.6", "7.6", "7.6", "7.6", "7.6", "0", "0"]
HALF_TIME = ["3.8", "3.8", "3.8", "3.8", "3.8", "0", "0"]
SATURDAY_WORKER = ["0", "8", "8", "8", "8", "6", "0"]  # Tuesday to Saturday, 38 h


@pytest.fixture
def people(app):
    employer = factories.employer("Bakkerij Historie")
    admin = factories.user("admin@historie.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    sarah = factories.employee(employer, first_name="Sarah", last_name="Smet", contract_start=date(2024, 1, 1),
                               employment_pct=Decimal("100"), hours_per_week=Decimal("38"))
    db.session.commit()
    return {"employer": employer, "admin": admin, "sarah": sarah}


@contextmanager
def signals():
    """Every ``employment_changed`` sent inside the block, as (employee id, since, change)."""
    sent = []

    def receiver(employee, **kwargs):
        sent.append((employee.id, kwargs["since"], say(kwargs["change"]), kwargs["actor"], kwargs["today"]))

    employment_changed.connect(receiver)
    try:
        yield sent
    finally:
        employment_changed.disconnect(receiver)


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _change_terms(people, **fields):
    values = {"actor": people["admin"], "employee": people["sarah"], "valid_from": date(2026, 7, 1),
              "employment_pct": Decimal("50"), "hours_per_week": Decimal("19"), "pattern": HALF_TIME,
              "reason": "Part-time from July", "today": TODAY}
    values.update(fields)
    return employment.change_terms(**values)


# Work terms ----------------------------------------------------------------------------------


def test_a_change_of_terms_is_a_new_row_the_old_one_stays_and_history_reads_both(people):
    sarah = people["sarah"]
    with signals() as sent:
        _change_terms(people)
    db.session.commit()
    rows = db.session.scalars(select(WorkTerms).where(WorkTerms.employee_id == sarah.id).order_by(WorkTerms.id)).all()
    assert [(row.valid_from, row.employment_pct, row.hours_per_week) for row in rows] == [
        (date(2024, 1, 1), Decimal("100.00"), Decimal("38.00")), (date(2026, 7, 1), Decimal("50.00"), Decimal("19.00"))]
    history = History.of(sarah)
    assert history.terms_on(date(2026, 6, 30)).employment_pct == Decimal("100")
    assert history.terms_on(date(2026, 7, 1)).employment_pct == Decimal("50")
    assert [(span.terms.valid_from, span.valid_until) for span in history.spans()] == [
        (date(2024, 1, 1), date(2026, 6, 30)), (date(2026, 7, 1), None)]
    assert history.terms_on(date(2026, 7, 1)).pattern == ["3.80", "3.80", "3.80", "3.80", "3.80", "0.00", "0.00"]
    # The summary is the latest row, even before it starts (the model says so).
    assert (sarah.employment_pct, sarah.hours_per_week) == (Decimal("50.00"), Decimal("19.00"))
    assert sent == [(sarah.id, date(2026, 7, 1), "work regime 50 % (19 h a week) from 01 Jul 2026", people["admin"],
                     TODAY)]
    event = _events("employee.terms_changed")[-1]
    assert event.before["employment_pct"] == "100.00" and event.after["employment_pct"] == "50.00"
    assert event.after["valid_from"] == "2026-07-01" and event.after["reason"] == "Part-time from July"
    assert event.actor_id == people["admin"].id and event.object_id == str(sarah.id)


def test_a_saturday_pattern_is_kept_day_by_day(people):
    terms = _change_terms(people, employment_pct=Decimal("100"), hours_per_week=Decimal("38"),
                          pattern=SATURDAY_WORKER)
    assert terms.works_on_weekday(5) and not terms.works_on_weekday(0)
    assert terms.hours_on_weekday(5) == Decimal("6")


def test_hours_per_week_left_out_is_the_sum_of_the_pattern(people):
    terms = _change_terms(people, hours_per_week=None, pattern="4;4;4;4;3,5;0;0")
    assert terms.hours_per_week == Decimal("19.50")


def test_the_same_terms_twice_on_one_day_are_refused(people):
    _change_terms(people)
    with pytest.raises(PeopleError, match="already in force") as refused:
        _change_terms(people)
    assert refused.value.field == "valid_from"


def test_a_correction_on_the_same_day_is_a_new_row_and_the_later_one_wins(people):
    _change_terms(people)
    _change_terms(people, employment_pct=Decimal("60"), hours_per_week=Decimal("22.8"),
                  pattern=["4.56"] * 5 + ["0", "0"])
    assert History.of(people["sarah"]).terms_on(date(2026, 7, 1)).employment_pct == Decimal("60")
    assert db.session.scalar(select(func.count()).select_from(WorkTerms)
                             .where(WorkTerms.employee_id == people["sarah"].id)) == 3


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"employment_pct": Decimal("0")}, "employment_pct", "above 0 and at most 100"),
        ({"employment_pct": Decimal("100.5")}, "employment_pct", "above 0 and at most 100"),
        ({"pattern": ["8", "8", "8", "8", "8", "0"]}, "pattern", "needs 7 days"),
        ({"pattern": ["25", "0", "0", "0", "0", "0", "0"]}, "pattern", "from 0 to 24 hours"),
        ({"pattern": ["-1", "8", "8", "8", "0", "0", "0"]}, "pattern", "from 0 to 24 hours"),
        ({"pattern": ["0"] * 7}, "pattern", "at least one working day"),
        ({"pattern": ["x"] * 7}, "pattern", "a number of hours"),
        ({"hours_per_week": Decimal("20")}, "hours_per_week", r"must equal the sum of the weekly pattern \(19\)"),
        ({"valid_from": date(2023, 12, 31)}, "valid_from", "2023-12-31 is outside every contract"),
    ],
)
def test_bad_terms_are_refused_with_the_field_and_nothing_is_written(people, fields, field, message):
    before = db.session.scalar(select(func.count()).select_from(WorkTerms))
    with signals() as sent, pytest.raises(PeopleError, match=message) as refused:
        _change_terms(people, **fields)
    assert refused.value.field == field
    assert db.session.scalar(select(func.count()).select_from(WorkTerms)) == before
    assert sent == [] and _events("employee.terms_changed") == []


def test_terms_after_the_contract_end_are_refused(people):
    employment.end_contract(actor=people["admin"], employee=people["sarah"],
                            period=History.of(people["sarah"]).contracts[0], ends_on=date(2026, 6, 30),
                            reason=None, today=TODAY)
    with pytest.raises(PeopleError, match="2026-07-01 is outside every contract"):
        _change_terms(people)


def test_nothing_is_committed_by_the_service(people):
    _change_terms(people)
    db.session.rollback()
    assert History.of(people["sarah"]).terms_on(date(2026, 7, 1)).employment_pct == Decimal("100")


# Contracts -----------------------------------------------------------------------------------


def _only_contract(people) -> ContractPeriod:
    (period,) = History.of(people["sarah"]).contracts
    return period


def test_ending_a_contract_is_a_new_row_that_replaces_the_open_one(people):
    sarah = people["sarah"]
    first = _only_contract(people)
    with signals() as sent:
        row = employment.end_contract(actor=people["admin"], employee=sarah, period=first,
                                      ends_on=date(2026, 9, 30), reason="Resigned", today=TODAY)
    db.session.commit()
    assert row.replaces_id == first.id and row.starts_on == date(2024, 1, 1)
    assert db.session.get(ContractPeriod, first.id).ends_on is None  # the old row is never edited
    assert [(p.starts_on, p.ends_on) for p in History.of(sarah).contracts] == [(date(2024, 1, 1), date(2026, 9, 30))]
    assert (sarah.contract_start, sarah.contract_end) == (date(2024, 1, 1), date(2026, 9, 30))
    assert not History.of(sarah).is_employed_on(date(2026, 10, 1))
    assert sent == [(sarah.id, date(2026, 10, 1), "contract from 01 Jan 2024 to 30 Sept 2026 (was 01 Jan 2024 to "
                     "open-ended)", people["admin"], TODAY)]
    event = _events("employee.contract_corrected")[-1]
    assert event.before["ends_on"] is None and event.after["ends_on"] == "2026-09-30"


def test_moving_an_end_later_signals_from_the_day_after_the_old_end(people):
    sarah = people["sarah"]
    ended = employment.end_contract(actor=people["admin"], employee=sarah, period=_only_contract(people),
                                    ends_on=date(2026, 9, 30), reason=None, today=TODAY)
    with signals() as sent:
        employment.end_contract(actor=people["admin"], employee=sarah, period=ended, ends_on=date(2026, 12, 31),
                                reason=None, today=TODAY)
    assert sent[0][1] == date(2026, 10, 1)
    assert sarah.contract_end == date(2026, 12, 31)


def test_a_replaced_contract_cannot_be_changed_again(people):
    first = _only_contract(people)
    employment.end_contract(actor=people["admin"], employee=people["sarah"], period=first,
                            ends_on=date(2026, 9, 30), reason=None, today=TODAY)
    with pytest.raises(PeopleError, match="changed meanwhile"):
        employment.end_contract(actor=people["admin"], employee=people["sarah"], period=first,
                                ends_on=date(2026, 8, 31), reason=None, today=TODAY)


def test_an_end_before_the_start_is_refused(people):
    with pytest.raises(PeopleError, match="cannot end before it starts") as refused:
        employment.end_contract(actor=people["admin"], employee=people["sarah"], period=_only_contract(people),
                                ends_on=date(2023, 12, 31), reason=None, today=TODAY)
    assert refused.value.field == "ends_on"


def test_a_start_corrected_earlier_carries_the_first_terms_back_and_signals_from_the_new_start(people):
    sarah = people["sarah"]
    with signals() as sent:
        employment.correct_contract(actor=people["admin"], employee=sarah, period=_only_contract(people),
                                    starts_on=date(2023, 9, 1), ends_on=None, reason="Start was wrong", today=TODAY)
    history = History.of(sarah)
    assert history.terms_on(date(2023, 9, 1)).employment_pct == Decimal("100")
    assert sarah.contract_start == date(2023, 9, 1)
    assert sent[0][1] == date(2023, 9, 1)


def test_someone_who_comes_back_gets_a_second_contract(people):
    sarah = people["sarah"]
    employment.end_contract(actor=people["admin"], employee=sarah, period=_only_contract(people),
                            ends_on=date(2025, 6, 30), reason=None, today=TODAY)
    with signals() as sent:
        employment.add_contract(actor=people["admin"], employee=sarah, starts_on=date(2026, 2, 1), ends_on=None,
                                reason="Back", today=TODAY)
    db.session.commit()
    history = History.of(sarah)
    assert [(p.starts_on, p.ends_on) for p in history.contracts] == [
        (date(2024, 1, 1), date(2025, 6, 30)), (date(2026, 2, 1), None)]
    assert not history.is_employed_on(date(2025, 12, 1)) and history.is_employed_on(date(2026, 2, 1))
    assert (sarah.contract_start, sarah.contract_end) == (date(2024, 1, 1), None)
    assert sent == [(sarah.id, date(2026, 2, 1), "contract from 01 Feb 2026 to open-ended", people["admin"], TODAY)]
    assert _events("employee.contract_added")[-1].after["starts_on"] == "2026-02-01"


@pytest.mark.parametrize(("starts_on", "ends_on"), [(date(2025, 6, 1), None), (date(2023, 1, 1), date(2024, 1, 1)),
                                                    (date(2023, 1, 1), None)])
def test_a_contract_that_overlaps_one_in_force_is_refused(people, starts_on, ends_on):
    employment.end_contract(actor=people["admin"], employee=people["sarah"], period=_only_contract(people),
                            ends_on=date(2025, 6, 30), reason=None, today=TODAY)
    with pytest.raises(PeopleError, match="overlaps the contract from 2024-01-01 to 2025-06-30"):
        employment.add_contract(actor=people["admin"], employee=people["sarah"], starts_on=starts_on,
                                ends_on=ends_on, reason=None, today=TODAY)


def test_correcting_one_contract_into_the_next_is_refused(people):
    sarah = people["sarah"]
    first = employment.end_contract(actor=people["admin"], employee=sarah, period=_only_contract(people),
                                    ends_on=date(2025, 6, 30), reason=None, today=TODAY)
    employment.add_contract(actor=people["admin"], employee=sarah, starts_on=date(2026, 2, 1), ends_on=None,
                            reason=None, today=TODAY)
    with pytest.raises(PeopleError, match="overlaps the contract from 2026-02-01 to open-ended"):
        employment.end_contract(actor=people["admin"], employee=sarah, period=first, ends_on=date(2026, 3, 1),
                                reason=None, today=TODAY)


def test_a_contract_of_another_employee_is_refused(people):
    other = factories.employee(people["employer"])
    with pytest.raises(PeopleError, match="not one of this employee's"):
        employment.end_contract(actor=people["admin"], employee=other, period=_only_contract(people),
                                ends_on=date(2026, 9, 30), reason=None, today=TODAY)
