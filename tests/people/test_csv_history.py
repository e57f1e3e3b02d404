"""A CSV row whose national number is on file updates that person's history: new terms from ``valid_from``
(with an optional ``pattern``), a corrected contract end. Every change audited and signalled; all rows or none."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.identifiers import make_insz
from ila_sme.messages import say
from ila_sme.people import csv_import, employment, services
from ila_sme.people.events import PeopleError
from ila_sme.people.history import ContractPeriod, History, WorkTerms
from ila_sme.people.models import EmployeeRecord
from ila_sme.people.services import employment_changed
from tests import factories

HEADER = ("first_name;last_name;national_number;employment_pct;hours_per_week;contract_start;contract_end;"
          "valid_from;pattern")
INSZ_EVA = make_insz(date(1975, 11, 3), 77)
INSZ_NEW = make_insz(date(1990, 2, 14), 120)
TODAY = date(2026, 6, 15)


@pytest.fixture
def setup(app):
    employer = factories.employer("Bakkerij Import")
    admin = factories.user("admin@import.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    eva = factories.employee(employer, national_number=INSZ_EVA, first_name="Eva", last_name="Existing",
                             contract_start=date(2020, 1, 1), employment_pct=Decimal("100"),
                             hours_per_week=Decimal("38"))
    db.session.commit()
    return {"employer": employer, "admin": admin, "eva": eva}


@pytest.fixture
def ctx(app):
    with app.test_request_context("/people/import", method="POST", headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def sent():
    calls = []

    def receiver(employee, **kwargs):
        calls.append((employee.id, kwargs["since"], say(kwargs["change"])))

    employment_changed.connect(receiver)
    yield calls
    employment_changed.disconnect(receiver)


def _import(setup, *lines: str):
    content = (HEADER + "\n" + "\n".join(lines) + "\n").encode()
    rows, errors = csv_import.parse(content, {})
    assert errors == []
    return services.import_employees(actor=setup["admin"], employer=setup["employer"], rows=rows, today=TODAY)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_row_on_file_with_new_terms_adds_a_terms_row_from_valid_from(setup, ctx, sent):
    eva = setup["eva"]
    result = _import(setup, f"Eva;Existing;{INSZ_EVA};50;19;2020-01-01;;2026-07-01;")
    db.session.commit()
    assert result.ok and result.created == [] and result.updated == [eva]
    history = History.of(eva)
    assert [(span.terms.valid_from, span.terms.employment_pct, span.valid_until) for span in history.spans()] == [
        (date(2020, 1, 1), Decimal("100.00"), date(2026, 6, 30)), (date(2026, 7, 1), Decimal("50.00"), None)]
    # No pattern in the row: the current days, scaled to the new hours.
    assert history.terms[-1].pattern == ["3.80", "3.80", "3.80", "3.80", "3.80", "0.00", "0.00"]
    assert sent == [(eva.id, date(2026, 7, 1), "work regime 50 % (19 h a week) from 01 Jul 2026")]
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "employee.terms_changed")).all()) == 1
    imported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "employees.imported")).one()
    assert imported.after == {"count": 0, "updated": 1}


def test_a_pattern_column_gives_the_days(setup, ctx):
    _import(setup, f'Eva;Existing;{INSZ_EVA};100;38;2020-01-01;;2026-07-01;"0;8;8;8;8;6;0"')
    terms = History.of(setup["eva"]).terms_on(date(2026, 7, 1))
    assert terms.pattern == ["0.00", "8.00", "8.00", "8.00", "8.00", "6.00", "0.00"]
    assert terms.valid_from == date(2026, 7, 1) and terms.hours_per_week == Decimal("38.00")


def test_a_row_on_file_that_changes_nothing_writes_nothing(setup, ctx, sent):
    before = (_count(WorkTerms), _count(ContractPeriod))
    result = _import(setup, f"Eva;Existing;{INSZ_EVA};100;38;2020-01-01;;;")
    assert result.ok and result.updated == []
    assert (_count(WorkTerms), _count(ContractPeriod)) == before and sent == []


def test_a_new_contract_end_is_a_correction_of_the_contract(setup, ctx, sent):
    eva = setup["eva"]
    result = _import(setup, f"Eva;Existing;{INSZ_EVA};100;38;2020-01-01;2026-09-30;;")
    assert result.ok
    (period,) = History.of(eva).contracts
    assert period.ends_on == date(2026, 9, 30) and period.replaces_id is not None
    assert eva.contract_end == date(2026, 9, 30)
    assert sent == [(eva.id, date(2026, 10, 1),
                     "contract from 01 Jan 2020 to 30 Sept 2026 (was 01 Jan 2020 to open-ended)")]


def test_new_and_known_people_in_one_file(setup, ctx):
    result = _import(setup, f"Eva;Existing;{INSZ_EVA};80;30,4;2020-01-01;;2026-01-01;",
                     f'Nora;Nieuw;{INSZ_NEW};100;38;2026-03-01;;;"0;8;8;8;8;6;0"')
    assert result.ok and [e.first_name for e in result.created] == ["Nora"] and result.updated == [setup["eva"]]
    nora = result.created[0]
    assert History.of(nora).terms[0].pattern == ["0.00", "8.00", "8.00", "8.00", "8.00", "6.00", "0.00"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (f"Eva;Existing;{INSZ_EVA};50;19;2020-01-01;;;", "valid_from is required"),
        (f"Eva;Existing;{INSZ_EVA};50;19;2020-01-01;;2019-06-01;", "valid_from 2019-06-01 is outside every contract"),
        (f'Eva;Existing;{INSZ_EVA};100;38;2020-01-01;;2026-07-01;"8;8;8;8;0;0;0"',
         "must equal the sum of the weekly pattern"),
        (f"Eva;Existing;{INSZ_EVA};100;38;2019-01-01;2019-12-31;;", "contract_end is before the start"),
    ],
)
def test_a_bad_row_on_file_keeps_the_whole_file_out(setup, ctx, sent, line, message):
    before = (_count(EmployeeRecord), _count(WorkTerms), _count(ContractPeriod))
    result = _import(setup, f"Nora;Nieuw;{INSZ_NEW};100;38;2026-03-01;;;", line)
    assert not result.ok
    assert [(number, text) for number, text in result.errors if message in text] == [(3, result.errors[0][1])]
    assert result.created == [] and result.updated == []
    assert (_count(EmployeeRecord), _count(WorkTerms), _count(ContractPeriod)) == before and sent == []


def test_a_pattern_that_is_not_seven_days_is_a_shape_error(setup):
    content = (HEADER + "\n" + f'Nora;Nieuw;{INSZ_NEW};100;38;2026-03-01;;;"8;8;8"\n').encode()
    rows, errors = csv_import.parse(content, {})
    assert rows == [] and errors == [(2, "pattern: The weekly pattern needs 7 days, Monday to Sunday.")]


def test_the_import_screen_says_how_many_were_updated(setup, auth, client):
    auth.login("admin@import.be")
    content = (HEADER + "\n" + f"Eva;Existing;{INSZ_EVA};50;19;2020-01-01;;2026-07-01;\n").encode()
    response = auth.post("/people/import", {"file": (io.BytesIO(content), "people.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get("/people").get_data(as_text=True)
    assert "1 employee on file was updated." in page
    assert History.of(setup["eva"]).terms_on(date(2026, 7, 1)).employment_pct == Decimal("50")


def test_a_new_person_whose_pattern_does_not_make_the_week_keeps_the_file_out(setup, ctx):
    before = (_count(EmployeeRecord), _count(WorkTerms))
    result = _import(setup, f"Eva;Existing;{INSZ_EVA};50;19;2020-01-01;;2026-07-01;",
                     f'Nora;Nieuw;{INSZ_NEW};100;38;2026-03-01;;;"8;8;8;8;0;0;0"')
    assert result.errors == [(3, "The hours per week (38) must equal the sum of the weekly pattern (32).")]
    assert (_count(EmployeeRecord), _count(WorkTerms)) == before


def test_a_refusal_met_while_writing_rolls_back_the_rows_written_before_it(setup, ctx, monkeypatch):
    """The checks run first; should a rule still refuse a row while the file is written, the rows before it go
    too (a savepoint), and the caller's transaction stays usable."""
    def refuse(**_kwargs):
        raise PeopleError("refused while writing", "ends_on")

    monkeypatch.setattr(employment, "end_contract", refuse)
    before = (_count(EmployeeRecord), _count(WorkTerms), _count(ContractPeriod))
    result = _import(setup, f"Nora;Nieuw;{INSZ_NEW};100;38;2026-03-01;;;",
                     f"Eva;Existing;{INSZ_EVA};100;38;2020-01-01;2026-09-30;;")
    assert result.errors == [(3, "refused while writing")] and result.created == []
    assert (_count(EmployeeRecord), _count(WorkTerms), _count(ContractPeriod)) == before
    db.session.commit()
    assert db.session.scalar(select(EmployeeRecord).where(EmployeeRecord.national_number == INSZ_NEW)) is None
