"""Invitations by e-mail and password resets: signed links that work once, and only in time."""

from __future__ import annotations

import email
import email.policy
import re
import time

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from ila_sme.accounts.models import Invitation, User
from ila_sme.audit.models import AuditEvent
from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from tests import factories
from tests.conftest import csrf_token

NEW_PASSWORD = "a brand new password 42"
INVITATION_LINK = re.compile(r"http://localhost(/invitations/[\w.\-]+)")
RESET_LINK = re.compile(r"http://localhost(/password/reset/[\w.\-]+)")
SAME_FLASH = "If an account exists for this address, we sent it a link to choose a new password."


@pytest.fixture
def shop(app):
    employer = factories.employer("Bakkerij Test", default_language="en")
    admin = factories.user("admin@example.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    manager = factories.user("boss@example.be", roles={employer: "manager"}, name="Bert Boss")
    record = factories.employee(employer, first_name="Zoë", last_name="Peeters", email="zoe@example.be")
    db.session.commit()
    return {"employer": employer, "admin": admin, "manager": manager, "record": record}


def _mails(outbox):
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in outbox()]


def _link(outbox, pattern, to: str) -> str:
    mails = [mail for mail in _mails(outbox) if mail["To"] == to]
    assert mails, f"no mail to {to}"
    match = pattern.search(mails[-1].get_content())
    assert match, "no link in the mail"
    return match.group(1)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _post(client, url: str, data: dict):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def _invite_record(auth, shop):
    auth.login("admin@example.be")
    assert auth.post(f"/people/{shop['record'].id}/invite").status_code == 302
    auth.logout()


def _accept_new(client, path, password=NEW_PASSWORD, name="Zoë Peeters"):
    return _post(client, path, {"name": name, "password": password, "confirm": password})


# Inviting ------------------------------------------------------------------------------------


def test_invite_sends_a_mail_with_a_link(shop, auth, outbox):
    auth.login("admin@example.be")
    response = auth.post("/people/invite", {"name": "Nina New", "email": "Nina@Example.be", "role": "manager"})
    assert response.status_code == 302
    mails = _mails(outbox)
    assert len(mails) == 1
    assert mails[0]["To"] == "nina@example.be"
    assert mails[0]["Subject"] == "Invitation to Bakkerij Test on ILA-SME"
    body = mails[0].get_content()
    assert "Hello Nina New" in body and "Ada Admin invites you" in body
    assert "7 days" in body
    assert INVITATION_LINK.search(body)
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.role, invitation.invited_by_id) == ("nina@example.be", "manager",
                                                                             shop["admin"].id)
    assert invitation.is_open


def test_manager_may_invite_only_employees(shop, auth, outbox):
    auth.login("boss@example.be")
    for role in ("admin", "manager", "accountant"):
        response = auth.post("/people/invite", {"name": "X", "email": f"{role}@example.be", "role": role})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert re.search(r'<small id="role-error" class="field-error">Not a valid choice', html)
    assert _count(Invitation) == 0
    assert outbox() == []
    # The form only offers the employee role.
    html = auth.client.get("/people/invite").get_data(as_text=True)
    assert re.findall(r'<option[^>]*value="(\w+)"', html) == ["employee"]
    assert auth.post("/people/invite", {"name": "E", "email": "e@example.be", "role": "employee"}).status_code == 302
    assert [i.role for i in db.session.scalars(select(Invitation))] == ["employee"]
    assert len(outbox()) == 1


def test_admin_may_invite_every_role(shop, auth, outbox):
    auth.login("admin@example.be")
    roles = ["employee", "manager", "accountant", "admin"]
    html = auth.client.get("/people/invite").get_data(as_text=True)
    assert re.findall(r'<option[^>]*value="(\w+)"', html) == roles
    for role in roles:
        data = {"name": role.title(), "email": f"new-{role}@example.be", "role": role}
        assert auth.post("/people/invite", data).status_code == 302, role
    invitations = {i.email: i.role for i in db.session.scalars(select(Invitation))}
    assert invitations == {f"new-{role}@example.be": role for role in roles}
    assert sorted(mail["To"] for mail in _mails(outbox)) == sorted(invitations)


