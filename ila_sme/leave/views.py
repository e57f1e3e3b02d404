"""The employee side of training leave: request, follow, withdraw; balances and their ledger rows."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from ila_sme import dates, permissions
from ila_sme.extensions import db
from ila_sme.forms import search_arg
from ila_sme.leave import ledger, request_lists, request_parts, services
from ila_sme.leave.balances import current_balances, schemes_in_use
from ila_sme.leave.errors import LeaveError
from ila_sme.leave.forms import CancellationForm, CorrectionForm, EmptyForm, RequestForm
from ila_sme.leave.models import EntryKind, LeaveRequest
from ila_sme.people import services as people
from ila_sme.people.models import EmployeeRecord
from ila_sme.schemes import services as schemes
from ila_sme.tenancy import current_employer, get_or_404, register_url_object
from ila_sme.trainings.models import Training
from ila_sme.web import render, wants_fragment

bp = Blueprint("leave", __name__, url_prefix="/leave")
register_url_object("request_id", LeaveRequest)

CATALOGUE_LIMIT = 200  # the plain <select>; the search narrows it down
SEARCH_LIMIT = 30
PERIODS_SHOWN = 6
# Each figure of a balance and the kinds of ledger rows that make it (as ledger._fold adds them up).
FIGURES = [
    ("entitlement", _l("Entitlement"), [EntryKind.ALLOCATION.value, EntryKind.RECALCULATION.value,
                                        EntryKind.CORRECTION.value]),
    ("carried_over", _l("Carried over"), [EntryKind.CARRY_OVER.value]),
    ("used", _l("Used"), [EntryKind.CONSUMPTION.value, EntryKind.RESTORATION.value]),
    ("reserved", _l("Reserved by pending requests"), [EntryKind.RESERVATION.value, EntryKind.RELEASE.value]),
    ("expired", _l("Expired"), [EntryKind.EXPIRY.value]),
]


@bp.before_request
@login_required
def _signed_in():
    """Every screen here is about someone's leave: sign in first."""


# Helpers -------------------------------------------------------------------------------------


def _me() -> EmployeeRecord | None:
    """The signed-in user's employee record here: 403 without the employee role, None without a record."""
    employer = current_employer()
    permissions.require(permissions.can_request_leave(current_user, employer))
    return people.employee_for_user(employer, current_user)


def _no_record():
    return render("leave/no_record.html", "message")


def _my_request(request_id: int) -> LeaveRequest:
    """One of the signed-in employee's own requests; anyone else's is a 404."""
    leave_request = get_or_404(LeaveRequest, request_id)
    me = _me()
    if me is None or leave_request.employee_id != me.id:
        abort(404)
    return leave_request


def _catalogue(employer, search: str, today: date, limit: int) -> list[Training]:
    """Registry trainings and the employer's own that are not withdrawn nor expired, by title."""
    query = select(Training).where(
        or_(Training.employer_id.is_(None), Training.employer_id == employer.id),
        Training.withdrawn.is_(False), or_(Training.valid_until.is_(None), Training.valid_until >= today),
    )
    if search:
        query = query.where(or_(Training.title.icontains(search, autoescape=True),
                                Training.provider_name.icontains(search, autoescape=True),
                                Training.registry_id.icontains(search, autoescape=True)))
    return list(db.session.scalars(query.order_by(Training.title, Training.id).limit(limit)))


def _request_form(employer) -> RequestForm:
    """A POST reads the body; a GET (the preview, the search, a link with ?training_id=) the query string."""
    if request.method == "POST":
        return RequestForm.for_employer(employer)
    return RequestForm.for_employer(employer, formdata=request.args)


