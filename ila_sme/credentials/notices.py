"""The nightly check of held credentials, and who hears of a credential about to expire.

``nightly_check(today)`` re-verifies every credential whose state can change with time (every imported one,
from its stored original; a paper entry when it has a validity end), then tells of the credentials that
expire within ``EXPIRY_NOTICE_DAYS`` days: the employee (their user) always; their approver, or the deputy
while the deputy's range runs (or, when neither may see the skills matrix, the employer's managers and
admins) only when the employer may see the credential. In-app notification and mail after commit, in each
person's language.

Once per credential: ``expiry_notified_on`` is claimed by one guarded UPDATE before anyone is told, so a
second run (the scheduler's and the command's, even at once) tells nobody again. Like the other jobs it
commits one credential at a time: one that fails is rolled back alone and tried again by the next run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from werkzeug.routing import BuildError

from ila_sme.accounts.models import User
from ila_sme.credentials import services
from ila_sme.credentials.models import Credential, VerificationState
from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from ila_sme.leave.notices import approvers_of
from ila_sme.notifications.services import notify
from ila_sme.people import services as people
from ila_sme.permissions import can_view_skills
from ila_sme.roles import Role
from ila_sme.urls import absolute_url

EXPIRY_NOTICE_DAYS = 60
NOT_TOLD = (VerificationState.INVALID, VerificationState.REVOKED, VerificationState.EXPIRED)
PAGE_ENDPOINT = "credentials.detail"


def nightly_check(today: date) -> dict:
    counts = {"checked": 0, "changed": 0, "expired": 0, "notified": 0, "notifications": 0, "failed": 0}
    for credential_id in _to_check():
        try:
            credential = db.session.get(Credential, credential_id)
            changed = services.recheck(credential, today=today)
            db.session.commit()
        except Exception:  # noqa: BLE001 - one credential's failure never stops the others
            db.session.rollback()
            current_app.logger.exception("re-checking credential %s failed", credential_id)
            counts["failed"] += 1
            continue
        counts["checked"] += 1
        if changed:
            counts["changed"] += 1
            counts["expired"] += credential.state == VerificationState.EXPIRED
    for credential_id in _expiring(today):
        _tell_expiring(counts, credential_id, today)
    return counts


def _to_check() -> list[int]:
    return list(db.session.scalars(select(Credential.id).where(or_(
        Credential.format != services.MANUAL, Credential.valid_until.is_not(None))).order_by(Credential.id)))


def _expiring(today: date) -> list[int]:
    """Not yet told, and valid through a day from today to today + 60 (the day of ``valid_until``, in UTC,
    as ``verification`` counts it)."""
    first = datetime.combine(today, time.min, tzinfo=UTC)
    after = datetime.combine(today + timedelta(days=EXPIRY_NOTICE_DAYS + 1), time.min, tzinfo=UTC)
    return list(db.session.scalars(select(Credential.id).where(
        Credential.expiry_notified_on.is_(None), Credential.state.not_in(NOT_TOLD),
        Credential.valid_until >= first, Credential.valid_until < after).order_by(Credential.id)))


def _tell_expiring(counts: dict, credential_id: int, today: date) -> None:
    claimed = db.session.execute(
        update(Credential).where(Credential.id == credential_id, Credential.expiry_notified_on.is_(None))
        .values(expiry_notified_on=today).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # another run told them first
        db.session.rollback()
        return
    try:
        credential = db.session.get(Credential, credential_id)
        db.session.refresh(credential)
        told = tell_expiring(credential, today)
        db.session.commit()
    except Exception:  # noqa: BLE001 - rolled back (the claim too): the next run tries again
        db.session.rollback()
        current_app.logger.exception("the expiry notice of credential %s failed", credential_id)
        counts["failed"] += 1
        return
    counts["notified"] += 1
    counts["notifications"] += told


def recipients(credential: Credential, today: date) -> tuple[object | None, list]:
    """(the employee's user or None, the managers to tell: none unless the employer may see it)."""
    employee = credential.employee
    owner = employee.user if employee.user is not None and employee.user.is_active else None
    if not services.visible_to_employer(credential):
        return owner, []

    def may_see(user) -> bool:
        return user is not None and user.is_active and user.id != employee.user_id and can_view_skills(
            user, employee.employer)

    if people.has_valid_approver(employee, {user.id for user in people.approvers(employee.employer)}):
        deciders = approvers_of(employee, today)
    else:  # not the admins who decide its leave instead: every manager and admin below
        deciders = {employee.deputy_id} if employee.deputy_active_on(today) else set()
    managers = [user for user in (db.session.get(User, user_id) for user_id in sorted(deciders)) if may_see(user)]
    if not managers:
        managers = [user for user in db.session.scalars(
            select(User).where(User.id.in_(select(Membership.user_id).where(
                Membership.employer_id == employee.employer_id, Membership.role.in_((Role.MANAGER, Role.ADMIN)))))
            .order_by(User.id)) if may_see(user)]
    return owner, managers


def tell_expiring(credential: Credential, today: date) -> int:
    """Notify (and mail after commit) whoever should hear that ``credential`` expires soon; how many."""
    owner, managers = recipients(credential, today)
    employee, employer = credential.employee, credential.employee.employer
    title, name = credential.title, employee.full_name
    link = _link(credential)

    def until() -> str:  # called by notify, in the reader's language: "12 maart 2027"
        return format_date(credential.valid_until, "long")

    see = ("\n\n" + link + "\n") if link else "\n"
    if owner is not None:
        notify(owner, employer, link=link,
               subject=lambda: _("Your credential %(title)s expires on %(date)s", title=title, date=until()),
               body=lambda: _("Your credential %(title)s is valid until %(date)s. If it can be renewed, ask "
                              "%(issuer)s in time.", title=title, date=until(),
                              issuer=credential.awarding_body or _("the awarding body")) + see)
    for user in managers:
        notify(user, employer, link=link,
               subject=lambda: _("The credential %(title)s of %(name)s expires on %(date)s", title=title,
                                 name=name, date=until()),
               body=lambda: _("The credential %(title)s of %(name)s is valid until %(date)s.", title=title,
                              name=name, date=until()) + see)
    return (owner is not None) + len(managers)


def _link(credential: Credential) -> str | None:
    """The credential's page (``absolute_url``: outside a request, without SERVER_NAME, the path alone)."""
    try:
        return absolute_url(PAGE_ENDPOINT, credential_id=credential.id)
    except BuildError:  # an app without the credential screens: the notice goes without a link
        return None
