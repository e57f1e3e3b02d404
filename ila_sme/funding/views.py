"""Co-funding screens: the policy, asking and granting, deciding (the budget view is ``budget_views``)."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, noload
from sqlalchemy.orm.attributes import set_committed_value

from ila_sme import dates, paging, permissions
from ila_sme.extensions import db
from ila_sme.forms import search_arg
from ila_sme.funding import decisions, services
from ila_sme.funding import permissions as funding_permissions
from ila_sme.funding.blueprint import bp
from ila_sme.funding.forms import CancelForm, CourseFeeForm, EmptyForm, PolicyForm, RefuseForm, TopUpForm
from ila_sme.funding.models import (
    KIND_LABELS,
    SOURCE_LABELS,
    UNDECIDED,
    Contribution,
    ContributionStatus,
    FundingPart,
    FundingRequest,
    FundingStatus,
    Kind,
)
from ila_sme.funding.rules import ZERO
from ila_sme.funding.services import FundingError
from ila_sme.people import services as people
from ila_sme.people.models import EmployeeRecord
from ila_sme.tenancy import current_employer, get_or_404, register_url_object
from ila_sme.trainings import services as trainings
from ila_sme.trainings.models import Training
from ila_sme.web import render, wants_fragment

register_url_object("funding_id", FundingRequest)

DECIDED = {"HX-Trigger": "fundingDecided"}
RECENT = 15
PER_PAGE = 25  # rows of a list shown at a time; "show more" appends the next ones
LISTS = ("mine", "waiting", "asked")
CATALOGUE_LIMIT = 200
SEARCH_LIMIT = 30
CONTRIBUTION_LABELS = {
    ContributionStatus.PENDING: _l("Waiting to be sent to the register"),
    ContributionStatus.SENT: _l("Sent to the register"),
    ContributionStatus.BOOKED: _l("Booked by the register"),
    ContributionStatus.FAILED: _l("Refused by the register"),
    ContributionStatus.CANCELLED: _l("Cancelled"),
    ContributionStatus.REVERSED: _l("Reversed"),
}
LABELS = {"kind_labels": KIND_LABELS, "source_labels": SOURCE_LABELS, "contribution_labels": CONTRIBUTION_LABELS}


@bp.before_request
@login_required
def _signed_in():
    """Every co-funding screen is about someone's money: sign in first."""


# The policy ----------------------------------------------------------------------------------


def _year() -> int:
    year = request.args.get("year", type=int) or dates.today().year
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def _budget_url(year: int) -> str | None:
    """The budget screen, when it is there (another part of this blueprint)."""
    return url_for("funding.budget", year=year) if "funding.budget" in current_app.view_functions else None


def _policy_page(form: PolicyForm, employer, year: int):
    policy = services.policy_for(employer, year)
    previous = None if policy else services.policy_for(employer, year - 1)
    return render("funding/policy.html", "policy", form=form, year=year, policy=policy, previous=previous,
                  position=services.budget_position(employer, year), budget_url=_budget_url(year))


@bp.route("/policy", methods=["GET", "POST"])
def policy():
    employer = current_employer()
    permissions.require(permissions.can_set_funding_policy(current_user, employer))
    year = _year()
    form = PolicyForm.for_policy(services.policy_for(employer, year) or services.policy_for(employer, year - 1))
    if form.validate_on_submit():
        try:
            services.set_policy(actor=current_user, employer=employer, year=year, **form.values())
        except FundingError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The co-funding policy of %(year)s was saved.", year=year), "success")
            if not wants_fragment():
                return redirect(url_for("funding.policy", year=year))
            return _policy_page(PolicyForm.for_policy(services.policy_for(employer, year), formdata=None),
                                employer, year), 200, {"HX-Trigger": "fundingPolicySaved"}
    return _policy_page(form, employer, year), 422 if request.method == "POST" else 200


# Asking for co-funding, granting a top-up ---------------------------------------------------


def _kinds(employer) -> tuple[object, list[str]]:
    """The signed-in user's employee record, and the kinds they may ask for here."""
    me = people.employee_for_user(employer, current_user) if permissions.can_request_leave(
        current_user, employer) else None
    kinds = [Kind.COURSE_FEE.value] if me is not None else []
    if permissions.can_grant_funding(current_user, employer):
        kinds.append(Kind.TOP_UP.value)
    return me, kinds


