"""Sign-in and sign-out, invitations, password reset, employer and language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from ila_sme import paging, permissions
from ila_sme.accounts import services, throttle
from ila_sme.accounts.forms import (
    ChangePasswordForm,
    ExistingAccountForm,
    LanguageForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
    SetPasswordForm,
    SwitchEmployerForm,
)
from ila_sme.accounts.models import User
from ila_sme.audit.services import record
from ila_sme.employers.models import Membership
from ila_sme.extensions import db, limiter, login_manager
from ila_sme.tenancy import current_employer, get_or_404, register_url_object
from ila_sme.web import render

bp = Blueprint("accounts", __name__)
bp.record_once(lambda state: throttle.init_app(state.app))
register_url_object("membership_id", Membership)

login_manager.login_view = "accounts.login"
login_manager.login_message = None
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(token: str):
    """``User.get_id()`` from the session or the remember cookie: "<id>:<session version>".
    A session ended since (sign-out, new password, deactivation, role withdrawn) loads nobody."""
    user_id, _colon, version = token.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    # The memberships and their employers come in the same query: every page asks them (the current employer, the
    # menu's roles, the employer switch), and three statements per page become one.
    user = db.session.get(User, int(user_id),
                          options=[joinedload(User.memberships).joinedload(Membership.employer)])
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


def _sign_in(user: User, *keep: str) -> None:
    """A fresh session at every sign-in (no fixation); the language choice (and ``keep``) survive.
    Call it after the commit: a failed commit must not leave a signed-in session behind."""
    kept = {key: session[key] for key in ("language", *keep) if key in session}
    session.clear()
    session.update(kept)
    login_user(user)


def _too_many() -> str:
    return _("Too many attempts. Wait a few minutes and try again.")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        attempt = throttle.SignInAttempt(form.email.data, get_remote_address())
        if attempt.blocked():  # the password is not even checked: the answer says nothing about it
            form.password.errors.append(_too_many())
            return render_template("accounts/login.html", form=form), 429
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            record("user.signed_in", actor=user, obj=user)
            db.session.commit()
            attempt.succeeded()
            _sign_in(user)
            return redirect(_safe_next(form.next.data))
        attempt.failed()
        form.password.errors.append(_("E-mail or password is incorrect."))
    return render_template("accounts/login.html", form=form), 200 if request.method == "GET" else 401


@bp.post("/logout")
@login_required
def logout():
    """Signs out here and everywhere else: every session and remember cookie of the user ends."""
    services.sign_out(current_user._get_current_object())
    logout_user()
    session.clear()  # before the commit: this browser is signed out even if the commit fails
    db.session.commit()
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        attempt = throttle.SignInAttempt(user.email, get_remote_address())
        if attempt.blocked():
            form.current.errors.append(_too_many())
            return render_template("accounts/change_password.html", form=form), 429
        try:
            services.change_password(user, current=form.current.data, new=form.password.data)
        except services.AccountError as error:
            attempt.failed()
            form.current.errors.append(str(error))
        else:
            db.session.commit()
            _sign_in(user, "employer_id")  # this session goes on; every other one has ended
            flash(_("Your password was changed. You were signed out everywhere else."), "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/change_password.html", form=form)


ACCESS_PER_PAGE = 50  # memberships shown at a time; "show more" appends the next ones


@bp.get("/access")
@login_required
def access():
    employer = current_employer()
    permissions.require(permissions.can_manage_access(current_user, employer))
    memberships = paging.page_of(
        select(Membership).join(User).where(Membership.employer_id == employer.id)
        .options(contains_eager(Membership.user))  # each row's user from the same join, not one query per row
        .order_by(func.lower(User.name), User.id, Membership.role, Membership.id), size=ACCESS_PER_PAGE)
    return render("accounts/access.html", "rows" if paging.wants_more() else None, memberships=memberships,
                  more_url=memberships.next_url("accounts.access"), employer=employer, action_form=FlaskForm())


@bp.post("/access/<int:membership_id>/remove")
@login_required
def remove_access(membership_id: int):
    employer = current_employer()
    permissions.require(permissions.can_manage_access(current_user, employer))
    membership = get_or_404(Membership, membership_id)
    actor = current_user._get_current_object()
    removed_self = membership.user_id == actor.id
    try:
        services.remove_membership(membership, actor=actor)
    except services.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.access"))
    db.session.commit()
    if removed_self:
        _sign_in(actor)  # the actor's other sessions end, this one goes on
        flash(_("Your role was withdrawn. You were signed out everywhere else."), "success")
        return redirect(url_for("home.index"))
    flash(_("The role was withdrawn. That person was signed out everywhere."), "success")
    return redirect(url_for("accounts.access"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        invitation = services.load_invitation(token)
    except services.AccountError as error:
        return render_template("accounts/link_invalid.html", message=str(error)), 410
    existing = services.find_user(invitation.email)
    form = ExistingAccountForm() if existing else SetPasswordForm(name=invitation.name)
    if form.validate_on_submit():
        if existing and not existing.check_password(form.password.data):
            form.password.errors.append(_("This password is not correct."))
        else:
            user = services.accept_invitation(
                invitation, name=getattr(form, "name", None) and form.name.data or "",
                password=form.password.data,
            )
            db.session.commit()
            _sign_in(user)
            session["employer_id"] = invitation.employer_id
            flash(_("Welcome to %(employer)s.", employer=invitation.employer.name), "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation, existing=existing)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], deduct_when=lambda response: response.status_code < 500)
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()  # the mail goes into the outbox; it is sent after the response
        flash(_("If an account exists for this address, we sent it a link to choose a new password."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = services.load_password_reset(token)
    except services.AccountError as error:
        return render_template("accounts/link_invalid.html", message=str(error)), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        db.session.commit()
        flash(_("Your password was changed. Sign in with it now."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.post("/employer")
@login_required
def switch_employer():
    form = SwitchEmployerForm()
    form.employer_id.choices = [(e.id, e.name) for e in current_user.employers()]
    if not form.validate_on_submit():
        abort(404)  # not one of the user's employers: as if it did not exist
    session["employer_id"] = form.employer_id.data
    return redirect(url_for("home.index"))


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            current_user.language = form.language.data
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