def test_an_open_invitation_is_not_sent_twice(shop, auth, outbox):
    auth.login("admin@example.be")
    data = {"name": "Nina", "email": "nina@example.be", "role": "employee"}
    auth.post("/people/invite", data)
    response = auth.post("/people/invite", data)
    assert response.status_code == 200
    assert "nina@example.be already has an open invitation for this role." in response.get_data(as_text=True)
    assert _count(Invitation) == 1 and len(outbox()) == 1


def test_someone_who_already_has_the_role_is_not_invited(shop, auth, outbox):
    auth.login("admin@example.be")
    response = auth.post("/people/invite", {"name": "Bert", "email": "boss@example.be", "role": "manager"})
    assert "boss@example.be already has this role here." in response.get_data(as_text=True)
    assert _count(Invitation) == 0 and outbox() == []


# Accepting -----------------------------------------------------------------------------------


def test_accept_creates_the_user_the_membership_and_links_the_record(shop, auth, client, outbox):
    _invite_record(auth, shop)
    path = _link(outbox, INVITATION_LINK, "zoe@example.be")
    page = client.get(path)
    assert page.status_code == 200
    assert "Choose a password for zoe@example.be." in page.get_data(as_text=True)

    users_before = _count(User)
    response = _accept_new(client, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    zoe = db.session.scalar(select(User).where(User.email == "zoe@example.be"))
    assert _count(User) == users_before + 1
    assert zoe.name == "Zoë Peeters"
    assert zoe.check_password(NEW_PASSWORD)
    assert zoe.roles_in(shop["employer"].id) == {"employee"}
    db.session.refresh(shop["record"])
    assert shop["record"].user_id == zoe.id
    invitation = db.session.scalar(select(Invitation))
    assert invitation.accepted_at is not None and not invitation.is_open
    assert [event.actor_id for event in _events("invitation.accepted")] == [zoe.id]
    assert [event.object_id for event in _events("user.created")] == [str(zoe.id)]

    with client.session_transaction() as session:
        assert session["_user_id"] == zoe.get_id()
        assert session["employer_id"] == shop["employer"].id
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Zoë Peeters" in home and "Bakkerij Test" in home


def test_new_user_can_sign_in_with_the_chosen_password(shop, auth, client, outbox):
    _invite_record(auth, shop)
    path = _link(outbox, INVITATION_LINK, "zoe@example.be")
    _accept_new(client, path)
    auth.logout()
    assert auth.login("zoe@example.be", NEW_PASSWORD).status_code == 302


def test_accept_checks_the_password_rules(shop, auth, client, outbox):
    _invite_record(auth, shop)
    path = _link(outbox, INVITATION_LINK, "zoe@example.be")
    short = _accept_new(client, path, password="short")
    assert short.status_code == 200
    assert "Use at least 10 characters." in short.get_data(as_text=True)
    differ = _post(client, path, {"name": "Zoë", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert "The passwords differ." in differ.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "zoe@example.be")) is None
    assert db.session.scalar(select(Invitation)).is_open


def test_the_link_cannot_be_reused(shop, auth, client, outbox):
    _invite_record(auth, shop)
    path = _link(outbox, INVITATION_LINK, "zoe@example.be")
    assert _accept_new(client, path).status_code == 302
    auth.logout()
    memberships = _count(Membership)

    again = client.get(path)
    assert again.status_code == 410
    assert "This invitation was already used or withdrawn." in again.get_data(as_text=True)
    posted = _accept_new(client, path, password="another password 123")
    assert posted.status_code == 410
    assert _count(Membership) == memberships
    zoe = db.session.scalar(select(User).where(User.email == "zoe@example.be"))
    db.session.refresh(zoe)
    assert zoe.check_password(NEW_PASSWORD)


def test_an_expired_link_is_refused(app, shop, auth, client, outbox, monkeypatch):
    _invite_record(auth, shop)
    path = _link(outbox, INVITATION_LINK, "zoe@example.be")
    max_age = app.config["INVITATION_MAX_AGE"]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + max_age + 60)
    response = client.get(path)
    assert response.status_code == 410
    assert "This invitation has expired. Ask for a new one." in response.get_data(as_text=True)
    assert _accept_new(client, path).status_code == 410
    assert db.session.scalar(select(User).where(User.email == "zoe@example.be")) is None


