"""The learning account as the register reports it: the employee's own page, and one employee's for
the managers and admins who may see their balances. The refresh asks the register again."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ila_sme import permissions
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.funding.models import KIND_LABELS
from ila_sme.learning_accounts import services
from ila_sme.people import services as people
from ila_sme.people.models import EmployeeRecord
from ila_sme.readonly import writes_on_get
from ila_sme.tenancy import current_employer, get_or_404
from ila_sme.web import render, wants_fragment

bp = Blueprint("learning_accounts", __name__, url_prefix="/account")
# "employee_id" is registered with tenancy by the people views: another employer's record is a 404.


@bp.before_request
@login_required
def _signed_in():
    """Every screen here is about someone's account: sign in first."""


def _me() -> EmployeeRecord | None:
    """The signed-in user's employee record in the current employer, if there is one."""
    employer = current_employer()
    permissions.require(permissions.is_member(current_user, employer))
    return people.employee_for_user(employer, current_user)


def _employee(employee_id: int) -> EmployeeRecord:
    employee = get_or_404(EmployeeRecord, employee_id)
    permissions.require(permissions.can_view_balances_of(current_user, employee))
    return employee


def _refresh(employee: EmployeeRecord) -> str | None:
    """Ask the register once and commit what it answered, or the failure noted on the old figures."""
    try:
        services.refresh(employee, utcnow(), actor=current_user)
    except services.LearningAccountError as error:
        db.session.commit()  # the old figures stay; the failure is kept beside them
        return str(error)
    db.session.commit()
    return None


def _page(employee: EmployeeRecord, block: str | None = None, error: str | None = None, refreshed: bool = False):
    own = employee.user_id == current_user.id
    refresh_url = (url_for("learning_accounts.refresh") if own
                   else url_for("learning_accounts.refresh_employee", employee_id=employee.id))
    return render("learning_accounts/account.html", block, employee=employee, own=own,
                  account=services.overview(employee), kind_labels=KIND_LABELS, error=error, refreshed=refreshed,
                  refresh_url=refresh_url)


def _after_refresh(employee: EmployeeRecord, error: str | None, page_url: str):
    """htmx: the figures block again (200 even when the register is down: the old figures stay).
    Without JavaScript: back to the page, the outcome as a flash."""
    if not wants_fragment():
        flash(error or _("The figures were refreshed from the register."), "error" if error else "success")
        return redirect(page_url)
    response = _page(employee, "figures", error=error, refreshed=error is None)
    headers = {"HX-Trigger": "accountRefreshed"} if error is None else {}
    return response, 200, headers


FIRST_VIEW_FETCHES = ("the first view of an account with no figures yet asks the register and keeps its answer "
                      "(a copy of the register's figures, nothing anyone decided); the nightly refresh does the rest")


@bp.get("")
@writes_on_get(FIRST_VIEW_FETCHES)
def mine():
    me = _me()
    if me is None:
        return render("learning_accounts/no_record.html", "message")
    error = _refresh(me) if services.snapshot_of(me) is None else None
    return _page(me, "figures", error=error)


@bp.post("/refresh")
def refresh():
    me = _me()
    if me is None:
        return render("learning_accounts/no_record.html", "message")
    return _after_refresh(me, _refresh(me), url_for("learning_accounts.mine"))


@bp.get("/employees/<int:employee_id>")
@writes_on_get(FIRST_VIEW_FETCHES)
def employee(employee_id: int):
    employee = _employee(employee_id)
    error = _refresh(employee) if services.snapshot_of(employee) is None else None
    return _page(employee, "figures", error=error)


@bp.post("/employees/<int:employee_id>/refresh")
def refresh_employee(employee_id: int):
    employee = _employee(employee_id)
    return _after_refresh(employee, _refresh(employee),
                          url_for("learning_accounts.employee", employee_id=employee.id))


@bp.after_request
def _no_store(response):
    """Personal figures: never kept by a shared cache."""
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response
