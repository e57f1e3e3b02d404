"""The nightly check: credentials re-checked for expiry (state changes audited), and the employee and their
manager told once of a credential expiring within 60 days; the manager only when the employer may see it.
The same work runs from the command and as the scheduler's "credentials-check" job."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from ila_sme.accounts.models import User
from ila_sme.audit.models import AuditEvent
from ila_sme.credentials import notices, services
from ila_sme.credentials.models import Credential
from ila_sme.extensions import db
from ila_sme.notifications.models import Notification
from ila_sme.scheduler.models import JobRun
from tests.credentials.conftest import TODAY, ob3_json


def until(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def imported(world, key, *, share=True, days_left: int | None = 30, employee=None, **changes) -> Credential:
    valid_until = until(TODAY + timedelta(days=days_left)) if days_left is not None else None
    credential = services.import_file(actor=world.worker, employee=employee or world.employee,
                                      data=ob3_json(key, valid_until=valid_until, **changes), filename=None,
                                      today=TODAY)
    if share:
        services.share(actor=world.worker, credential=credential)
    db.session.commit()
    return credential


def told() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Notification.user_id, Notification.message).order_by(Notification.id)).all()
    emails = {user_id: db.session.get(User, user_id).email for user_id, _ in rows}
    return [(emails[user_id], message) for user_id, message in rows]


def mails(outbox) -> list[tuple[str, str, str]]:
    out = []
    for path in outbox():
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        out.append((message["To"], str(message["Subject"]), message.get_content()))
    return sorted(out)


def test_a_credential_expiring_in_30_days_is_told_once_to_the_employee_and_their_manager(world, issuer_key, outbox):
    credential = imported(world, issuer_key)

    first = notices.nightly_check(TODAY)
    second = notices.nightly_check(TODAY)
    next_night = notices.nightly_check(TODAY + timedelta(days=1))

    assert told() == [
        ("emma.peeters@example.be", "Your credential Digital bookkeeping with e-invoices expires on May 1, 2026"),
        ("manager@example.be",
         "The credential Digital bookkeeping with e-invoices of Emma Peeters expires on May 1, 2026"),
    ]
    assert (first["notified"], first["notifications"]) == (1, 2)
    assert (second["notified"], next_night["notified"], next_night["notifications"]) == (0, 0, 0)
    assert first["checked"] == second["checked"] == 1 and first["changed"] == 0
    db.session.refresh(credential)
    assert credential.expiry_notified_on == TODAY and credential.state == "verified"
    assert set(db.session.scalars(select(Notification.link))) == {f"/credentials/{credential.id}"}
    (to_emma, subject, body), (to_manager, _, manager_body) = mails(outbox)
    assert (to_emma, to_manager) == ("emma.peeters@example.be", "manager@example.be")
    assert body.startswith("Your credential Digital bookkeeping with e-invoices is valid until May 1, 2026. If it "
                           "can be renewed, ask Syntra Example in time.")
    assert manager_body.startswith("The credential Digital bookkeeping with e-invoices of Emma Peeters is valid "
                                   "until May 1, 2026.")
    assert f"/credentials/{credential.id}" in body and f"/credentials/{credential.id}" in manager_body


def test_a_credential_the_employer_may_not_see_is_told_to_the_employee_only(world, issuer_key):
    imported(world, issuer_key, share=False)

    counts = notices.nightly_check(TODAY)

    assert told() == [
        ("emma.peeters@example.be", "Your credential Digital bookkeeping with e-invoices expires on May 1, 2026")]
    assert counts["notifications"] == 1


def test_only_credentials_expiring_within_60_days_are_told(world, issuer_key):
    for days, title in ((60, "Sixty"), (61, "Sixty-one"), (None, "Forever")):
        imported(world, issuer_key, days_left=days, title=title, credential_id=f"urn:uuid:{title}")

    notices.nightly_check(TODAY)

    assert [message for _, message in told()] == [
        "Your credential Sixty expires on May 31, 2026",
        "The credential Sixty of Emma Peeters expires on May 31, 2026",
    ]
    assert notices.nightly_check(TODAY + timedelta(days=1))["notified"] == 1  # Sixty-one, a night later


def test_an_expired_credential_becomes_expired_and_the_change_is_audited(world, issuer_key):
    credential = imported(world, issuer_key, days_left=5)
    paper = services.add_manual(actor=world.worker, employee=world.employee, today=TODAY,
                                values={"title": "EHBO", "valid_until": TODAY + timedelta(days=5)})
    db.session.commit()

    on_the_last_day = notices.nightly_check(TODAY + timedelta(days=5))
    day_after = TODAY + timedelta(days=6)
    counts = notices.nightly_check(day_after)
    again = notices.nightly_check(day_after)

    assert (on_the_last_day["changed"], counts["changed"], counts["expired"], again["changed"]) == (0, 2, 2, 0)
    for held in (credential, paper):
        db.session.refresh(held)
        assert held.state == "expired"
        assert services.reasons(held)[0] == "The credential expired on 2026-04-06."
    assert services.reasons(credential)[1].startswith("The signature checks against the issuer's key")
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "credential.state_changed")
                                 .order_by(AuditEvent.id)).all()
    assert [(event.object_id, event.before, event.after) for event in changes] == [
        (str(credential.id), {"state": "verified"}, {"state": "expired"}),
        (str(paper.id), {"state": "unverified"}, {"state": "expired"}),
    ]


def test_an_expired_credential_is_not_told_as_expiring(world, issuer_key):
    imported(world, issuer_key, days_left=-3)

    counts = notices.nightly_check(TODAY)

    assert told() == [] and counts["notified"] == 0


def test_without_an_approver_the_managers_and_admins_hear_of_a_shared_credential(world, issuer_key):
    world.employee.approver_id = None
    db.session.commit()
    imported(world, issuer_key)

    notices.nightly_check(TODAY)

    assert sorted(address for address, _ in told()) == [
        "admin@example.be", "emma.peeters@example.be", "manager@example.be", "other@example.be"]


def test_the_deputy_hears_while_their_range_runs(world, issuer_key):
    world.employee.deputy_id = world.other_manager.id
    world.employee.deputy_from, world.employee.deputy_until = TODAY, TODAY + timedelta(days=7)
    db.session.commit()
    imported(world, issuer_key)

    notices.nightly_check(TODAY)

    assert sorted(address for address, _ in told()) == [
        "emma.peeters@example.be", "manager@example.be", "other@example.be"]


def test_a_credential_that_cannot_be_checked_fails_alone_and_is_tried_again(app, world, issuer_key):
    broken = imported(world, issuer_key, days_left=None, share=False)
    broken.original = b"no longer a credential"
    db.session.commit()
    fine = imported(world, issuer_key, credential_id="urn:uuid:fine")

    counts = notices.nightly_check(TODAY)

    assert (counts["checked"], counts["failed"], counts["notified"]) == (1, 1, 1)
    db.session.refresh(fine)
    assert fine.expiry_notified_on == TODAY

    result = app.test_cli_runner().invoke(args=["credentials", "check", "--date", "2026-04-02"])
    assert result.exit_code == 1
    assert ("Credentials checked on 2026-04-02: 1 checked, 0 changed state (0 expired), 0 expiring soon told "
            "(0 notifications), 1 failed.") in result.output


def test_the_command_runs_the_check_for_a_given_day(app, world, issuer_key):
    imported(world, issuer_key, days_left=5)

    result = app.test_cli_runner().invoke(args=["credentials", "check", "--date", "2026-04-07"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("Credentials checked on 2026-04-07: 1 checked, 1 changed state (1 expired), 0 "
                                     "expiring soon told (0 notifications), 0 failed.")


def test_the_scheduler_job_runs_the_same_check_on_todays_date(app, world, issuer_key):
    imported(world, issuer_key)

    result = app.test_cli_runner().invoke(args=["scheduler", "run-job", "credentials-check"])

    assert result.exit_code == 0, result.output
    run = db.session.scalars(select(JobRun).where(JobRun.job == "credentials-check")).one()
    assert run.state == "done"
    assert run.counts == {"checked": 1, "changed": 0, "expired": 0, "notified": 1, "notifications": 2, "failed": 0}
    assert len(told()) == 2