def test_a_link_within_its_age_works(app, shop, auth, client, outbox, monkeypatch):
    _invite_record(auth, shop)
    path = _link(outbox, INVITATION_LINK, "zoe@example.be")
    max_age = app.config["INVITATION_MAX_AGE"]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + max_age - 60)
    assert client.get(path).status_code == 200


def test_a_short_configured_age_applies(app, shop, auth, client, outbox, monkeypatch):
    _invite_record(auth, shop)
    path = _link(outbox, INVITATION_LINK, "zoe@example.be")
    app.config["INVITATION_MAX_AGE"] = 5
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + 10)
    assert client.get(path).status_code == 410


def test_a_tampered_link_is_refused(shop, auth, client, outbox):
    _invite_record(auth, shop)
    path = _link(outbox, INVITATION_LINK, "zoe@example.be")
    response = client.get(path[:-2] + ("AA" if not path.endswith("AA") else "BB"))
    assert response.status_code == 410
    assert "This invitation link is not valid." in response.get_data(as_text=True)


def test_a_revoked_invitation_is_refused(shop, auth, client, outbox):
    _invite_record(auth, shop)
    path = _link(outbox, INVITATION_LINK, "zoe@example.be")
    invitation = db.session.scalar(select(Invitation))
    auth.login("admin@example.be")
    assert auth.post(f"/people/invitations/{invitation.id}/revoke").status_code == 302
    auth.logout()
    db.session.refresh(invitation)
    assert invitation.revoked_at is not None
    assert len(_events("invitation.revoked")) == 1

    response = client.get(path)
    assert response.status_code == 410
    assert "This invitation was already used or withdrawn." in response.get_data(as_text=True)
    assert _accept_new(client, path).status_code == 410
    assert db.session.scalar(select(User).where(User.email == "zoe@example.be")) is None
    db.session.refresh(shop["record"])
    assert shop["record"].user_id is None


def test_manager_cannot_revoke_an_admin_invitation(shop, auth):
    auth.login("admin@example.be")
    auth.post("/people/invite", {"name": "Al", "email": "al@example.be", "role": "admin"})
    auth.logout()
    invitation = db.session.scalar(select(Invitation))
    auth.login("boss@example.be")
    assert auth.post(f"/people/invitations/{invitation.id}/revoke").status_code == 403
    db.session.refresh(invitation)
    assert invitation.is_open


def test_an_existing_user_confirms_with_their_password(shop, auth, client, outbox):
    elsewhere = factories.employer("Other BV")
    known = factories.user("known@example.be", roles={elsewhere: "manager"}, name="Kim Known")
    db.session.commit()
    auth.login("admin@example.be")
    auth.post("/people/invite", {"name": "Kim", "email": "known@example.be", "role": "accountant"})
    auth.logout()
    path = _link(outbox, INVITATION_LINK, "known@example.be")

    page = client.get(path).get_data(as_text=True)
    assert "You already have an ILA-SME account for known@example.be." in page
    assert 'name="confirm"' not in page and 'name="name"' not in page
    users = _count(User)

    wrong = _post(client, path, {"password": "not my password"})
    assert wrong.status_code == 200
    assert "This password is not correct." in wrong.get_data(as_text=True)
    db.session.refresh(known)
    assert known.roles_in(shop["employer"].id) == frozenset()
    assert db.session.scalar(select(Invitation)).is_open

    right = _post(client, path, {"password": factories.PASSWORD})
    assert right.status_code == 302
    db.session.expire_all()
    known = db.session.get(User, known.id)
    assert known.roles_in(shop["employer"].id) == {"accountant"}
    assert known.roles_in(elsewhere.id) == {"manager"}
    assert known.check_password(factories.PASSWORD)  # unchanged
    assert known.name == "Kim Known"
    assert _count(User) == users
    assert _events("user.created") == []
    with client.session_transaction() as session:
        assert session["_user_id"] == known.get_id()
        assert session["employer_id"] == shop["employer"].id


