"""Role homes and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user
from sqlalchemy import text

from ila_sme import dates, permissions
from ila_sme.extensions import db
from ila_sme.home import cards
from ila_sme.tenancy import current_employer_or_none
from ila_sme.web import render

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    employer = current_employer_or_none()
    if employer is None:
        return render("home/no_employer.html")
    context = {}
    today = dates.today()
    if permissions.can_request_leave(current_user, employer):
        context.update(cards.employee_cards(current_user, employer, today))
    if permissions.can_view_approvals(current_user, employer):
        context.update(cards.decision_cards(current_user, employer, today))
    if permissions.can_approve_for_a_team(current_user, employer):
        context.update(cards.manager_cards(current_user, employer, today))
    if permissions.is_accountant(current_user, employer):
        context.update(cards.accountant_cards(employer))
    return render("home/index.html", **context)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        db.session.rollback()
        return jsonify(status="error", database={"ok": False, "error": type(error).__name__}), 503
    return jsonify(status="ok", database={"ok": True, "dialect": db.engine.dialect.name})
