"""/admin/jobs: the outbox's counts, the failed mail with its scrubbed error, and its retry (POST, audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.mail import MailState, OutboxMail, queue_mail
from ila_sme.scheduler import recorder
from tests.scheduler.views.conftest import text
from tests.support.world import ROLES

URL = "/admin/jobs"


def mail(state: str, **fields) -> OutboxMail:
    row = OutboxMail(recipient="nora@example.be", subject="Training leave of Nora Peeters", body="…", state=state,
                     attempts=fields.pop("attempts", 1), next_attempt_at=fields.pop("next_attempt_at", utcnow()),
                     **fields)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def mails(office):
    own = office.employer.id
    rows = {"pending": mail(MailState.PENDING, attempts=0, employer_id=own),
            "sent": mail(MailState.SENT, employer_id=own),
            "failed": mail(MailState.FAILED, attempts=8, last_error="SMTPRecipientsRefused: 550 [address] unknown",
                           employer_id=own),
            "sent2": mail(MailState.SENT, employer_id=own)}
    db.session.commit()
    return rows


def test_the_page_counts_the_outbox_and_lists_the_failed_mail_without_names(client, auth, office, mails):
    auth.login(office.users["admin"])
    html = client.get(URL).get_data(as_text=True)
    page = text(html)
    assert "Outgoing mail" in page
    assert "Waiting to be sent: 1 Sent: 2 Could not be sent: 1" in page
    assert f'id="mail-{mails["failed"].id}"' in html and f'id="mail-{mails["pending"].id}"' not in html
    assert "SMTPRecipientsRefused: 550 [address] unknown" in page and "Send again" in page
    assert "nora@example.be" not in html and "Nora Peeters" not in html  # the platform's page: no one's mail


def test_retry_makes_the_failed_mail_pending_now_audited_and_the_job_sends_it(app, client, auth, office, mails):
    failed = mails["failed"]
    auth.login(office.users["admin"])
    response = auth.post(f"{URL}/mail/{failed.id}/retry")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/jobs#mail-outbox")
    db.session.refresh(failed)
    assert (failed.state, failed.attempts) == (MailState.PENDING, 0) and failed.next_attempt_at <= utcnow()
    event, = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "mail.retried"))
    assert event.object_id == str(failed.id) and event.actor_id == office.users["admin"].id
    assert event.before == {"state": "failed", "attempts": 8} and event.after == {"state": "pending"}

    run = recorder.run_job("mail-outbox", slot=recorder.manual_slot(), trigger="cli")
    assert run.state == "done" and run.counts == {"sent": 2, "retrying": 0, "failed": 0}
    db.session.refresh(failed)
    assert failed.state == MailState.SENT
    page = text(client.get(URL).get_data(as_text=True))
    assert "Waiting to be sent: 0 Sent: 4 Could not be sent: 0" in page


def test_retry_of_a_mail_that_is_not_failed_changes_nothing(client, auth, office, mails):
    sent = mails["sent"]
    auth.login(office.users["admin"])
    response = auth.post(f"{URL}/mail/{sent.id}/retry", follow_redirects=True)
    assert "This mail is no longer waiting for a retry." in response.get_data(as_text=True)
    db.session.refresh(sent)
    assert sent.state == MailState.SENT and db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "mail.retried")) is None


@pytest.mark.parametrize("role", [role for role in ROLES if role != "admin"])
def test_only_admins_retry(client, auth, office, mails, role):
    failed = mails["failed"]
    auth.login(office.users[role])
    assert auth.post(f"{URL}/mail/{failed.id}/retry").status_code == 403
    db.session.refresh(failed)
    assert failed.state == MailState.FAILED


def test_retry_needs_the_csrf_token(client, auth, office, mails):
    auth.login(office.users["admin"])
    assert client.post(f"{URL}/mail/{mails['failed'].id}/retry").status_code == 400
    db.session.refresh(mails["failed"])
    assert mails["failed"].state == MailState.FAILED


def test_the_job_records_a_run_only_when_mail_is_due(app, office):
    assert recorder.run_job("mail-outbox", slot=recorder.manual_slot(), trigger="cli") is None
    waiting = mail(MailState.PENDING, attempts=1, next_attempt_at=utcnow() + timedelta(minutes=5))
    db.session.commit()
    assert recorder.run_job("mail-outbox", slot=recorder.manual_slot(), trigger="cli") is None  # not due yet
    waiting.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    run = recorder.run_job("mail-outbox", slot=recorder.manual_slot(), trigger="cli")
    assert run.counts == {"sent": 1, "retrying": 0, "failed": 0}


@pytest.mark.parametrize("mail_id", ["99999999999999999999", "2147483648", "0"])
def test_retry_of_a_mail_that_does_not_exist_is_404(client, auth, office, mail_id):
    auth.login(office.users["admin"])
    assert auth.post(f"{URL}/mail/{mail_id}/retry").status_code == 404


def test_another_employers_admin_neither_sees_nor_retries_the_failed_mail(client, auth, office, mails):
    auth.login(office.other_admin)
    assert f'id="mail-{mails["failed"].id}"' not in client.get(URL).get_data(as_text=True)
    assert auth.post(f"{URL}/mail/{mails['failed'].id}/retry").status_code == 404
    db.session.refresh(mails["failed"])
    assert mails["failed"].state == MailState.FAILED


def test_queued_mail_belongs_to_the_requests_employer(app, client, auth, office):
    auth.login(office.users["admin"])
    with client:  # the request's context stays open: its current employer is the admin's
        client.get(URL)
        queued = queue_mail("x@example.be", "Subject", "Body")
        assert queued.employer_id == office.employer.id
    db.session.rollback()
