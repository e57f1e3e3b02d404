"""In-app notifications: the list, mark all read, and the header badge."""

from __future__ import annotations

from flask import Blueprint, flash, has_request_context, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ila_sme import permissions
from ila_sme.extensions import db
from ila_sme.notifications import services
from ila_sme.tenancy import current_employer, current_employer_or_none
from ila_sme.web import render, wants_fragment

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


class MarkReadForm(FlaskForm):
    """The "mark all read" button (CSRF token only)."""


@bp.before_request
@login_required
def _notifications_are_for_members():
    permissions.require(permissions.is_member(current_user, current_employer()))


@bp.app_context_processor
def _unread_notifications():
    """The header badge on every page: one COUNT for a signed-in user with a current employer."""
    if not has_request_context() or not current_user.is_authenticated:
        return {"unread_notifications": 0}
    employer = current_employer_or_none()
    return {"unread_notifications": _UnreadCount(employer) if employer else 0}


class _UnreadCount:
    """The count, asked only when a template shows it (a fragment never does), once per render."""

    def __init__(self, employer):
        self.employer, self.value = employer, None

    def __int__(self) -> int:
        if self.value is None:
            self.value = services.unread_count(current_user, self.employer)
        return self.value

    def __bool__(self) -> bool:
        return int(self) > 0

    def __str__(self) -> str:
        return str(int(self))

    def __eq__(self, other) -> bool:
        return int(self) == other

    __hash__ = None


@bp.get("")
def index():
    employer = current_employer()
    return render("notifications/index.html", "list", notifications=services.recent(current_user, employer),
                  mark_form=MarkReadForm(formdata=None))


@bp.post("/read")
def mark_read():
    employer = current_employer()
    if MarkReadForm().validate_on_submit():
        services.mark_all_read(current_user, employer)
        db.session.commit()
        flash(_("All notifications are marked as read."), "success")
    if not wants_fragment():
        return redirect(url_for("notifications.index"))
    return render("notifications/index.html", "list", notifications=services.recent(current_user, employer),
                  mark_form=MarkReadForm(formdata=None), badge_oob=True)


@bp.get("/badge")
def badge():
    count = services.unread_count(current_user, current_employer())
    headers = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
    return (str(count) if count else ""), 200, headers