def _form(employer):
    """The form of the kind asked for (?kind=); a POST reads the body, a GET the query string."""
    me, kinds = _kinds(employer)
    if not kinds:
        if permissions.can_request_leave(current_user, employer):
            return me, None  # an employee without a record here: nothing to ask for yet
        abort(403)
    kind = request.args.get("kind") or kinds[0]
    if kind not in kinds:
        abort(404 if kind not in {k.value for k in Kind} else 403)
    formdata = {} if request.method == "POST" else {"formdata": request.args}
    if kind == Kind.TOP_UP:
        today = dates.today()
        staff = [e for e in people.employees(employer) if e.user_id != current_user.id and e.is_employed_on(today)]
        return me, TopUpForm.for_employees(staff, **formdata)
    return me, CourseFeeForm.for_employer(employer, **formdata)


def _catalogue(employer, search: str) -> list[Training]:
    """Trainings with a cost, not withdrawn nor expired: the registry's and the employer's own."""
    today = dates.today()
    query = trainings.catalogue(employer, trainings.CatalogueFilter(search=search)).where(
        Training.cost_cents > 0, or_(Training.valid_until.is_(None), Training.valid_until >= today))
    return list(db.session.scalars(query.limit(SEARCH_LIMIT if search else CATALOGUE_LIMIT)))


def _new_page(form, me, block: str | None = None, **context):
    kinds = _kinds(current_employer())[1]
    if form.kind == Kind.COURSE_FEE:
        search = search_arg()
        options = _catalogue(current_employer(), search)
        if form.training is not None and form.training not in options:
            options.insert(0, form.training)  # the choice stays on the page, even when the search hides it
        context.update(search=search, trainings=options)
    return render("funding/new.html", block, form=form, me=me, kinds=kinds, course_fee=form.kind == Kind.COURSE_FEE,
                  **LABELS, **context)


def _no_record():
    return render("funding/no_record.html", "message")


@bp.route("/new", methods=["GET", "POST"])
def new():
    me, form = _form(current_employer())
    if form is None:
        return _no_record()
    if form.validate_on_submit():
        try:
            funding = services.ask(actor=current_user, today=dates.today(), **form.ask_arguments(me))
        except FundingError as error:
            db.session.rollback()  # nothing of a refused request stays
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            if funding.kind == Kind.TOP_UP:
                flash(_("The top-up for %(name)s now waits for another manager or an admin: nobody approves "
                        "what they asked for themselves.", name=funding.employee.full_name), "success")
            else:
                flash(_("Your co-funding request was sent: your employer decides."), "success")
            response = redirect(url_for("funding.requests"))
            if request.htmx:
                response.headers["HX-Trigger"] = "fundingRequested"
            return response
    posted = request.method == "POST"
    preview = _preview(form, me) if posted or (form.complete and form.validate_fields()) else None
    return _new_page(form, me, "form", preview=preview), 422 if posted else 200


def _preview(form, me) -> dict | None:
    """The problems and totals of what the form asks for; None until it names what it is about."""
    if not form.complete or form.errors:
        return None
    arguments = form.ask_arguments(me)
    split = arguments["split"]
    problems = services.preview(arguments["employee"], kind=form.kind, cost=arguments["cost"], split=split,
                                training=arguments["training"], today=dates.today())
    elsewhere = (services.funded_elsewhere(arguments["employee"], arguments["training"])
                 if form.kind == Kind.COURSE_FEE else ZERO)
    return {"cost": arguments["cost"], "total": split.total, "elsewhere": elsewhere,
            "left": max(arguments["cost"] - elsewhere - split.total, ZERO), "problems": problems}


@bp.get("/new/preview")
def new_preview():
    me, form = _form(current_employer())
    if form is None:
        return _no_record()
    result = _preview(form, me) if form.validate_fields() else None
    return _new_page(form, me, "preview", preview=result)


@bp.get("/new/trainings")
def training_options():
    me, form = _form(current_employer())
    if form is None:
        return _no_record()
    if form.kind != Kind.COURSE_FEE:
        abort(404)
    return _new_page(form, me, "training_options")


# The lists, and deciding --------------------------------------------------------------------


