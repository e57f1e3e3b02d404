"""An invitation whose mail could not be sent says so on the people screen, and can be sent again."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from sqlalchemy import select

from ila_sme.accounts.models import Invitation
from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.mail import MailState, OutboxMail, send_outbox
from tests import factories
from tests.support.smtp import smtp  # noqa: F401 - the fixture

LINK = re.compile(r"http://localhost(/invitations/[\w.\-]+)")


@pytest.fixture
def shop(app):
    employer = factories.employer("Bakkerij Uitnodiging", default_language="en")
    admin = factories.user("ada@example.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    other = factories.employer("Elders BV")
    factories.user("elsa@example.be", roles={other: "admin"}, name="Elsa Elders")
    db.session.commit()
    return employer, admin


def invitation_row(html: str, email_address: str) -> str:
    row = next(row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if email_address in row)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()


def test_a_failed_invitation_mail_shows_and_sending_it_again_sends_a_new_link(app, client, auth, shop, smtp):  # noqa: F811
    smtp.start()
    smtp.handler.refuse.add("nora@example.be")
    auth.login(shop[1])
    auth.post("/people/invite", data={"email": "nora@example.be", "name": "Nora Nieuw", "role": "employee"})
    send_outbox()  # the server refuses the address for good
    invitation = db.session.scalar(select(Invitation))
    first_mail = invitation.mail
    assert first_mail.state == MailState.FAILED

    row = invitation_row(client.get("/people").get_data(as_text=True), "nora@example.be")
    assert "The mail could not be sent." in row and "550" in row and "Send again" in row

    smtp.handler.refuse.clear()  # the mailbox exists again
    assert auth.post(f"/people/invitations/{invitation.id}/resend").status_code == 302  # not closed: not sent yet
    db.session.refresh(invitation)
    assert invitation.mail_id != first_mail.id and invitation.mail.state == MailState.PENDING
    assert "The invitation was sent again to nora@example.be." in client.get("/people").get_data(as_text=True)
    assert send_outbox().counts()["sent"] == 1
    received, = smtp.wait_for(1)
    assert received["To"] == "nora@example.be"
    assert LINK.search(received.get_payload(decode=True).decode())
    assert db.session.get(OutboxMail, first_mail.id).state == MailState.FAILED  # kept: what happened
    row = invitation_row(client.get("/people").get_data(as_text=True), "nora@example.be")
    assert "Sent" in row and "could not be sent" not in row
    event, = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "invitation.resent"))
    assert event.object_id == str(invitation.id) and event.actor_id == shop[1].id


def test_an_invitation_of_another_employer_cannot_be_sent_again(app, client, auth, shop, outbox):
    auth.login(shop[1])
    auth.post("/people/invite", data={"email": "nora@example.be", "name": "Nora", "role": "employee"})
    invitation = db.session.scalar(select(Invitation))
    auth.logout()
    auth.login("elsa@example.be")
    assert auth.post(f"/people/invitations/{invitation.id}/resend").status_code == 404
    assert len(outbox()) == 1  # the first mail only


def test_a_withdrawn_invitation_is_not_sent_again(app, client, auth, shop, outbox):
    auth.login(shop[1])
    auth.post("/people/invite", data={"email": "nora@example.be", "name": "Nora", "role": "employee"})
    invitation = db.session.scalar(select(Invitation))
    auth.post(f"/people/invitations/{invitation.id}/revoke")
    response = auth.post(f"/people/invitations/{invitation.id}/resend", follow_redirects=True)
    assert "This invitation is no longer open." in response.get_data(as_text=True)
    assert len(outbox()) == 1


def test_a_line_break_in_the_employer_name_still_gets_the_invitation_out(app, client, auth, shop, outbox):
    """Issue 11: the invitation was committed, its mail failed in an after-commit hook, the error page
    crashed. Now the mail is a row of the same transaction and its subject is one line."""
    employer, admin = shop
    employer.name = "Bakkerij\r\nBcc: evil@example.com"
    db.session.commit()
    auth.login(admin)
    assert auth.post("/people/invite", data={"email": "nora@example.be", "name": "Nora",
                                              "role": "employee"}).status_code == 302
    sent, = outbox()
    message = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    assert message["To"] == "nora@example.be" and message["Bcc"] is None
    assert "\n" not in message["Subject"] and db.session.scalar(select(Invitation)).mail.state == MailState.SENT