def _request_page(form: RequestForm, employee: EmployeeRecord, block: str | None = None, **context):
    search = search_arg()
    trainings = _catalogue(employee.employer, search, dates.today(), SEARCH_LIMIT if search else CATALOGUE_LIMIT)
    chosen = form.chosen_training()
    if chosen is not None and chosen not in trainings:
        trainings.insert(0, chosen)  # the choice stays on the page, even when the search hides it
    parts = request_parts.parts()
    contexts = [part.context(form, employee) for part in parts]
    for part_context in contexts:
        context.update(part_context)
    preview = context.get("preview")
    # A part's rule that stops the request (co-funding) is as much in the way as the leave's own: the preview
    # never says "nothing stands in the way" then, and the send button is off (the POST refuses anyway).
    context["parts_blocked"] = request_parts.blocking(contexts)
    context["blocked"] = context["parts_blocked"] or bool(preview and preview.problems)
    context["actions_oob"] = block == "preview" and wants_fragment()
    offers_suggested = form.offers_suggested(form.start_date.data or dates.today())
    return render("leave/new_request.html", block, form=form, employee=employee, trainings=trainings,
                  search=search, parts=parts, offers_suggested=offers_suggested, **context)


def _submit(employee: EmployeeRecord, form: RequestForm) -> str:
    """The leave request and what its parts ask with it: all or nothing. Returns what to tell the employee."""
    today = dates.today()
    leave_request = services.submit(actor=current_user, employee=employee, data=form.request_input(), today=today)
    asked = [part for part in request_parts.parts()
             if part.submit(form, actor=current_user, employee=employee, leave_request=leave_request, today=today)]
    return asked[0].sent_message() if asked else _("Your request was sent to your approver.")


def _row(leave_request: LeaveRequest, error: str | None = None):
    """After withdraw / ask to cancel: the row alone for htmx (422 with the refusal), else back to the list."""
    if not wants_fragment():
        if error:
            flash(error, "error")
        response = redirect(url_for("leave.my_requests"))
    else:
        html = render("leave/my_requests.html", "row", item=leave_request, row_error=error,
                      withdraw_form=EmptyForm(), cancel_form=CancellationForm())
        response = make_response(html, 422 if error else 200)
    if request.htmx and not error:
        response.headers["HX-Trigger"] = "leaveRequested"
    return response


def _periods(scheme: str, employee: EmployeeRecord, today: date) -> list[str]:
    """The current period and the previous ones since the contract started (a few at most)."""
    labels, period = [], schemes.period_of(scheme, today)
    while len(labels) < PERIODS_SHOWN and (not labels or period.end >= employee.contract_start):
        labels.append(period.label)
        period = schemes.period_of(scheme, period.start - timedelta(days=1))
    return labels


def _balances_page(employee: EmployeeRecord, page_url: str, correction: CorrectionForm | None = None):
    today = dates.today()
    balances = current_balances(employee, employee.employer, today)
    periods = {balance.scheme: _periods(balance.scheme, employee, today) for balance in balances}
    wanted_scheme, wanted_period = request.args.get("scheme"), request.args.get("period")
    balances = [
        ledger.balance(employee.id, balance.scheme, wanted_period)
        if balance.scheme == wanted_scheme and wanted_period in periods[balance.scheme] else balance
        for balance in balances
    ]
    request_ids = {row.request_id for balance in balances for row in balance.rows if row.request_id}
    linked = {r.id: r for r in db.session.scalars(select(LeaveRequest).where(LeaveRequest.id.in_(request_ids)))}
    return render("leave/balances.html", "balances", employee=employee, balances=balances, periods=periods,
                  linked=linked, figures=FIGURES, own=employee.user_id == current_user.id,
                  page_url=page_url, correction=correction)


# Requesting ----------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
def new_request():
    me = _me()
    if me is None:
        return _no_record()
    form = _request_form(me.employer)
    if form.validate_on_submit():
        try:
            sent = _submit(me, form)
        except (LeaveError, *request_parts.refusals()) as error:
            db.session.rollback()  # nothing of a refused request stays, not even the period's allocation
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(sent, "success")
            response = redirect(url_for("leave.my_requests"))
            if request.htmx:
                response.headers["HX-Trigger"] = "leaveRequested"
            return response
    return _request_page(form, me)


