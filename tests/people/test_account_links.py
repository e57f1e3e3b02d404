"""Invitations that link: an invitation from a staff row makes (or finds) the account of that employee record;
an admin links an existing account to a record and unlinks it; an invitation typed for a staff member's address
offers to link. Refusals say why; another employer's records are 404. The linked employee sees their own leave."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ila_sme.accounts.models import Invitation, User
from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.people.models import EmployeeRecord
from tests import factories
from tests.conftest import csrf_token

NEW_PASSWORD = "a brand new password 42"
INVITATION_LINK = re.compile(r"http://localhost(/invitations/[\w.\-]+)")


@pytest.fixture
def shop(app):
    employer = factories.employer("Bakkerij Test", default_language="en")
    admin = factories.user("admin@example.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    manager = factories.user("boss@example.be", roles={employer: "manager"}, name="Bert Boss")
    sarah = factories.employee(employer, first_name="Sarah", last_name="Janssens", email="sarah@example.be")
    lucas = factories.employee(employer, first_name="Lucas", last_name="Peeters", email="lucas@example.be")
    other = factories.employer("Elders BV")
    stranger = factories.employee(other, first_name="Stan", last_name="Elders", email="stan@example.be")
    outsider = factories.user("out@example.be", roles={other: "employee"}, name="Olga Outsider")
    db.session.commit()
    return {"employer": employer, "admin": admin, "manager": manager, "sarah": sarah, "lucas": lucas,
            "stranger": stranger, "outsider": outsider}


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _accept(client, outbox, to: str) -> None:
    from email import message_from_bytes, policy
    mails = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in outbox()]
    body = [mail for mail in mails if mail["To"] == to][-1].get_content()
    path = INVITATION_LINK.search(body).group(1)
    client.get(path)
    response = client.post(path, data={"name": "Sarah Janssens", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)


def _record(employee) -> EmployeeRecord:
    db.session.expire_all()
    return db.session.get(EmployeeRecord, employee.id)


# Inviting from the staff row ------------------------------------------------------------------


def test_invite_from_the_row_links_the_new_account_and_the_employee_sees_their_own_leave(shop, auth, client, outbox):
    auth.login("admin@example.be")
    auth.post(f"/people/{shop['sarah'].id}/invite")
    assert "the account is linked to the employee record of Sarah Janssens" in client.get("/people").get_data(
        as_text=True)
    auth.logout()
    _accept(client, outbox, "sarah@example.be")
    user = db.session.scalar(select(User).where(User.email == "sarah@example.be"))
    assert _record(shop["sarah"]).user_id == user.id

    balances = client.get("/leave/balances").get_data(as_text=True)  # signed in by accepting
    assert "not linked to an employee record" not in balances
    assert "Sarah Janssens" in balances


def test_an_account_invited_unlinked_is_linked_from_the_row_without_a_second_mail(shop, auth, client, outbox):
    """The dead end of before: invited through the form, the account landed on "not linked"; the row said the
    role existed. Now the row links it."""
    auth.login("admin@example.be")
    auth.post("/people/invite", {"name": "Sarah", "email": "sarah@example.be", "role": "employee",
                                 "link_choice": "no"})
    auth.logout()
    _accept(client, outbox, "sarah@example.be")
    assert "not linked to an employee record" in client.get("/leave/balances").get_data(as_text=True)
    auth.logout()

    auth.login("admin@example.be")
    mails = len(outbox())
    auth.post(f"/people/{shop['sarah'].id}/invite")
    page = client.get("/people").get_data(as_text=True)
    assert "Sarah Janssens already had an account: it is now linked to their employee record." in page
    assert len(outbox()) == mails  # nothing sent
    user = db.session.scalar(select(User).where(User.email == "sarah@example.be"))
    assert _record(shop["sarah"]).user_id == user.id
    event, = _events("employee.account_linked")
    assert (event.actor_id, event.object_id) == (shop["admin"].id, str(shop["sarah"].id))

    auth.logout()
    auth.login("sarah@example.be", NEW_PASSWORD)
    assert "not linked to an employee record" not in client.get("/leave/balances").get_data(as_text=True)


def test_an_open_unlinked_invitation_is_given_the_record_from_the_row(shop, auth, client, outbox):
    auth.login("admin@example.be")
    auth.post("/people/invite", {"name": "Sarah", "email": "sarah@example.be", "role": "employee",
                                 "link_choice": "no"})
    invitation = db.session.scalar(select(Invitation))
    assert invitation.employee_record_id is None
    auth.post(f"/people/{shop['sarah'].id}/invite")
    db.session.expire_all()
    assert _count(Invitation) == 1 and len(outbox()) == 1
    assert db.session.get(Invitation, invitation.id).employee_record_id == shop["sarah"].id
    auth.logout()
    _accept(client, outbox, "sarah@example.be")
    assert _record(shop["sarah"]).user_id is not None


# The invitation form: the address of a staff member -------------------------------------------


def test_the_address_of_a_staff_member_offers_to_link_and_linking_invites_for_the_record(shop, auth, client, outbox):
    auth.login("admin@example.be")
    offer = auth.post("/people/invite", {"name": "Sarah", "email": "Sarah@Example.be", "role": "employee"})
    html = offer.get_data(as_text=True)
    assert "This e-mail address belongs to Sarah Janssens — link?" in html
    assert 'name="link_choice" value="link"' in html and 'name="link_choice" value="no"' in html
    assert _count(Invitation) == 0 and outbox() == []  # nothing sent before the answer

    response = auth.post("/people/invite", {"name": "Sarah", "email": "Sarah@Example.be", "role": "employee",
                                            "link_choice": "link"})
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.employee_record_id) == ("sarah@example.be", shop["sarah"].id)
    auth.logout()
    _accept(client, outbox, "sarah@example.be")
    assert _record(shop["sarah"]).user_id is not None


def test_a_role_that_exists_offers_to_link_rather_than_a_dead_end(shop, auth, client, outbox):
    lucas_account = factories.user("lucas@example.be", roles={shop["employer"]: "employee"}, name="Lucas P.")
    db.session.commit()
    auth.login("admin@example.be")
    offer = auth.post("/people/invite", {"name": "Lucas", "email": "lucas@example.be", "role": "employee"})
    assert "This e-mail address belongs to Lucas Peeters — link?" in offer.get_data(as_text=True)
    auth.post("/people/invite", {"name": "Lucas", "email": "lucas@example.be", "role": "employee",
                                 "link_choice": "link"})
    assert _record(shop["lucas"]).user_id == lucas_account.id and outbox() == []


def test_an_address_of_no_staff_member_is_invited_as_before(shop, auth, outbox):
    auth.login("admin@example.be")
    response = auth.post("/people/invite", {"name": "Nina", "email": "nina@example.be", "role": "accountant"})
    assert response.status_code == 302 and len(outbox()) == 1
    assert db.session.scalar(select(Invitation)).employee_record_id is None


# Link and unlink on the person's screen -------------------------------------------------------


def test_an_admin_links_an_existing_account_and_unlinks_it(shop, auth, client):
    account = factories.user("sj@example.be", roles={shop["employer"]: "manager"}, name="Sarah J.")
    db.session.commit()
    auth.login("admin@example.be")
    page = client.get(f"/people/{shop['sarah'].id}").get_data(as_text=True)
    assert "No account is linked to Sarah Janssens yet" in page
    assert f'<option value="{account.id}">Sarah J. (sj@example.be)</option>' in page
    assert "Olga Outsider" not in page  # an account of another employer is never offered

    response = auth.post(f"/people/{shop['sarah'].id}/account", {"user_id": account.id})
    assert response.status_code == 303
    assert _record(shop["sarah"]).user_id == account.id
    assert "employee" in db.session.get(User, account.id).roles_in(shop["employer"].id)  # sees their own leave
    page = client.get(f"/people/{shop['sarah'].id}").get_data(as_text=True)
    assert "The account of Sarah J. is now linked to Sarah Janssens." in page
    assert "Sarah Janssens signs in as Sarah J. (sj@example.be)" in page
    event, = _events("employee.account_linked")
    assert event.after == {"user_id": account.id, "role_added": "employee"}

    auth.post(f"/people/{shop['sarah'].id}/account/unlink")
    assert _record(shop["sarah"]).user_id is None
    assert "The account of Sarah J. is no longer linked to Sarah Janssens." in client.get(
        f"/people/{shop['sarah'].id}").get_data(as_text=True)
    event, = _events("employee.account_unlinked")
    assert event.before == {"user_id": account.id}


def test_an_account_is_one_employee_and_a_record_has_one_account(shop, auth, client):
    account = factories.user("sj@example.be", roles={shop["employer"]: "employee"}, name="Sarah J.")
    shop["lucas"].user_id = account.id
    db.session.commit()
    auth.login("admin@example.be")
    response = auth.post(f"/people/{shop['sarah'].id}/account", {"user_id": account.id})
    assert response.status_code == 422
    assert "The account of Sarah J. is already linked to Lucas Peeters: an account is one employee." in \
        response.get_data(as_text=True)
    assert _record(shop["sarah"]).user_id is None

    other = factories.user("x@example.be", roles={shop["employer"]: "employee"}, name="Xavier")
    db.session.commit()
    response = auth.post(f"/people/{shop['lucas'].id}/account", {"user_id": other.id})
    assert response.status_code == 422
    assert "Lucas Peeters is already linked to the account of Sarah J.: unlink it first." in \
        response.get_data(as_text=True)


def test_an_account_without_a_role_here_is_refused(shop, auth):
    auth.login("admin@example.be")
    response = auth.post(f"/people/{shop['sarah'].id}/account", {"user_id": shop["outsider"].id})
    assert response.status_code == 422
    assert "This account has no access to Bakkerij Test: invite them instead." in response.get_data(as_text=True)
    assert _record(shop["sarah"]).user_id is None
    response = auth.post(f"/people/{shop['sarah'].id}/account/unlink")
    assert "Sarah Janssens is not linked to an account." in auth.client.get(
        response.headers["Location"]).get_data(as_text=True)


def test_only_admins_link_and_other_employers_records_are_not_found(shop, auth, client):
    account = factories.user("sj@example.be", roles={shop["employer"]: "employee"}, name="Sarah J.")
    db.session.commit()
    auth.login("boss@example.be")
    assert auth.post(f"/people/{shop['sarah'].id}/account", {"user_id": account.id}).status_code == 403
    assert "Link this account" not in client.get(f"/people/{shop['sarah'].id}").get_data(as_text=True)
    auth.logout()
    auth.login("admin@example.be")
    stranger = shop["stranger"]
    assert auth.post(f"/people/{stranger.id}/account", {"user_id": account.id}).status_code == 404
    assert auth.post(f"/people/{stranger.id}/account/unlink").status_code == 404
    assert auth.post(f"/people/{stranger.id}/invite").status_code == 404
    assert _record(stranger).user_id is None