def _contributions(fundings) -> dict[int, Contribution]:
    """The latest contribution of each approved request, in one query."""
    ids = [f.id for f in fundings if f.status in (FundingStatus.APPROVED, FundingStatus.CANCELLED)]
    if not ids:
        return {}
    rows = db.session.scalars(select(Contribution).where(Contribution.funding_request_id.in_(ids))
                              .order_by(Contribution.id))
    return {c.funding_request_id: c for c in rows}


def _with_parts(fundings) -> None:
    """The parts of every row shown, in one statement for all the lists (not one per list or per row)."""
    shown = {f.id: f for f in fundings}
    if not shown:
        return
    found: dict[int, list[FundingPart]] = {funding_id: [] for funding_id in shown}
    for part in db.session.scalars(select(FundingPart).where(FundingPart.funding_request_id.in_(shown))
                                   .order_by(FundingPart.id)):
        found[part.funding_request_id].append(part)
    for funding_id, parts in found.items():
        set_committed_value(shown[funding_id], "parts", parts)


def _query(*conditions, order=None):
    """The employer's requests with what a row shows: its employee, training, leave and people read in the same
    statement (its parts: ``_with_parts``, for all the lists at once)."""
    return (select(FundingRequest).join(EmployeeRecord, EmployeeRecord.id == FundingRequest.employee_id)
            .where(FundingRequest.employer_id == current_employer().id, *conditions)
            .options(contains_eager(FundingRequest.employee), noload(FundingRequest.parts),
                     joinedload(FundingRequest.training), joinedload(FundingRequest.leave_request),
                     joinedload(FundingRequest.requested_by), joinedload(FundingRequest.decided_by))
            .order_by(*(order or (FundingRequest.created_at.desc(), FundingRequest.id.desc()))))


def _listed(*conditions, order=None, limit: int | None = None, parts: bool = True) -> list[FundingRequest]:
    """``parts``: read their parts now (else the caller does, with other rows)."""
    query = _query(*conditions, order=order)
    fundings = list(db.session.scalars(query.limit(limit) if limit else query))
    if parts:
        _with_parts(fundings)
    return fundings


def _recent(me: EmployeeRecord | None, parts: bool = True) -> list[FundingRequest]:
    """The employer's latest decisions, but one's own (those are in "My co-funding requests"); ``me``: the
    user's employee record here."""
    not_mine = [FundingRequest.employee_id != me.id] if me else []
    return _listed(FundingRequest.status.notin_(UNDECIDED), *not_mine, limit=RECENT, parts=parts, order=(
        func.coalesce(FundingRequest.decided_at, FundingRequest.created_at).desc(), FundingRequest.id.desc()))


def _more_of() -> str | None:
    """The list whose next rows are asked for (``?list=waiting&from=25``); the others start at their first row."""
    name = request.args.get("list", "")
    return name if name in LISTS and paging.wants_more() else None


def _page(name: str, query) -> paging.Page:
    return paging.page_of(query, size=PER_PAGE, start=None if _more_of() == name else 0)


def _lists() -> dict:
    employer = current_employer()
    decider = permissions.can_grant_funding(current_user, employer)
    if not (decider or permissions.can_request_leave(current_user, employer)):
        abort(403)
    record = people.employee_for_user(employer, current_user)  # read once: "mine", and left out of "recent"
    me = record if permissions.can_request_leave(current_user, employer) else None
    empty = paging.Page([], 0, PER_PAGE, False)
    more = _more_of() if wants_fragment() else None  # htmx asks for one list's next rows: only those are read
    lists = {
        "me": me, "decider": decider,
        "mine": _page("mine", _query(FundingRequest.employee_id == me.id)) if me and more in (None, "mine") else empty,
        "waiting": empty, "asked": empty, "recent": [],
    }
    if decider:
        oldest_first = (FundingRequest.created_at, FundingRequest.id)
        if more in (None, "waiting"):
            lists["waiting"] = _page("waiting", _query(
                decisions.decidable_by(current_user, employer), order=oldest_first))
        if more in (None, "asked"):
            lists["asked"] = _page("asked", _query(
                FundingRequest.status.in_(UNDECIDED), FundingRequest.requested_by_id == current_user.id,
                *([FundingRequest.employee_id != me.id] if me else []), order=oldest_first))
        if more is None:
            lists["recent"] = _recent(record, parts=False)  # with the other lists' below
    every = [*lists["mine"], *lists["waiting"], *lists["asked"], *lists["recent"]]
    _with_parts(every)
    more_urls = {name: lists[name].next_url("funding.requests", list=name) for name in LISTS}
    return {**lists, "contributions": _contributions(every), "more_urls": more_urls, "more": more}


