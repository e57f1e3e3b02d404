"""The people screen: list and htmx search, add and edit, deputies, permissions, inviting."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.accounts import services as accounts
from ila_sme.accounts.models import Invitation
from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.identifiers import make_insz, mask_insz
from ila_sme.people.models import EmployeeRecord
from tests import factories

INSZ_PEETERS = make_insz(date(1987, 4, 12), 61)
INSZ_JANSSENS = make_insz(date(2001, 5, 21), 5)
INSZ_NEW = make_insz(date(1992, 3, 14), 42)


def _forms_of(insz: str) -> list[str]:
    """Every way the full number could appear in a page."""
    dotted = f"{insz[:2]}.{insz[2:4]}.{insz[4:6]}-{insz[6:9]}.{insz[9:]}"
    return [insz, dotted, insz[:9], f"{insz[:2]}.{insz[2:4]}.{insz[4:6]}"]


def _assert_no_full_insz(html: str, *numbers: str) -> None:
    for number in numbers:
        for form in _forms_of(number):
            assert form not in html, f"a national number leaked ({form[:2]}…)"


@pytest.fixture
def staff(app):
    employer = factories.employer("Bakkerij Test")
    manager = factories.user("m@example.be", roles={employer: "manager"}, name="Mia Manager")
    deputy = factories.user("d@example.be", roles={employer: "manager"}, name="Dirk Deputy")
    admin = factories.user("a@example.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    worker = factories.user("w@example.be", roles={employer: "employee"}, name="Wim Worker")
    peeters = factories.employee(employer, first_name="Zoë", last_name="Peeters", national_number=INSZ_PEETERS,
                                 team="Bakery", email="zoe@example.be", approver_id=manager.id)
    janssens = factories.employee(employer, first_name="Jan", last_name="Janssens", national_number=INSZ_JANSSENS,
                                  team="Shop")
    db.session.commit()
    return {"employer": employer, "manager": manager, "deputy": deputy, "admin": admin, "worker": worker,
            "peeters": peeters, "janssens": janssens}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(EmployeeRecord))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _employee_form(**overrides) -> dict:
    data = {
        "first_name": "Nora",
        "last_name": "Nieuw",
        "email": "nora@example.be",
        "national_number": f"{INSZ_NEW[:2]}.{INSZ_NEW[2:4]}.{INSZ_NEW[4:6]}-{INSZ_NEW[6:9]}.{INSZ_NEW[9:]}",
        "team": "Bakery",
        "employment_pct": "80",
        "hours_per_week": "30.4",
        "contract_start": "2024-09-01",
        "contract_end": "",
        "approver_id": "0",
        "deputy_id": "0",
        "deputy_from": "",
        "deputy_until": "",
    }
    data.update(overrides)
    return data


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<small id="{field}-error" class="field-error">([^<]*)</small>', html)
    assert match, f"no error tied to {field}"
    return match.group(1)


# List and search -----------------------------------------------------------------------------


def test_manager_sees_names_and_masked_numbers_only(staff, auth, client):
    auth.login("m@example.be")
    response = client.get("/people")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Zoë Peeters" in html and "Jan Janssens" in html
    assert mask_insz(INSZ_PEETERS) in html
    assert mask_insz(INSZ_JANSSENS) in html
    _assert_no_full_insz(html, INSZ_PEETERS, INSZ_JANSSENS)
    assert "Mia Manager" in html  # Peeters' approver


def test_each_row_links_to_the_employees_credentials_for_managers(staff, auth, client):
    auth.login("m@example.be")
    html = client.get("/people").get_data(as_text=True)
    links = re.findall(r'href="/credentials/employees/(\d+)"', html)
    assert len(links) == 2  # both employees of this employer: the manager sees their visible credentials


def test_list_shows_only_the_current_employers_people(staff, auth, client):
    other = factories.employer("Other BV")
    factories.employee(other, first_name="Otto", last_name="Outsider")
    db.session.commit()
    auth.login("m@example.be")
    html = client.get("/people").get_data(as_text=True)
    assert "Zoë Peeters" in html
    assert "Outsider" not in html


def test_htmx_search_returns_only_the_results_fragment(staff, auth, client):
    auth.login("m@example.be")
    response = client.get("/people?q=peet", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<body" not in html
    assert html.lstrip().startswith('<div id="people-results">')
    assert "Zoë Peeters" in html
    assert "Janssens" not in html
    assert "Open invitations" not in html  # outside the results block
    _assert_no_full_insz(html, INSZ_PEETERS)
    assert "HX-Request" in response.headers.get("Vary", "")


def test_search_by_team_is_case_insensitive(staff, auth, client):
    auth.login("m@example.be")
    html = client.get("/people?q=SHOP", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Jan Janssens" in html and "Peeters" not in html


def test_search_without_match_says_so(staff, auth, client):
    auth.login("m@example.be")
    html = client.get("/people?q=nobody", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Nobody matches “nobody”." in html
    assert "<table>" not in html


def test_search_does_not_match_on_the_national_number(staff, auth, client):
    auth.login("m@example.be")
    html = client.get(f"/people?q={INSZ_PEETERS[:6]}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Peeters" not in html  # searching by number would be an oracle for the full number


def test_search_without_htmx_returns_the_whole_page_filtered(staff, auth, client):
    auth.login("m@example.be")
    response = client.get("/people?q=jan")
    html = response.get_data(as_text=True)
    assert "<html" in html and 'id="people-results"' in html
    assert 'value="jan"' in html
    assert "Jan Janssens" in html and "Zoë Peeters" not in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_boosted_navigation_gets_the_whole_page(staff, auth, client):
    auth.login("m@example.be")
    html = client.get("/people", headers={"HX-Request": "true", "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in html and "Open invitations" in html


# Add -----------------------------------------------------------------------------------------


def test_add_employee_saves_it_with_an_audit_event(staff, auth, client):
    auth.login("m@example.be")
    before = _count()
    response = auth.post("/people/new", _employee_form(approver_id=str(staff["manager"].id)))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/people")
    assert _count() == before + 1
    nora = db.session.scalar(select(EmployeeRecord).where(EmployeeRecord.last_name == "Nieuw"))
    assert nora.national_number == INSZ_NEW  # normalised from the dotted form
    assert nora.employer_id == staff["employer"].id
    assert nora.employment_pct == Decimal("80")
    assert nora.hours_per_week == Decimal("30.4")
    assert nora.contract_start == date(2024, 9, 1) and nora.contract_end is None
    assert nora.approver_id == staff["manager"].id
    assert nora.email == "nora@example.be"

    events = _events("employee.created")
    assert len(events) == 1
    event = events[0]
    assert event.object_id == str(nora.id)
    assert event.actor_id == staff["manager"].id
    assert event.employer_id == staff["employer"].id
    assert event.after["national_number"] == mask_insz(INSZ_NEW)
    assert event.after["last_name"] == "Nieuw"
    _assert_no_full_insz(repr(event.after) + repr(event.before), INSZ_NEW)

    page = client.get("/people").get_data(as_text=True)
    assert "Nora Nieuw was added." in page


def test_add_employee_with_invalid_insz_shows_the_error_on_the_field(staff, auth):
    auth.login("m@example.be")
    before = _count()
    response = auth.post("/people/new", _employee_form(national_number="85.07.30-033.27"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _field_error(html, "national_number") == "Not a valid national number (11 digits with a valid check)."
    assert re.search(r'<input[^>]*aria-describedby="national_number-error[^"]*"[^>]*aria-invalid="true"', html) or \
        re.search(r'<input[^>]*aria-invalid="true"[^>]*id="national_number"', html)
    assert _count() == before
    assert _events("employee.created") == []


def test_add_employee_requires_a_national_number(staff, auth):
    auth.login("m@example.be")
    before = _count()
    html = auth.post("/people/new", _employee_form(national_number="")).get_data(as_text=True)
    assert _field_error(html, "national_number") == "The national number is required."
    assert _count() == before


def test_add_employee_with_a_duplicate_insz_is_refused(staff, auth):
    auth.login("m@example.be")
    before = _count()
    response = auth.post("/people/new", _employee_form(national_number=INSZ_PEETERS))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _field_error(html, "national_number") == "This national number is already in use."
    assert _count() == before
    assert _events("employee.created") == []


def test_same_insz_at_another_employer_is_allowed(staff, auth):
    other = factories.employer("Other BV")
    factories.employee(other, national_number=INSZ_NEW)
    db.session.commit()
    auth.login("m@example.be")
    assert auth.post("/people/new", _employee_form()).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(EmployeeRecord)
                             .where(EmployeeRecord.national_number == INSZ_NEW)) == 2


def test_contract_end_before_start_is_refused(staff, auth):
    auth.login("m@example.be")
    before = _count()
    html = auth.post("/people/new", _employee_form(contract_end="2024-08-31")).get_data(as_text=True)
    assert _field_error(html, "contract_end") == "The contract cannot end before it starts."
    assert _count() == before


def test_approver_must_be_a_manager_here(staff, auth):
    auth.login("m@example.be")
    before = _count()
    html = auth.post("/people/new", _employee_form(approver_id=str(staff["worker"].id))).get_data(as_text=True)
    assert "Not a valid choice" in _field_error(html, "approver_id")
    assert _count() == before


# Deputies ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dates",
    [{}, {"deputy_from": "2025-07-01"}, {"deputy_until": "2025-07-31"}],
    ids=["no-dates", "only-from", "only-until"],
)
def test_deputy_without_both_dates_is_refused(staff, auth, dates):
    auth.login("m@example.be")
    before = _count()
    form = _employee_form(approver_id=str(staff["manager"].id), deputy_id=str(staff["deputy"].id), **dates)
    response = auth.post("/people/new", form)
    assert response.status_code == 200
    assert "A deputy needs a from and an until date." in response.get_data(as_text=True)
    assert _count() == before


def test_deputy_with_dates_is_saved(staff, auth):
    auth.login("m@example.be")
    form = _employee_form(approver_id=str(staff["manager"].id), deputy_id=str(staff["deputy"].id),
                          deputy_from="2025-07-01", deputy_until="2025-07-31")
    assert auth.post("/people/new", form).status_code == 302
    nora = db.session.scalar(select(EmployeeRecord).where(EmployeeRecord.last_name == "Nieuw"))
    assert nora.deputy_id == staff["deputy"].id
    assert (nora.deputy_from, nora.deputy_until) == (date(2025, 7, 1), date(2025, 7, 31))
    assert nora.deputy_active_on(date(2025, 7, 15)) and not nora.deputy_active_on(date(2025, 8, 1))


def test_deputy_until_before_from_is_refused(staff, auth):
    auth.login("m@example.be")
    before = _count()
    form = _employee_form(deputy_id=str(staff["deputy"].id), deputy_from="2025-07-31", deputy_until="2025-07-01")
    html = auth.post("/people/new", form).get_data(as_text=True)
    assert "The until date is before the from date." in html
    assert _count() == before


def test_deputy_cannot_be_the_approver(staff, auth):
    auth.login("m@example.be")
    before = _count()
    form = _employee_form(approver_id=str(staff["manager"].id), deputy_id=str(staff["manager"].id),
                          deputy_from="2025-07-01", deputy_until="2025-07-31")
    html = auth.post("/people/new", form).get_data(as_text=True)
    assert _field_error(html, "deputy_id") == "The deputy must be someone other than the approver."
    assert _count() == before


# Edit ----------------------------------------------------------------------------------------


def _edit_form(employee, **overrides) -> dict:
    data = {
        "first_name": employee.first_name,
        "last_name": employee.last_name,
        "email": employee.email or "",
        "national_number": "",
        "team": employee.team or "",
        "employment_pct": str(employee.employment_pct),
        "hours_per_week": str(employee.hours_per_week),
        "contract_start": employee.contract_start.isoformat(),
        "contract_end": employee.contract_end.isoformat() if employee.contract_end else "",
        "approver_id": str(employee.approver_id or 0),
        "deputy_id": str(employee.deputy_id or 0),
        "deputy_from": "",
        "deputy_until": "",
    }
    data.update(overrides)
    return data


def test_edit_form_never_contains_the_full_insz(staff, auth, client):
    auth.login("m@example.be")
    response = client.get(f"/people/{staff['peeters'].id}/edit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert mask_insz(INSZ_PEETERS) in html
    assert re.search(r'<input[^>]*id="national_number"[^>]*value=""', html) or \
        re.search(r'<input[^>]*value=""[^>]*id="national_number"', html)
    assert 'value="Zoë"' in html and 'value="Peeters"' in html
    _assert_no_full_insz(html, INSZ_PEETERS)


def test_edit_with_blank_insz_keeps_the_old_one(staff, auth):
    auth.login("m@example.be")
    peeters = staff["peeters"]
    # A regime posted to the edit form changes nothing: terms change from a day on (the working life page).
    response = auth.post(f"/people/{peeters.id}/edit", _edit_form(peeters, team="Pastry", employment_pct="50"))
    assert response.status_code == 302
    db.session.refresh(peeters)
    assert peeters.national_number == INSZ_PEETERS
    assert peeters.team == "Pastry"
    assert peeters.employment_pct == Decimal("100")
    events = _events("employee.updated")
    assert len(events) == 1
    assert set(events[0].after) == {"team"}
    assert events[0].before == {"team": "Bakery"}
    assert events[0].after["team"] == "Pastry"


def test_edit_with_a_new_insz_changes_it_and_audits_it_masked(staff, auth):
    auth.login("m@example.be")
    peeters = staff["peeters"]
    assert auth.post(f"/people/{peeters.id}/edit", _edit_form(peeters, national_number=INSZ_NEW)).status_code == 302
    db.session.refresh(peeters)
    assert peeters.national_number == INSZ_NEW
    event = _events("employee.updated")[-1]
    assert event.before == {"national_number": mask_insz(INSZ_PEETERS)}
    assert event.after == {"national_number": mask_insz(INSZ_NEW)}


def test_edit_without_changes_writes_no_audit_event(staff, auth):
    auth.login("m@example.be")
    peeters = staff["peeters"]
    assert auth.post(f"/people/{peeters.id}/edit", _edit_form(peeters)).status_code == 302
    assert _events("employee.updated") == []


def test_edit_to_a_colleagues_insz_is_refused(staff, auth):
    auth.login("m@example.be")
    peeters = staff["peeters"]
    html = auth.post(f"/people/{peeters.id}/edit", _edit_form(peeters, national_number=INSZ_JANSSENS)).get_data(
        as_text=True)
    assert _field_error(html, "national_number") == "This national number is already in use."
    db.session.refresh(peeters)
    assert peeters.national_number == INSZ_PEETERS


def test_edit_with_an_error_does_not_reveal_the_insz(staff, auth):
    auth.login("m@example.be")
    peeters = staff["peeters"]
    response = auth.post(f"/people/{peeters.id}/edit", _edit_form(peeters, first_name=""))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This field is required." in html
    _assert_no_full_insz(html, INSZ_PEETERS)


def test_edit_post_without_the_insz_field_does_not_reveal_it(staff, auth):
    """A request that leaves the field out (not a browser form) must not get the stored number back."""
    auth.login("m@example.be")
    peeters = staff["peeters"]
    form = _edit_form(peeters, first_name="")
    del form["national_number"]
    html = auth.post(f"/people/{peeters.id}/edit", form).get_data(as_text=True)
    assert "This field is required." in html
    _assert_no_full_insz(html, INSZ_PEETERS)


def test_edit_of_an_unknown_employee_is_404(staff, auth, client):
    auth.login("m@example.be")
    assert client.get("/people/999999/edit").status_code == 404


# Permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/people", "/people/new", "/people/import", "/people/invite"])
def test_employee_role_gets_403(staff, auth, client, path):
    auth.login("w@example.be")
    response = client.get(path)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "You are not allowed to do this." in html
    assert "Peeters" not in html


def test_employee_role_cannot_add_people(staff, auth):
    auth.login("w@example.be")
    before = _count()
    assert auth.post("/people/new", _employee_form()).status_code == 403
    assert _count() == before


def test_anonymous_is_sent_to_sign_in(staff, client):
    response = client.get("/people")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# Inviting an employee ------------------------------------------------------------------------


def _mails(outbox):
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in outbox()]


def test_invite_button_sends_a_mail_with_a_link(staff, auth, client, outbox):
    auth.login("m@example.be")
    peeters = staff["peeters"]
    page = client.get("/people").get_data(as_text=True)
    assert f'action="/people/{peeters.id}/invite"' in page
    assert f'action="/people/{staff["janssens"].id}/invite"' not in page  # no e-mail address
    assert outbox() == []

    response = auth.post(f"/people/{peeters.id}/invite")
    assert response.status_code == 302
    mails = _mails(outbox)
    assert len(mails) == 1
    assert mails[0]["To"] == "zoe@example.be"
    body = mails[0].get_content()
    assert re.search(r"http://localhost/invitations/[\w.-]+", body)
    _assert_no_full_insz(body, INSZ_PEETERS)

    invitation = db.session.scalar(select(Invitation))
    assert invitation.email == "zoe@example.be"
    assert invitation.role == "employee"
    assert invitation.employee_record_id == peeters.id
    assert invitation.invited_by_id == staff["manager"].id
    assert len(_events("invitation.created")) == 1

    page = client.get("/people").get_data(as_text=True)
    assert "An invitation was sent to zoe@example.be; the account is linked to the employee record of Zoë Peeters." \
        in page
    assert "Open invitations" in page and "zoe@example.be" in page


@pytest.mark.parametrize("taken", [False, True])
def test_accepting_an_employees_invitation_makes_the_new_user_that_employee(app, staff, taken):
    """Unless the record already has its user: then the new user only joins the employer."""
    peeters = staff["peeters"]
    if taken:
        peeters.user_id = staff["worker"].id
    with app.test_request_context(method="POST"):
        invitation = accounts.invite(actor=staff["manager"], employer=staff["employer"], email="zoe@example.be",
                                     name="Zoë Peeters", role="employee", employee_record=peeters)
    user = accounts.accept_invitation(invitation, name="Zoë Peeters", password="correct horse battery staple")
    db.session.commit()
    db.session.expire_all()
    assert peeters.user_id == (staff["worker"].id if taken else user.id)
    assert "employee" in user.roles_in(staff["employer"].id)


def test_inviting_twice_sends_one_mail(staff, auth, client, outbox):
    auth.login("m@example.be")
    peeters = staff["peeters"]
    auth.post(f"/people/{peeters.id}/invite")
    auth.post(f"/people/{peeters.id}/invite")
    assert len(outbox()) == 1
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 1
    assert "already has an open invitation" in client.get("/people").get_data(as_text=True)


def test_inviting_an_employee_without_email_sends_nothing(staff, auth, client, outbox):
    auth.login("m@example.be")
    auth.post(f"/people/{staff['janssens'].id}/invite")
    assert outbox() == []
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert "Add an e-mail address to Jan Janssens first." in client.get("/people").get_data(as_text=True)


def test_employee_role_cannot_invite(staff, auth, outbox):
    auth.login("w@example.be")
    assert auth.post(f"/people/{staff['peeters'].id}/invite").status_code == 403
    assert outbox() == []