# Password reset ------------------------------------------------------------------------------


def test_reset_for_an_unknown_email_sends_nothing_and_says_the_same(shop, client, outbox):
    unknown = _post(client, "/password/forgot", {"email": "nobody@example.be"})
    after_unknown = client.get("/login").get_data(as_text=True)
    assert outbox() == []
    known = _post(client, "/password/forgot", {"email": "boss@example.be"})
    after_known = client.get("/login").get_data(as_text=True)
    assert unknown.status_code == known.status_code == 302
    assert unknown.headers["Location"] == known.headers["Location"] == "/login"
    assert [mail["To"] for mail in _mails(outbox)] == ["boss@example.be"]
    flashes = [re.search(r'<div id="flashes".*?</div>', page, re.S).group(0) for page in (after_unknown, after_known)]
    assert SAME_FLASH in flashes[0]
    assert flashes[0] == flashes[1]  # word for word the same


def test_reset_for_an_inactive_account_sends_nothing(shop, client, outbox):
    factories.user("gone@example.be", active=False)
    db.session.commit()
    assert _post(client, "/password/forgot", {"email": "gone@example.be"}).status_code == 302
    assert outbox() == []
    assert SAME_FLASH in client.get("/login").get_data(as_text=True)


def test_reset_mail_has_a_link(shop, client, outbox):
    _post(client, "/password/forgot", {"email": "Boss@Example.be"})
    mails = _mails(outbox)
    assert len(mails) == 1
    assert mails[0]["To"] == "boss@example.be"
    body = mails[0].get_content()
    assert RESET_LINK.search(body)
    assert " 60 " in body  # minutes, in the user's language (Dutch by default)


def test_reset_link_sets_a_new_password_once(shop, client, auth, outbox):
    _post(client, "/password/forgot", {"email": "boss@example.be"})
    path = _link(outbox, RESET_LINK, "boss@example.be")
    assert "Choose a new password" in client.get(path).get_data(as_text=True)

    response = _post(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    boss = db.session.get(User, shop["manager"].id)
    db.session.refresh(boss)
    assert boss.check_password(NEW_PASSWORD)
    assert not boss.check_password(factories.PASSWORD)
    assert len(_events("user.password_reset")) == 1

    again = client.get(path)
    assert again.status_code == 410
    assert "This link was already used. Ask for a new one." in again.get_data(as_text=True)
    reused = _post(client, path, {"password": "a third password 999", "confirm": "a third password 999"})
    assert reused.status_code == 410
    db.session.refresh(boss)
    assert boss.check_password(NEW_PASSWORD)

    assert auth.login("boss@example.be", factories.PASSWORD).status_code == 401
    assert auth.login("boss@example.be", NEW_PASSWORD).status_code == 302


def test_reset_link_checks_the_password_rules(shop, client, outbox):
    _post(client, "/password/forgot", {"email": "boss@example.be"})
    path = _link(outbox, RESET_LINK, "boss@example.be")
    response = _post(client, path, {"password": "short", "confirm": "short"})
    assert response.status_code == 200
    assert "Use at least 10 characters." in response.get_data(as_text=True)
    db.session.refresh(shop["manager"])
    assert shop["manager"].check_password(factories.PASSWORD)


def test_an_expired_reset_link_is_refused(app, shop, client, outbox, monkeypatch):
    _post(client, "/password/forgot", {"email": "boss@example.be"})
    path = _link(outbox, RESET_LINK, "boss@example.be")
    max_age = app.config["PASSWORD_RESET_MAX_AGE"]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + max_age + 60)
    response = client.get(path)
    assert response.status_code == 410
    assert "This link has expired. Ask for a new one." in response.get_data(as_text=True)


def test_an_invitation_token_is_not_a_reset_token(shop, auth, client, outbox):
    _invite_record(auth, shop)
    invitation_path = _link(outbox, INVITATION_LINK, "zoe@example.be")
    token = invitation_path.rsplit("/", 1)[1]
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 410
    assert "This link is not valid." in response.get_data(as_text=True)