@bp.get("/new/preview")
def preview():
    me = _me()
    if me is None:
        return _no_record()
    form = _request_form(me.employer)
    result = None
    if form.validate_fields():
        result = services.preview(me, me.employer, form.request_input(), dates.today())
    return _request_page(form, me, "preview", preview=result)


@bp.get("/new/cofunding")
def cofunding_fields():
    """The parts' fieldsets for the training now chosen (co-funding's: none for a training without a cost)."""
    me = _me()
    if me is None:
        return _no_record()
    form = _request_form(me.employer)
    return _request_page(form, me, "part_fields")


@bp.get("/trainings")
def training_options():
    me = _me()
    if me is None:
        return _no_record()
    form = _request_form(me.employer)
    return _request_page(form, me, "training_options")


# Following one's requests --------------------------------------------------------------------


@bp.get("/requests")
def my_requests():
    me = _me()
    if me is None:
        return _no_record()
    return render("leave/my_requests.html", "requests", employee=me, requests=request_lists.requests_of(me),
                  withdraw_form=EmptyForm(), cancel_form=CancellationForm())


@bp.post("/requests/<int:request_id>/withdraw")
def withdraw(request_id: int):
    leave_request = _my_request(request_id)
    try:
        services.withdraw(actor=current_user, request=leave_request, today=dates.today())
    except LeaveError as error:
        db.session.rollback()
        return _row(leave_request, str(error))
    db.session.commit()
    flash(_("Your request was withdrawn; what it held is free again."), "success")
    return _row(leave_request)


@bp.post("/requests/<int:request_id>/cancel")
def ask_cancellation(request_id: int):
    leave_request = _my_request(request_id)
    form = CancellationForm()
    if not form.validate_on_submit():
        return _row(leave_request, " ".join(form.reason.errors) or _("The form could not be read."))
    try:
        services.ask_cancellation(actor=current_user, request=leave_request, reason=form.reason.data,
                                  today=dates.today())
    except LeaveError as error:
        db.session.rollback()
        return _row(leave_request, str(error))
    db.session.commit()
    flash(_("Your approver was asked to cancel this leave."), "success")
    return _row(leave_request)


# Balances ------------------------------------------------------------------------------------


@bp.get("/balances")
def my_balances():
    me = _me()
    if me is None:
        return _no_record()
    return _balances_page(me, url_for("leave.my_balances"))


def _correction_form(employee: EmployeeRecord) -> CorrectionForm | None:
    if not permissions.can_correct_balance(current_user, employee.employer):
        return None
    in_use = schemes_in_use(employee.employer)
    first = in_use[0] if in_use else None
    period = schemes.period_of(first, dates.today()).label if first else ""
    return CorrectionForm.for_schemes(in_use, formdata=None, scheme=first, period=period)


@bp.get("/employees/<int:employee_id>/balances")
def employee_balances(employee_id: int):
    employee = get_or_404(EmployeeRecord, employee_id)
    permissions.require(permissions.can_view_balances_of(current_user, employee))
    return _balances_page(employee, request.path, _correction_form(employee))


@bp.post("/employees/<int:employee_id>/corrections")
def correct_balance(employee_id: int):
    employee = get_or_404(EmployeeRecord, employee_id)
    permissions.require(permissions.can_correct_balance(current_user, employee.employer))
    form = CorrectionForm.for_schemes(schemes_in_use(employee.employer))
    if form.validate_on_submit():
        try:
            ledger.correct(actor=current_user, employee=employee, scheme=form.scheme.data, period=form.period.data,
                           amount=form.amount.data, reason=form.reason.data)
        except LeaveError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The correction of %(name)s's balance was saved.", name=employee.full_name), "success")
            return redirect(url_for("leave.employee_balances", employee_id=employee.id, scheme=form.scheme.data,
                                    period=form.period.data))
    return _balances_page(employee, url_for("leave.employee_balances", employee_id=employee.id), form)
