"""Sign-in and sign-out, invitations, password reset, employer and language switch."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from ila_sme.accounts import services
from ila_sme.accounts.forms import (
    ExistingAccountForm,
    LanguageForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
    SetPasswordForm,
    SwitchEmployerForm,
)
from ila_sme.accounts.models import User, normalise_email
from ila_sme.audit.services import record
from ila_sme.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = None
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(user_id: str):
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


def _account_key() -> str:
    """Rate-limit key for one account, whether it exists or not (the address stays unknown)."""
    email = normalise_email(request.form.get("email", ""))
    return "account:" + hashlib.sha256(email.encode()).hexdigest()


def _failed(response) -> bool:
    return response.status_code != 302


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


def _sign_in(user: User) -> None:
    """A fresh session at every sign-in (no fixation); the language choice survives."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], key_func=get_remote_address,
               methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key,
               methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _sign_in(user)
            record("user.signed_in", actor=user, obj=user)
            db.session.commit()
            return redirect(_safe_next(form.next.data))
        form.password.errors.append(_("E-mail or password is incorrect."))
    return render_template("accounts/login.html", form=form), 200 if request.method == "GET" else 401


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


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
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
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
