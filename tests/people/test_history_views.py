"""The working-life page: terms with their validity, the weekly pattern, contracts; changing them with and
without htmx; refusals answer 422 with the message, never a 5xx; who may see and change it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.extensions import db
from ila_sme.people import employment
from ila_sme.people.history import ContractPeriod, History, WorkTerms
from tests import factories
from tests.people.test_views import _employee_form

HTMX = {"HX-Request": "true"}


@pytest.fixture
def staff(app):
    employer = factories.employer("Bakkerij Leven")
    admin = factories.user("a@leven.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    manager = factories.user("m@leven.be", roles={employer: "manager"}, name="Mia Manager")
    factories.user("w@leven.be", roles={employer: "employee"}, name="Wim Worker")
    sarah = factories.employee(employer, first_name="Sarah", last_name="Smet", contract_start=date(2024, 1, 1),
                               employment_pct=Decimal("80"), hours_per_week=Decimal("30.4"),
                               pattern=["0", "7.6", "7.6", "7.6", "7.6", "0", "0"])
    db.session.commit()
    return {"employer": employer, "admin": admin, "manager": manager, "sarah": sarah}


def _error(html: str, field_id: str) -> str:
    match = re.search(rf'<small id="{field_id}-error" class="field-error">([^<]*)</small>', html)
    assert match, f"no error tied to {field_id}"
    return match.group(1)


def _terms(**overrides) -> dict:
    data = {"valid_from": "2026-07-01", "employment_pct": "50", "hours_per_week": "",
            "day_0": "3,8", "day_1": "3,8", "day_2": "3,8", "day_3": "3,8", "day_4": "3,8", "day_5": "", "day_6": "",
            "reason": "Part-time"}
    data.update(overrides)
    return data


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_page_shows_terms_pattern_and_contracts(staff, auth, client):
    employment.change_terms(actor=staff["admin"], employee=staff["sarah"], valid_from=date(2026, 7, 1),
                            employment_pct=Decimal("50"), hours_per_week=None, pattern=["3.8"] * 5 + ["0", "0"],
                            reason="Part-time", today=date(2026, 6, 1))
    db.session.commit()
    auth.login("m@leven.be")
    response = client.get(f"/people/{staff['sarah'].id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "From Jan 1, 2024" in html and "until Jun 30, 2026" in html and "From Jul 1, 2026" in html
    # Numbers as every page writes them (Belgian conventions: a decimal comma).
    assert "Work regime 80 % · 30,4 h a week" in html and "Work regime 50 % · 19 h a week" in html
    # The weekly pattern, day by day: Monday off, Tuesday to Friday 7.6 h (the older terms).
    assert re.search(r"<dt>Mon</dt><dd class=\"off\">0</dd>", html)
    assert re.search(r"<dt>Tue</dt><dd>7,6</dd>", html)
    assert "Jan 1, 2024 – open-ended" in html
    assert f'action="/people/{staff["sarah"].id}/terms"' in html  # a manager may edit people today


def test_the_list_links_to_the_working_life(staff, auth, client):
    auth.login("m@leven.be")
    assert f'href="/people/{staff["sarah"].id}"' in client.get("/people").get_data(as_text=True)


def test_the_htmx_request_gets_only_the_history_region(staff, auth, client):
    auth.login("m@leven.be")
    html = client.get(f"/people/{staff['sarah'].id}", headers=HTMX).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="history">') and "<html" not in html


def test_new_terms_without_htmx_redirect_to_the_page(staff, auth, client):
    auth.login("a@leven.be")
    sarah = staff["sarah"]
    response = auth.post(f"/people/{sarah.id}/terms", _terms())
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/people/{sarah.id}")
    terms = History.of(sarah).terms_on(date(2026, 7, 1))
    assert (terms.employment_pct, terms.hours_per_week) == (Decimal("50.00"), Decimal("19.00"))
    assert terms.pattern == ["3.80", "3.80", "3.80", "3.80", "3.80", "0.00", "0.00"]
    assert "The new terms of Sarah Smet were saved." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_new_terms_with_htmx_answer_the_region_with_the_new_row(staff, auth):
    auth.login("a@leven.be")
    response = auth.post(f"/people/{staff['sarah'].id}/terms", _terms(), headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<div id="history">' in html and "From Jul 1, 2026" in html and "Work regime 50 % · 19 h a week" in html
    assert "The new terms of Sarah Smet were saved." in html  # the flash, out of band


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"day_0": "", "day_1": "", "day_2": "", "day_3": "", "day_4": ""}, "pattern",
         "The weekly pattern needs at least one working day."),
        ({"day_2": "25"}, "day_2", "Wed: At most 24."),
        ({"hours_per_week": "38"}, "hours_per_week",
         "The hours per week (38) must equal the sum of the weekly pattern (19)."),
        ({"valid_from": "2023-06-01"}, "valid_from", "2023-06-01 is outside every contract of this employee."),
        ({"employment_pct": "0"}, "employment_pct", "The work regime is a percentage above 0 and at most 100."),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_refused_terms_answer_422_with_the_message_and_write_nothing(staff, auth, overrides, field_id, message,
                                                                      headers):
    auth.login("a@leven.be")
    before = _count(WorkTerms)
    response = auth.post(f"/people/{staff['sarah'].id}/terms", _terms(**overrides), headers=headers)
    assert response.status_code == 422
    assert _error(response.get_data(as_text=True), field_id) == message
    assert _count(WorkTerms) == before


def test_ending_the_contract(staff, auth):
    auth.login("a@leven.be")
    sarah = staff["sarah"]
    (period,) = History.of(sarah).contracts
    prefix = f"c{period.id}-"
    response = auth.post(f"/people/{sarah.id}/contracts/{period.id}",
                         {prefix + "starts_on": "2024-01-01", prefix + "ends_on": "2026-09-30",
                          prefix + "reason": "Resigned"}, headers=HTMX)
    assert response.status_code == 200
    assert "Jan 1, 2024 – Sep 30, 2026" in response.get_data(as_text=True)
    db.session.refresh(sarah)
    assert sarah.contract_end == date(2026, 9, 30)


def test_adding_a_contract_that_overlaps_is_refused_with_422(staff, auth):
    auth.login("a@leven.be")
    before = _count(ContractPeriod)
    response = auth.post(f"/people/{staff['sarah'].id}/contracts",
                         {"new-starts_on": "2025-01-01", "new-ends_on": "", "new-reason": ""}, headers=HTMX)
    assert response.status_code == 422
    assert _error(response.get_data(as_text=True), "new-starts_on") == (
        "This contract overlaps the contract from 2024-01-01 to open-ended.")
    assert _count(ContractPeriod) == before


def test_adding_a_contract_after_the_end(staff, auth):
    sarah = staff["sarah"]
    (period,) = History.of(sarah).contracts
    employment.end_contract(actor=staff["admin"], employee=sarah, period=period, ends_on=date(2025, 6, 30),
                            reason=None, today=date(2026, 1, 5))
    db.session.commit()
    auth.login("a@leven.be")
    response = auth.post(f"/people/{sarah.id}/contracts",
                         {"new-starts_on": "2026-02-01", "new-ends_on": "", "new-reason": "Back"})
    assert response.status_code == 303
    assert [(p.starts_on, p.ends_on) for p in History.of(sarah).contracts] == [
        (date(2024, 1, 1), date(2025, 6, 30)), (date(2026, 2, 1), None)]


def test_the_edit_form_no_longer_carries_terms_or_contract(staff, auth, client):
    auth.login("a@leven.be")
    html = client.get(f"/people/{staff['sarah'].id}/edit").get_data(as_text=True)
    assert 'name="employment_pct"' not in html and 'name="contract_end"' not in html
    assert f'href="/people/{staff["sarah"].id}"' in html


def test_a_new_employee_may_bring_a_saturday_pattern(staff, auth):
    auth.login("a@leven.be")
    data = _employee_form(employment_pct="100", hours_per_week="38", day_0="", day_1="8", day_2="8", day_3="8",
                          day_4="8", day_5="6", day_6="")
    assert auth.post("/people/new", data).status_code == 302
    newest = db.session.scalars(select(WorkTerms).order_by(WorkTerms.id.desc())).first()
    assert newest.pattern == ["0.00", "8.00", "8.00", "8.00", "8.00", "6.00", "0.00"]


def test_a_new_employee_whose_pattern_does_not_add_up_is_refused(staff, auth):
    auth.login("a@leven.be")
    data = _employee_form(employment_pct="100", hours_per_week="38", day_0="8")
    response = auth.post("/people/new", data)
    assert response.status_code == 200
    assert _error(response.get_data(as_text=True), "hours_per_week") == (
        "The hours per week (38) must equal the sum of the weekly pattern (8).")


def test_an_employee_may_neither_see_nor_change_the_history(staff, auth, client):
    auth.login("w@leven.be")
    assert client.get(f"/people/{staff['sarah'].id}").status_code == 403
    assert auth.post(f"/people/{staff['sarah'].id}/terms", _terms()).status_code == 403


def test_another_employers_person_is_404(staff, auth, client):
    other = factories.employee(factories.employer("Elders"))
    db.session.commit()
    auth.login("a@leven.be")
    assert client.get(f"/people/{other.id}").status_code == 404
    assert auth.post(f"/people/{other.id}/terms", _terms()).status_code == 404
