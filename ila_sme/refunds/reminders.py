"""Remind an employer's accountants and admins, ``claim_reminder_days`` (14) days before it closes, of each
training whose VOV refund claim window ends soon and that has released hours (its final assessment recorded).

Once per employer and training: the ``vov_claim_reminders`` row is inserted before anyone is told, and its
unique key makes a second run (even a concurrent one) tell nobody again. Like the other reminders, this
commits one training at a time: one that failed is rolled back alone and tried again by the next run.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ila_sme.accounts.models import User
from ila_sme.employers.models import Employer, Membership
from ila_sme.extensions import db
from ila_sme.leave import assessments
from ila_sme.leave.models import LeaveRequest, RequestStatus
from ila_sme.money import format_money
from ila_sme.notifications.services import notify
from ila_sme.refunds.models import ClaimReminder
from ila_sme.refunds.services import claim_window
from ila_sme.roles import Role
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme
from ila_sme.urls import absolute_url
from ila_sme.web import babel_locale


def due(today: date) -> list[dict]:
    """The (employer, training) claims to remind of today: released hours, deadline from today to today +
    ``claim_reminder_days``, not reminded yet."""
    requests = db.session.scalars(
        select(LeaveRequest).where(
            LeaveRequest.scheme == Scheme.VOV, LeaveRequest.training_id.is_not(None),
            LeaveRequest.status.in_([RequestStatus.APPROVED, RequestStatus.CANCELLATION_REQUESTED]))
        .options(selectinload(LeaveRequest.training)).order_by(LeaveRequest.start_date, LeaveRequest.id))
    groups: dict[tuple[int, int], list[LeaveRequest]] = {}
    for request in requests:
        groups.setdefault((request.employer_id, request.training_id), []).append(request)
    reminded = set(db.session.execute(select(ClaimReminder.employer_id, ClaimReminder.training_id)).tuples())
    found = []
    for (employer_id, training_id), held in groups.items():
        if (employer_id, training_id) in reminded:
            continue
        employer, training = db.session.get(Employer, employer_id), held[0].training
        start = training.starts_on or held[0].start_date
        try:
            values = schemes.values_on(Scheme.VOV, employer, start)
        except schemes.SchemeError:
            continue
        _opens, deadline = claim_window(values, training, start)
        if not today <= deadline <= today + timedelta(days=int(schemes.vov_value(values, "claim_reminder_days"))):
            continue
        recorded = assessments.assessments_for(employer_id, {(r.employee_id, training_id) for r in held})
        released = [r for r in held if (r.employee_id, training_id) in recorded]
        if released:
            found.append({"employer": employer, "training": training, "deadline": deadline,
                          "school_year": released[0].period,
                          "hours": sum((Decimal(r.amount) for r in released), Decimal("0")),
                          "refund": sum((schemes.quantize(r.amount * schemes.refund_rate(employer, r.start_date))
                                         for r in released), Decimal("0.00"))})
    return found


def finance_users(employer) -> list[User]:
    """The employer's active accountants and admins, each once."""
    return [user for user in db.session.scalars(
        select(User).where(User.id.in_(select(Membership.user_id).where(
            Membership.employer_id == employer.id, Membership.role.in_((Role.ACCOUNTANT, Role.ADMIN)))))
        .order_by(User.id)) if user.is_active]


def send_claim_reminders(today: date) -> dict:
    """Remind of every claim due today; returns the counts (trainings, notifications, failed)."""
    counts = {"trainings": 0, "notifications": 0, "failed": 0}
    for claim in due(today):
        employer, training = claim["employer"], claim["training"]
        try:
            db.session.add(ClaimReminder(employer_id=employer.id, training_id=training.id,
                                         deadline=claim["deadline"], reminded_on=today))
            db.session.flush()
        except IntegrityError:  # another run reminded first
            db.session.rollback()
            continue
        try:
            told = _tell(employer, training, claim)
            db.session.commit()
        except Exception:  # noqa: BLE001 - rolled back (the claim too): the next run tries again
            db.session.rollback()
            current_app.logger.exception("the VOV claim reminder of training %s failed", training.id)
            counts["failed"] += 1
            continue
        counts["trainings"] += 1
        counts["notifications"] += told
    return counts


def _tell(employer, training, claim: dict) -> int:
    title, refund = training.title, claim["refund"]

    def deadline() -> str:  # called by notify, in the reader's language
        return format_date(claim["deadline"], "long")

    def hours() -> str:
        return format_decimal(claim["hours"], format="#,##0.##")

    link = absolute_url("refunds.vov", school_year=claim["school_year"])
    users = finance_users(employer)
    for user in users:
        notify(user, employer, link=link,
               subject=lambda: _("Claim the VOV refund of %(training)s by %(date)s", training=title, date=deadline()),
               body=lambda: _("The refund claim window of %(training)s closes on %(date)s. Its released Flemish "
                              "training leave: %(hours)s hours, an expected refund of %(refund)s.",
                              training=title, date=deadline(), hours=hours(),
                              refund=format_money(refund, babel_locale()))
               + "\n\n" + link + "\n")
    return len(users)
