"""Sign-in, invitations and password resets. No request, no flash: views and CLI share these."""

from __future__ import annotations

from blinker import Namespace
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from ila_sme.accounts.models import Invitation, User, normalise_email
from ila_sme.audit.services import record
from ila_sme.db_types import utcnow
from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from ila_sme.mail import queue_mail
from ila_sme.roles import Role
from ila_sme.urls import absolute_url

_DUMMY_HASH: dict[str, str] = {}

# Features above this one act on an accepted invitation in the same transaction (people gives the new user
# the employee record the invitation was sent for): ``receiver(invitation, user=...)`` adds and flushes.
invitation_accepted = Namespace().signal("invitation-accepted")


class AccountError(Exception):
    """A refusal whose message can be shown to the user."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"ila-sme-{purpose}")


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user, or None. Unknown e-mail and wrong password take the same time and answer."""
    user = find_user(email)
    if user is None:  # spend the same time as a wrong password would
        dummy = User(email="nobody@invalid", name="", password_hash=_DUMMY_HASH.get("hash"))
        if dummy.password_hash is None:
            dummy.set_password("dummy password for constant-time refusals")
            _DUMMY_HASH["hash"] = dummy.password_hash
        dummy.check_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


# Invitations ---------------------------------------------------------------------------------


def invite(*, actor, employer, email: str, name: str, role: str, employee_record=None) -> Invitation:
    email = normalise_email(email)
    existing = db.session.scalar(
        select(Invitation).where(
            Invitation.employer_id == employer.id,
            Invitation.email == email,
            Invitation.role == role,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    )
    if existing is not None:
        raise AccountError(_("%(email)s already has an open invitation for this role.", email=email))
    user = find_user(email)
    if user is not None and role in user.roles_in(employer.id):
        raise AccountError(_("%(email)s already has this role here.", email=email))
    invitation = Invitation(
        employer_id=employer.id,
        email=email,
        name=name.strip(),
        role=role,
        employee_record_id=employee_record.id if employee_record else None,
        invited_by_id=actor.id,
    )
    db.session.add(invitation)
    db.session.flush()
    record("invitation.created", actor=actor, employer_id=employer.id, obj=invitation,
           after={"email": email, "role": role})
    _send_invitation(invitation, employer, actor)
    return invitation


def _send_invitation(invitation: Invitation, employer, actor) -> None:
    link = absolute_url("accounts.accept_invitation", token=invitation_token(invitation))
    with force_locale(employer.default_language):
        subject = _("Invitation to %(employer)s on ILA-SME", employer=employer.name)
        body = _(
            "Hello %(name)s,\n\n%(actor)s invites you to %(employer)s on ILA-SME, where you can "
            "follow your training leave and learning account.\n\nChoose your password here (the link "
            "works for %(days)s days):\n%(link)s\n",
            name=invitation.name, actor=actor.name, employer=employer.name,
            days=current_app.config["INVITATION_MAX_AGE"] // 86400, link=link,
        )
    invitation.mail = queue_mail(invitation.email, subject, body)


def resend_invitation(invitation: Invitation, *, actor) -> None:
    """A fresh mail with a new signed link, e.g. when the last one could not be sent."""
    if not invitation.is_open:
        raise AccountError(_("This invitation is no longer open."))
    _send_invitation(invitation, invitation.employer, actor)
    record("invitation.resent", actor=actor, employer_id=invitation.employer_id, obj=invitation)


def invitation_token(invitation: Invitation) -> str:
    return _serializer("invitation").dumps({"i": invitation.id})


def load_invitation(token: str) -> Invitation:
    try:
        data = _serializer("invitation").loads(token, max_age=current_app.config["INVITATION_MAX_AGE"])
    except SignatureExpired as error:
        raise AccountError(_("This invitation has expired. Ask for a new one.")) from error
    except BadSignature as error:
        raise AccountError(_("This invitation link is not valid.")) from error
    invitation = db.session.get(Invitation, data.get("i"))
    if invitation is None or not invitation.is_open:
        raise AccountError(_("This invitation was already used or withdrawn."))
    return invitation


def accept_invitation(invitation: Invitation, *, name: str, password: str | None) -> User:
    """A new user sets a password; an existing one (already signed in or checked) just joins."""
    user = find_user(invitation.email)
    if user is None:
        user = User(email=invitation.email, name=name.strip() or invitation.name,
                    language=invitation.employer.default_language)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        record("user.created", actor=user, employer_id=invitation.employer_id, obj=user,
               after={"email": user.email})
    db.session.add(Membership(user_id=user.id, employer_id=invitation.employer_id, role=invitation.role))
    invitation_accepted.send(invitation, user=user)
    invitation.accepted_at = utcnow()
    record("invitation.accepted", actor=user, employer_id=invitation.employer_id, obj=invitation,
           after={"role": invitation.role})
    return user


def revoke_invitation(invitation: Invitation, *, actor) -> None:
    if not invitation.is_open:
        raise AccountError(_("This invitation is no longer open."))
    invitation.revoked_at = utcnow()
    record("invitation.revoked", actor=actor, employer_id=invitation.employer_id, obj=invitation)


# Password reset ------------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Send a reset link if the account exists; say nothing either way."""
    user = find_user(email)
    if user is None or not user.is_active:
        return
    token = _serializer("password-reset").dumps({"u": user.id, "h": (user.password_hash or "")[-16:]})
    link = absolute_url("accounts.reset_password", token=token)
    with force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Reset your ILA-SME password")
        body = _(
            "Hello %(name)s,\n\nSomeone asked to reset your password. If it was you, choose a new one "
            "here (the link works for %(minutes)s minutes and only once):\n%(link)s\n\nIf it was "
            "not you, ignore this mail.\n",
            name=user.name, minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60, link=link,
        )
    queue_mail(user.email, subject, body)


def load_password_reset(token: str) -> User:
    try:
        data = _serializer("password-reset").loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired as error:
        raise AccountError(_("This link has expired. Ask for a new one.")) from error
    except BadSignature as error:
        raise AccountError(_("This link is not valid.")) from error
    user = db.session.get(User, data.get("u"))
    if user is None or not user.is_active or (user.password_hash or "")[-16:] != data.get("h"):
        raise AccountError(_("This link was already used. Ask for a new one."))
    return user


def reset_password(user: User, password: str) -> None:
    user.set_password(password)
    user.end_sessions()
    record("user.password_reset", actor=user, obj=user)


# Sessions that end ---------------------------------------------------------------------------
# Each of these ends every session of the user (User.end_sessions); a view that keeps the acting
# user signed in signs them in again after the commit.


def sign_out(user: User) -> None:
    """Signing out ends the user's sessions everywhere, and their remember cookies."""
    user.end_sessions()
    record("user.signed_out", actor=user, obj=user)


def change_password(user: User, *, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError(_("This password is not correct."))
    user.set_password(new)
    user.end_sessions()
    record("user.password_changed", actor=user, obj=user)


def deactivate_user(user: User, *, actor=None) -> None:
    """The user can no longer sign in anywhere; open sessions end now."""
    if not user.active:
        raise AccountError(_("This account is already deactivated."))
    user.active = False
    user.end_sessions()
    record("user.deactivated", actor=actor, obj=user)


def remove_membership(membership: Membership, *, actor) -> None:
    """One role of one user at one employer is withdrawn; the user's sessions end (they sign in again
    and see the employers left to them). The last admin of an employer stays."""
    if membership.role == Role.ADMIN:
        admins = db.session.scalar(
            select(func.count()).select_from(Membership).where(
                Membership.employer_id == membership.employer_id, Membership.role == Role.ADMIN)
        )
        if admins <= 1:
            raise AccountError(_("The last admin of an employer cannot be removed."))
    user = membership.user
    record("membership.removed", actor=actor, employer_id=membership.employer_id, obj=user,
           before={"role": membership.role})
    db.session.delete(membership)
    user.end_sessions()