def _row_context() -> dict:
    return {"decide_form": EmptyForm(formdata=None), "cancel_form": CancelForm(formdata=None),
            "may_decide": funding_permissions.may_decide_here, "may_cancel": funding_permissions.may_cancel,
            **LABELS}


@bp.get("/requests")
def requests():
    lists = _lists()
    more = lists["more"]  # htmx: the next rows of one list alone; without JavaScript the page, that list further on
    return render("funding/requests.html", "more_rows" if more else "requests", **lists,
                  rows=lists[more] if more else None, show_person=more != "mine",
                  more_url=lists["more_urls"][more] if more else None, **_row_context())


def _row(funding: FundingRequest, error: str | None = None, refuse_form: RefuseForm | None = None):
    """The row as it now is; beside it, out of band, the recently decided (for those who decide)."""
    decider = permissions.can_grant_funding(current_user, current_employer())
    recent = _recent(people.employee_for_user(current_employer(), current_user)) if decider else []
    return render("funding/requests.html", "row", funding=funding, row_error=error, refuse_form=refuse_form,
                  contributions=_contributions([funding, *recent]), recent=recent, decider=decider,
                  **_row_context())


def _done(funding: FundingRequest, message: str):
    db.session.commit()
    flash(message, "success")
    if not wants_fragment():
        return redirect(url_for("funding.requests"))
    return _row(funding), 200, DECIDED


def _refused(funding: FundingRequest, message: str, status: int = 409, refuse_form: RefuseForm | None = None):
    """Nothing changed: say why, beside the row (htmx) or at the top of the list."""
    db.session.rollback()
    if not wants_fragment():
        flash(message, "error")
        return redirect(url_for("funding.requests"))
    return make_response(_row(funding, message, refuse_form), status)


def _decision(funding_id: int) -> FundingRequest:
    funding = get_or_404(FundingRequest, funding_id)
    permissions.require(permissions.can_grant_funding(current_user, current_employer()))
    return funding


def _with_leave_message() -> str:
    return _("This co-funding belongs to a training-leave request: it is decided with the leave, in Approvals.")


@bp.post("/<int:funding_id>/approve")
def approve(funding_id: int):
    funding = _decision(funding_id)
    if funding.decided_with_leave:
        return _refused(funding, _with_leave_message())
    try:
        services.approve(actor=current_user, funding=funding, today=dates.today())
    except FundingError as error:
        return _refused(funding, str(error))
    return _done(funding, _("Co-funding of %(name)s: %(status)s.", name=funding.employee.full_name,
                            status=funding.status_label))


@bp.post("/<int:funding_id>/reject")
def reject(funding_id: int):
    funding = _decision(funding_id)
    form = RefuseForm()
    if not form.validate_on_submit():
        return _refused(funding, " ".join(map(str, form.reason.errors)), 422, form)
    if funding.decided_with_leave:
        return _refused(funding, _with_leave_message())
    try:
        services.reject(actor=current_user, funding=funding, reason=form.reason.data)
    except FundingError as error:
        return _refused(funding, str(error))
    return _done(funding, _("Co-funding of %(name)s: %(status)s.", name=funding.employee.full_name,
                            status=funding.status_label))


@bp.post("/<int:funding_id>/cancel")
def cancel(funding_id: int):
    funding = get_or_404(FundingRequest, funding_id)
    permissions.require(funding_permissions.may_try_cancel(current_user, funding))
    form = CancelForm()
    if not form.validate_on_submit():
        return _refused(funding, " ".join(map(str, form.reason.errors)), 422)
    try:
        services.cancel(actor=current_user, funding=funding, reason=form.reason.data or None)
    except FundingError as error:
        return _refused(funding, str(error))
    return _done(funding, _("The co-funding was cancelled; what it held is free again."))

