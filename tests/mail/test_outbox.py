"""The outbox: mail is a row of the change's own transaction, sent after the commit, retried, never twice."""

from __future__ import annotations

import email
import email.policy
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ila_sme.accounts import services as accounts
from ila_sme.accounts.models import Invitation
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.mail import MailState, OutboxMail, outbox_messages, queue_mail, send_outbox
from ila_sme.mail import outbox as outbox_module
from ila_sme.mail.transport import Transport
from tests import factories
from tests.conftest import csrf_token
from tests.mail.conftest import rows


@pytest.fixture
def shop(app):
    employer = factories.employer("Bakkerij Post", default_language="en")
    admin = factories.user("ada@example.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    db.session.commit()
    return employer, admin


def files(app) -> list[Path]:
    return outbox_messages(Path(app.config["MAIL_OUTBOX"]))


def test_the_mail_row_commits_with_its_cause_and_rolls_back_with_it(app, shop):
    employer, admin = shop
    with app.test_request_context(method="POST"):
        accounts.invite(actor=admin, employer=employer, email="nora@example.be", name="Nora", role="employee")
        db.session.rollback()  # the change fails later in its transaction
    assert rows() == [] and db.session.scalar(select(func.count()).select_from(Invitation)) == 0

    with app.test_request_context(method="POST"):
        invitation = accounts.invite(actor=admin, employer=employer, email="nora@example.be", name="Nora",
                                     role="employee")
        db.session.commit()
    mail, = rows()
    assert (mail.recipient, mail.state, mail.attempts) == ("nora@example.be", MailState.PENDING, 0)
    assert db.session.get(Invitation, invitation.id).mail_id == mail.id
    assert files(app) == []  # committed is not sent: a sender sends it


def test_a_request_sends_its_mail_after_the_response_never_inside_it(app, client, auth, shop):
    app.config["MAIL_SEND_AFTER_RESPONSE"] = True  # asked for (a development set-up without a scheduler)
    auth.login(shop[1])
    response = client.post("/people/invite", data={"email": "nora@example.be", "name": "Nora", "role": "employee",
                                                   "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    mail, = rows()
    assert mail.state == MailState.PENDING and files(app) == []  # the response is out; nothing sent yet
    response.close()  # what a real server does once the response is sent
    mail, = rows()
    assert mail.state == MailState.SENT and mail.sent_at is not None and mail.attempts == 0
    assert mail.body == ""  # its signed link does not stay in the database
    sent, = files(app)
    message = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    assert message["To"] == "nora@example.be" and message["Subject"] == "Invitation to Bakkerij Post on ILA-SME"


def test_by_default_the_request_sends_nothing_and_the_command_sends_it(app, client, auth, shop):
    assert app.config["MAIL_SEND_AFTER_RESPONSE"] is False  # the default, as in production
    auth.login(shop[1])
    auth.post("/people/invite", data={"email": "nora@example.be", "name": "Nora", "role": "employee"}).close()
    assert [mail.state for mail in rows()] == [MailState.PENDING] and files(app) == []

    result = app.test_cli_runner().invoke(args=["mail", "send-outbox"])
    assert result.exit_code == 0, result.output
    assert "mail: sent 1, to retry 0, failed 0." in result.output
    assert [mail.state for mail in rows()] == [MailState.SENT] and len(files(app)) == 1
    again = app.test_cli_runner().invoke(args=["mail", "send-outbox"])
    assert "mail: sent 0" in again.output and len(files(app)) == 1  # sent once


def test_smtp_down_keeps_the_mail_pending_with_a_later_attempt_then_it_is_sent_once(app, smtp):
    queue_mail("nora@example.be", "Uitnodiging", "Klik hier: http://127.0.0.1:5000/x")
    db.session.commit()
    before = utcnow()
    result = send_outbox()  # nothing listens on the port yet
    assert result.retrying and not result.sent
    mail, = rows()
    assert mail.state == MailState.PENDING and mail.attempts == 1 and mail.claim_token is None
    assert mail.next_attempt_at >= before + timedelta(seconds=app.config["MAIL_RETRY_BASE_SECONDS"])
    assert "ConnectionRefusedError" in mail.last_error and "nora@" not in mail.last_error

    smtp.start()
    assert send_outbox().counts() == {"sent": 0, "retrying": 0, "failed": 0}  # not due yet
    result = send_outbox(now=mail.next_attempt_at + timedelta(seconds=1))
    assert result.counts() == {"sent": 1, "retrying": 0, "failed": 0}
    received, = smtp.wait_for(1)
    assert received["To"] == "nora@example.be" and received["Subject"] == "Uitnodiging"
    assert "http://127.0.0.1:5000/x" in received.get_payload(decode=True).decode()
    mail, = rows()
    assert mail.state == MailState.SENT and mail.attempts == 1 and mail.last_error is None
    send_outbox(now=utcnow() + timedelta(days=1))
    assert len(smtp.wait_for(2)) == 1  # never twice


def test_a_batch_goes_through_one_smtp_connection(app, smtp):
    smtp.start()
    for number in range(5):
        queue_mail(f"person{number}@example.be", f"Bericht {number}", "Hallo")
    db.session.commit()
    assert send_outbox().counts()["sent"] == 5
    assert len(smtp.wait_for(5)) == 5 and smtp.handler.sessions == 1


def test_the_backoff_doubles_and_the_last_attempt_fails_the_mail(app):
    app.config.update(MAIL_RETRY_BASE_SECONDS=60, MAIL_RETRY_MAX_SECONDS=300, MAIL_MAX_ATTEMPTS=3,
                      MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_USE_TLS=False)
    assert [outbox_module.backoff(n, app.config).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 300]
    queue_mail("nora@example.be", "Uitnodiging", "body")
    db.session.commit()
    later = utcnow()
    for attempt in (1, 2, 3):
        later += timedelta(hours=1)
        send_outbox(now=later)
        assert rows()[0].attempts == attempt
    mail, = rows()
    assert mail.state == MailState.FAILED and mail.last_error
    assert send_outbox(now=later + timedelta(days=1)).counts() == {"sent": 0, "retrying": 0, "failed": 0}


def test_a_refused_recipient_fails_at_once_and_the_error_names_no_address(app, smtp):
    smtp.start()
    smtp.handler.refuse.add("gone@example.be")
    queue_mail("gone@example.be", "Uitnodiging", "body")
    queue_mail("nora@example.be", "Uitnodiging", "body")
    db.session.commit()
    result = send_outbox()
    assert len(result.failed) == 1 and len(result.sent) == 1
    gone, nora = rows()
    assert gone.state == MailState.FAILED and gone.attempts == 1
    assert "550" in gone.last_error and "gone@" not in gone.last_error and "[address]" in gone.last_error
    assert nora.state == MailState.SENT


def test_a_line_break_in_a_subject_is_flattened_and_a_bad_address_fails_for_good(app):
    queue_mail("nora@example.be", "Invitation to Bakkerij\r\nBcc: evil@example.com", "body")
    queue_mail("nora@example.be\r\nBcc: evil@example.com", "Hello", "body")
    db.session.commit()
    result = send_outbox()
    assert len(result.sent) == 1 and len(result.failed) == 1
    sent, = files(app)
    message = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Invitation to Bakkerij Bcc: evil@example.com"  # one line: no header of its own
    assert message["Bcc"] is None
    bad = rows()[1]
    assert bad.state == MailState.FAILED and bad.last_error == \
        "PermanentMailError: the recipient is not a valid e-mail address"


def test_sending_refuses_to_commit_the_callers_unsaved_change(app):
    queue_mail("nora@example.be", "Hello", "body")
    with pytest.raises(RuntimeError, match="commit it first"):
        send_outbox()


def test_a_mail_queued_while_suppressed_is_never_written(app):
    with outbox_module.suppressed():
        assert queue_mail("nora@example.be", "Hello", "body") is None
    db.session.commit()
    assert rows() == []


@pytest.mark.parametrize("begin", ["DEFERRED", "IMMEDIATE"])
def test_two_senders_at_once_send_each_message_once(app, monkeypatch, begin):
    """Four senders, each with its own session and connection, started together on 60 messages: every
    message is delivered once (SQLite: the claim's UPDATE holds the write lock; PostgreSQL: SKIP LOCKED)."""
    app.config["SQLITE_BEGIN_OUTSIDE_REQUEST"] = begin
    for number in range(60):
        queue_mail(f"person{number}@example.be", f"Bericht {number}", f"number {number}")
    db.session.commit()
    delivered: list[str] = []
    lock = threading.Lock()
    original = Transport.deliver

    def slow_deliver(self, message):
        with lock:
            delivered.append(str(message["Subject"]))
        threading.Event().wait(0.002)  # a slow server: the senders overlap
        original(self, message)

    monkeypatch.setattr(Transport, "deliver", slow_deliver)
    barrier = threading.Barrier(4, timeout=30)
    errors: list[BaseException] = []

    def sender():
        with app.app_context():
            try:
                barrier.wait()
                for _ in range(10):
                    send_outbox(limit=7)
            except BaseException as error:  # noqa: BLE001 - the test reports it
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(delivered) == sorted(f"Bericht {number}" for number in range(60))
    assert len(files(app)) == 60
    assert {mail.state for mail in rows()} == {MailState.SENT}


def test_a_claim_left_by_a_sender_that_died_runs_out(app):
    queue_mail("nora@example.be", "Hello", "body")
    db.session.commit()
    token = outbox_module.claim(limit=10, now=utcnow())  # this sender "dies" here
    mail, = rows()
    assert mail.claim_token == token
    assert send_outbox().counts()["sent"] == 0  # another sender leaves it alone while the claim lasts
    later = utcnow() + timedelta(seconds=app.config["MAIL_CLAIM_SECONDS"] + 1)
    assert send_outbox(now=later).counts()["sent"] == 1
    assert db.session.scalar(select(OutboxMail.state)) == MailState.SENT
