"""Role homes and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user
from sqlalchemy import text

from ila_sme import dates, permissions
from ila_sme.extensions import db
from ila_sme.leave import request_lists
from ila_sme.leave.balances import current_balances
from ila_sme.people import services as people
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
        me = context["me"] = people.employee_for_user(employer, current_user)
        if me is not None:
            context["balances"] = current_balances(me, employer, today)
            context["my_requests"] = request_lists.requests_of(me)[:5]
    if permissions.can_view_approvals(current_user, employer):
        context["to_decide"] = request_lists.decidable_requests(current_user, employer, today)
    if permissions.can_approve_for_a_team(current_user, employer):
        context["team"] = people.team_of(employer, current_user)
        context["staff_count"] = len(people.employees(employer))
    return render("home/index.html", **context)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        db.session.rollback()
        return jsonify(status="error", database={"ok": False, "error": type(error).__name__}), 503
    return jsonify(status="ok", database={"ok": True, "dialect": db.engine.dialect.name})
