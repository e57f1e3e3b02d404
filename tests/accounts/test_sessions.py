"""Sessions that end: a cookie captured before sign-out, a password reset or change, a deactivation or a
withdrawn role no longer works — not for a page, not for a POST, not through the remember cookie."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import select

from ila_sme.accounts.models import User
from ila_sme.audit.models import AuditEvent
from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from tests import factories
from tests.conftest import CSRF_IN_PAGE, csrf_token

NEW_PASSWORD = "a brand new password 42"
STOLEN_PASSWORD = "chosen by the thief 1234"
RESET_LINK = re.compile(r"http://localhost(/password/reset/[\w.\-]+)")


@pytest.fixture
def shop(app):
    bakery = factories.employer("Bakkerij Test", default_language="en")
    garage = factories.employer("Garage Test", default_language="en")
    admin = factories.user("admin@example.be", roles={bakery: ["admin", "manager"]}, name="Ada Admin")
    ann = factories.user("ann@example.be", roles={bakery: "employee", garage: "accountant"}, name="Ann")
    db.session.commit()
    return {"bakery": bakery, "garage": garage, "admin": admin, "ann": ann}


class Device:
    """One browser with its own cookies."""

    def __init__(self, app):
        self.client = app.test_client()
        self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    def sign_in(self, email_address: str, password: str = factories.PASSWORD):
        response = self.client.post("/login", data={"email": email_address, "password": password,
                                                     "csrf_token": csrf_token(self.client)})
        assert response.status_code == 302, "could not sign in"
        return response

    def post(self, url: str, data: dict | None = None):
        return self.client.post(url, data={**(data or {}), "csrf_token": csrf_token(self.client)})

    def capture(self) -> tuple[str, str]:
        """What a thief copies: the session cookie and a CSRF token from a page of that session."""
        page = self.client.get("/account/password").get_data(as_text=True)
        return self.client.get_cookie("session").value, CSRF_IN_PAGE.search(page).group(1)

    def signed_in(self) -> bool:
        return self.client.get("/").status_code == 200


def _replay(app, captured: tuple[str, str]):
    """A GET and a POST (a password change) with a captured cookie, from another browser."""
    cookie, token = captured
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    page = thief.get("/")
    change = thief.post("/account/password", data={
        "current": factories.PASSWORD, "password": STOLEN_PASSWORD, "confirm": STOLEN_PASSWORD, "csrf_token": token})
    return page, change


def _assert_refused(app, captured, user_id: int) -> None:
    page, change = _replay(app, captured)
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert change.status_code == 302 and change.headers["Location"].startswith("/login")
    user = db.session.get(User, user_id)
    db.session.refresh(user)
    assert not user.check_password(STOLEN_PASSWORD)


def test_a_captured_cookie_works_until_the_session_ends(app, shop):
    """The control: without an ending event, a copied cookie is a live session (so the tests below can fail)."""
    victim = Device(app)
    victim.sign_in("ann@example.be")
    cookie, _token = victim.capture()
    thief = app.test_client()
    thief.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    thief.set_cookie("session", cookie)
    response = thief.get("/")
    assert response.status_code == 200
    assert "Ann" in response.get_data(as_text=True)


def test_cookie_replay_after_sign_out_is_refused(app, shop):
    victim = Device(app)
    victim.sign_in("ann@example.be")
    captured = victim.capture()
    assert victim.post("/logout").status_code == 302
    _assert_refused(app, captured, shop["ann"].id)
    assert len(list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.signed_out")))) == 1


def test_signing_out_ends_the_other_sessions_of_the_user(app, shop):
    laptop, phone, colleague = Device(app), Device(app), Device(app)
    laptop.sign_in("ann@example.be")
    phone.sign_in("ann@example.be")
    colleague.sign_in("admin@example.be")
    assert phone.post("/logout").status_code == 302
    assert not laptop.signed_in()
    assert colleague.signed_in()  # another user's session is untouched
    laptop.sign_in("ann@example.be")  # signing in again works
    assert laptop.signed_in()


def test_cookie_replay_after_a_password_reset_is_refused(app, shop, outbox):
    victim = Device(app)
    victim.sign_in("ann@example.be")
    captured = victim.capture()

    anonymous = Device(app)
    assert anonymous.post("/password/forgot", {"email": "ann@example.be"}).status_code == 302
    mails = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in outbox()]
    path = RESET_LINK.search(mails[-1].get_content()).group(1)
    assert anonymous.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302

    _assert_refused(app, captured, shop["ann"].id)
    assert not victim.signed_in()


def test_a_password_change_keeps_this_session_and_ends_the_others(app, shop):
    laptop, phone = Device(app), Device(app)
    laptop.sign_in("ann@example.be")
    phone.sign_in("ann@example.be")
    captured = phone.capture()
    before = laptop.capture()

    response = laptop.post("/account/password", {"current": factories.PASSWORD, "password": NEW_PASSWORD,
                                                 "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    home = laptop.client.get("/")
    assert home.status_code == 200  # this session goes on
    assert "You were signed out everywhere else." in home.get_data(as_text=True)
    assert not phone.signed_in()
    _assert_refused(app, captured, shop["ann"].id)
    # The laptop's own cookie from before the change is ended too: the session was renewed.
    _assert_refused(app, before, shop["ann"].id)
    ann = db.session.get(User, shop["ann"].id)
    db.session.refresh(ann)
    assert ann.check_password(NEW_PASSWORD)


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failure(app, shop):
    device = Device(app)
    device.sign_in("ann@example.be")
    other = Device(app)
    other.sign_in("ann@example.be")
    for attempt in range(5):
        response = device.post("/account/password", {"current": f"wrong {attempt}", "password": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD})
        assert response.status_code == 200
        assert "This password is not correct." in response.get_data(as_text=True)
    blocked = device.post("/account/password", {"current": factories.PASSWORD, "password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})
    assert blocked.status_code == 429
    ann = db.session.get(User, shop["ann"].id)
    db.session.refresh(ann)
    assert ann.check_password(factories.PASSWORD)
    assert other.signed_in()  # nothing changed: no session ended


def test_cookie_replay_after_deactivation_is_refused(app, shop):
    victim = Device(app)
    victim.sign_in("ann@example.be")
    captured = victim.capture()
    result = app.test_cli_runner().invoke(args=["users", "deactivate", "--email", "ANN@example.be"])
    assert result.exit_code == 0, result.output
    _assert_refused(app, captured, shop["ann"].id)
    again = app.test_cli_runner().invoke(args=["users", "deactivate", "--email", "ann@example.be"])
    assert again.exit_code == 2 and "Deze account is al gedeactiveerd." in again.output  # the default locale


def test_a_reactivated_user_does_not_get_the_old_sessions_back(app, shop):
    victim = Device(app)
    victim.sign_in("ann@example.be")
    captured = victim.capture()
    assert app.test_cli_runner().invoke(args=["users", "deactivate", "--email", "ann@example.be"]).exit_code == 0
    ann = db.session.get(User, shop["ann"].id)
    ann.active = True
    db.session.commit()
    _assert_refused(app, captured, shop["ann"].id)


def test_cookie_replay_after_a_membership_is_removed_is_refused(app, shop):
    victim = Device(app)
    victim.sign_in("ann@example.be")
    captured = victim.capture()
    membership = db.session.scalar(select(Membership).where(
        Membership.user_id == shop["ann"].id, Membership.employer_id == shop["bakery"].id))

    admin = Device(app)
    admin.sign_in("admin@example.be")
    assert "ann@example.be" in admin.client.get("/access").get_data(as_text=True)
    response = admin.post(f"/access/{membership.id}/remove")
    assert response.status_code == 302
    assert admin.signed_in()

    _assert_refused(app, captured, shop["ann"].id)
    assert not victim.signed_in()
    # Ann signs in again and sees the employer left to her.
    victim.sign_in("ann@example.be")
    page = victim.client.get("/").get_data(as_text=True)
    assert "Garage Test" in page and "Bakkerij Test" not in page
    assert db.session.get(Membership, membership.id) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.removed"))
    assert event.before == {"role": "employee"} and event.actor_id == shop["admin"].id


def test_the_remember_cookie_does_not_revive_an_ended_session(app, shop):
    ann = shop["ann"]
    with app.test_request_context():
        remembered = encode_cookie(ann.get_id())  # what Flask-Login writes with remember=True
        before_versions = encode_cookie(str(ann.id))  # a cookie of the scheme before session versions
    browser = app.test_client()
    browser.set_cookie("remember_token", remembered)
    assert browser.get("/").status_code == 200  # the control: a current remember cookie signs in

    other = Device(app)
    other.sign_in("ann@example.be")
    assert other.post("/logout").status_code == 302
    for cookie in (remembered, before_versions):
        fresh = app.test_client()
        fresh.set_cookie("remember_token", cookie)
        response = fresh.get("/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# The access page -----------------------------------------------------------------------------


def test_the_last_admin_cannot_be_removed(app, shop):
    admin = Device(app)
    admin.sign_in("admin@example.be")
    membership = db.session.scalar(select(Membership).where(
        Membership.user_id == shop["admin"].id, Membership.role == "admin"))
    response = admin.post(f"/access/{membership.id}/remove")
    assert response.status_code == 302
    assert "The last admin of an employer cannot be removed." in admin.client.get("/access").get_data(as_text=True)
    assert db.session.get(Membership, membership.id) is not None
    assert admin.signed_in()


def test_an_admin_withdrawing_a_role_of_their_own_stays_signed_in_here_only(app, shop):
    desk, phone = Device(app), Device(app)
    desk.sign_in("admin@example.be")
    phone.sign_in("admin@example.be")
    membership = db.session.scalar(select(Membership).where(
        Membership.user_id == shop["admin"].id, Membership.role == "manager"))
    response = desk.post(f"/access/{membership.id}/remove")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert desk.signed_in()
    assert not phone.signed_in()


def test_only_admins_see_or_change_access(app, shop):
    ann = Device(app)
    ann.sign_in("ann@example.be")
    admin_membership = db.session.scalar(select(Membership).where(Membership.user_id == shop["admin"].id))
    assert ann.client.get("/access").status_code == 403
    assert ann.post(f"/access/{admin_membership.id}/remove").status_code == 403
    assert db.session.get(Membership, admin_membership.id) is not None


def test_another_employers_membership_is_not_found(app, shop):
    garage_membership = db.session.scalar(select(Membership).where(Membership.employer_id == shop["garage"].id))
    admin = Device(app)
    admin.sign_in("admin@example.be")
    assert admin.post(f"/access/{garage_membership.id}/remove").status_code == 404
    assert db.session.get(Membership, garage_membership.id) is not None
