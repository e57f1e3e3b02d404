"""The approvals inbox: every decision a user may take (``waiting.py``), inline, in bulk, on cancellations and on
co-funding asked on its own; and the count of it for the menu's badge."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, has_request_context, redirect, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from ila_sme import dates, permissions
from ila_sme.approvals import waiting
from ila_sme.approvals.forms import BulkApproveForm, DecideForm, RejectForm
from ila_sme.extensions import commit_keeping_loaded, db
from ila_sme.funding import services as funding_services
from ila_sme.funding.models import FundingRequest
from ila_sme.funding.permissions import may_decide_here
from ila_sme.funding.services import FundingError
from ila_sme.leave import ledger, request_lists, services
from ila_sme.leave.errors import LeaveError
from ila_sme.leave.models import LeaveRequest, RequestStatus
from ila_sme.people.models import EmployeeRecord
from ila_sme.tenancy import MAX_ID, current_employer, current_employer_or_none, get_or_404
from ila_sme.web import render, wants_fragment

bp = Blueprint("approvals", __name__, url_prefix="/approvals")

RECENT = 10
DECIDED = {"HX-Trigger": "leaveDecided"}
FUNDING_DECIDED = {"HX-Trigger": "fundingDecided"}


@bp.before_request
@login_required
def _approvals_are_for_deciders():
    permissions.require(permissions.can_view_approvals(current_user, current_employer()))


@bp.app_context_processor
def _decisions_waiting():
    """The menu's badge: ``decisions_waiting()`` counts only when the menu shows the Approvals entry."""
    def count() -> int:
        if not has_request_context() or not current_user.is_authenticated:
            return 0
        employer = current_employer_or_none()
        return waiting.count_for(current_user, employer, dates.today()) if employer else 0
    return {"decisions_waiting": count}


# What the inbox shows ------------------------------------------------------------------------


@dataclass
class InboxRow:
    request: LeaveRequest
    balance: ledger.Balance  # the person's balance in the request's scheme and period
    others_away: list[LeaveRequest]  # the first few
    reject_form: RejectForm
    funding: FundingRequest | None = None  # co-funding asked with the leave: decided with it
    away_count: int = 0  # how many colleagues' requests hold its days in all

    @property
    def more_away(self) -> int:
        return self.away_count - len(self.others_away)


def _fundings(requests: list[LeaveRequest]) -> dict[int, FundingRequest]:
    """The co-funding of each request that has one, with its parts, in one query."""
    if not requests:
        return {}
    rows = db.session.scalars(select(FundingRequest).where(
        FundingRequest.leave_request_id.in_([r.id for r in requests])).options(joinedload(FundingRequest.parts)))
    return {f.leave_request_id: f for f in rows.unique()}


def _rows(requests: list[LeaveRequest], reject_forms: dict | None = None) -> list[InboxRow]:
    """For the rows shown only: balances in one query per scheme and period, colleagues away in one query."""
    balances = {}
    for scheme, period in {(r.scheme, r.period) for r in requests}:
        ids = sorted({r.employee_id for r in requests if (r.scheme, r.period) == (scheme, period)})
        balances[scheme, period] = ledger.balances_of_employees(ids, scheme, period)
    away = request_lists.away_during(requests)
    forms = reject_forms or {}
    fundings = _fundings(requests)
    return [
        InboxRow(request=r, balance=balances[r.scheme, r.period][r.employee_id], others_away=away[r.id][0],
                 away_count=away[r.id][1], reject_form=forms.get(r.id) or RejectForm(formdata=None),
                 funding=fundings.get(r.id))
        for r in requests
    ]


def _recently_decided(employer) -> list[LeaveRequest]:
    return list(db.session.scalars(
        select(LeaveRequest)
        .join(LeaveRequest.employee).join(LeaveRequest.leave_type)
        .where(LeaveRequest.employer_id == employer.id,
               or_(LeaveRequest.decided_by_id == current_user.id, LeaveRequest.first_decided_by_id == current_user.id),
               LeaveRequest.status.notin_([RequestStatus.PENDING, RequestStatus.CANCELLATION_REQUESTED]))
        .options(contains_eager(LeaveRequest.employee), contains_eager(LeaveRequest.leave_type))
        .order_by(LeaveRequest.updated_at.desc(), LeaveRequest.id.desc())
        .limit(RECENT)
    ))


def _id_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None


def _kind_arg() -> str | None:
    kind = request.args.get("kind")
    return kind if kind in waiting.KINDS else None


def _inbox(reject_forms: dict | None = None, funding_forms: dict | None = None) -> dict:
    employer, today, kind = current_employer(), dates.today(), _kind_arg()
    after, after_funding = _id_arg("after"), _id_arg("after_funding")
    window = waiting.window_for(current_user, employer, today, kind=kind, after_leave=after,
                                after_funding=after_funding)
    counts = waiting.counts_for(current_user, employer, today)
    return {
        "rows": _rows(window.leave, reject_forms), "more_leave": window.more_leave,
        "fundings": window.funding, "more_funding": window.more_funding,
        "funding_forms": funding_forms or {}, "counts": counts, "waiting_count": counts.count,
        "kind": kind, "kinds": waiting.KINDS,
        "funding_reject_form": RejectForm(formdata=None),
        "recent": _recently_decided(employer),
        "decide_form": DecideForm(formdata=None),
        "bulk_form": BulkApproveForm(formdata=None),
    }


def _decidable(request_id: int) -> tuple[LeaveRequest, FundingRequest | None]:
    """The request with what deciding it reads (the person and their user, the kind, the training) and its
    co-funding, in one query: the decision then reads nothing back, before or after its commit."""
    get_or_404(LeaveRequest, request_id)  # another employer's request does not exist
    leave_request = db.session.scalars(
        select(LeaveRequest).where(LeaveRequest.id == request_id)
        .options(joinedload(LeaveRequest.employee).joinedload(EmployeeRecord.user),
                 joinedload(LeaveRequest.leave_type), joinedload(LeaveRequest.training),
                 joinedload(LeaveRequest.funding))
        .execution_options(populate_existing=True)
    ).one()
    return leave_request, leave_request.funding


def _row(leave_request: LeaveRequest, funding: FundingRequest | None = None, reject_form: RejectForm | None = None,
         *, decided: bool = False) -> str:
    """One row as it now is: with its buttons while the user may decide, else with its status (and, just
    decided, the row that goes on top of "Recently decided", out of band)."""
    if not decided and services.may_decide(current_user, leave_request, dates.today()):
        row = _rows([leave_request], {leave_request.id: reject_form})[0]
        return render("approvals/inbox.html", "pending", row=row, decide_form=DecideForm(formdata=None))
    return render("approvals/inbox.html", "settled", leave_request=leave_request, funding=funding, decided=decided)


def _decided(leave_request: LeaveRequest, funding: FundingRequest | None):
    """Committed without expiring: the answer is rendered from the rows as written, nothing is read back."""
    commit_keeping_loaded()
    flash(_("%(name)s: %(status)s.", name=leave_request.employee.full_name, status=leave_request.status_label),
          "success")
    if not wants_fragment():
        return redirect(url_for("approvals.inbox"))
    return _row(leave_request, funding, decided=True), 200, DECIDED


def _refused(leave_request: LeaveRequest, message: str, *, status: int = 409, reject_form=None):
    """Nothing changed: say why, and show the row as it now is."""
    db.session.rollback()
    flash(message, "error")
    if wants_fragment():
        return _row(leave_request, _fundings([leave_request]).get(leave_request.id), reject_form), status
    if reject_form is not None:  # a form redisplay: the error stands beside the field
        return render("approvals/inbox.html", **_inbox({leave_request.id: reject_form}))
    return redirect(url_for("approvals.inbox"))


# Screens -------------------------------------------------------------------------------------


@bp.get("")
def inbox():
    """The first window of what waits (``waiting.PAGE`` rows of each kind); ``after`` / ``after_funding`` (a
    row's id): the next window, for htmx only its rows and the next "load more"; ``kind``: one kind only."""
    context = _inbox()
    if request.args.get("after") and wants_fragment():
        return render("approvals/inbox.html", "leave_page", **context)
    if request.args.get("after_funding") and wants_fragment():
        return render("approvals/inbox.html", "funding_page", **context)
    return render("approvals/inbox.html", "inbox", **context)


@bp.get("/badge")
def badge():
    """The count beside Approvals in the menu, refreshed when a decision is taken."""
    count = waiting.count_for(current_user, current_employer(), dates.today())
    return (str(count) if count else ""), 200, {"Content-Type": "text/plain; charset=utf-8",
                                                "Cache-Control": "no-store"}


@bp.post("/<int:request_id>/approve")
def approve(request_id: int):
    leave_request, funding = _decidable(request_id)
    try:
        services.approve(actor=current_user, request=leave_request, today=dates.today())
    except LeaveError as error:
        return _refused(leave_request, str(error))
    return _decided(leave_request, funding)


@bp.post("/<int:request_id>/reject")
def reject(request_id: int):
    leave_request, funding = _decidable(request_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _refused(leave_request, " ".join(map(str, form.reason.errors)), status=422, reject_form=form)
    try:
        services.reject(actor=current_user, request=leave_request, reason=form.reason.data, today=dates.today())
    except LeaveError as error:
        return _refused(leave_request, str(error))
    return _decided(leave_request, funding)


@bp.post("/bulk-approve")
def bulk_approve():
    form = BulkApproveForm()
    approved, refusals = 0, []
    if not form.validate_on_submit() or not form.request_ids.data:
        flash(_("Select at least one request to approve."), "error")
    else:
        for request_id in dict.fromkeys(form.request_ids.data):
            try:  # each request in its own transaction: one refusal does not undo the others
                _approve_one(request_id)
            except LeaveError as error:
                db.session.rollback()
                refusals.append(str(error))
            else:
                db.session.commit()
                approved += 1
        _flash_summary(approved, refusals)
    if not wants_fragment():
        return redirect(url_for("approvals.inbox"))
    return render("approvals/inbox.html", "inbox", **_inbox()), 200, DECIDED if approved else {}


def _approve_one(request_id: int) -> None:
    leave_request = db.session.get(LeaveRequest, request_id)
    if leave_request is None or leave_request.employer_id != current_employer().id:
        raise LeaveError(_("Request %(id)s does not exist.", id=request_id))
    who = f"{leave_request.employee.full_name} ({format_date(leave_request.start_date)})"
    try:
        if leave_request.status == RequestStatus.CANCELLATION_REQUESTED:  # "approve selected" never cancels
            raise LeaveError(_("A cancellation is decided on its own row."))
        services.approve(actor=current_user, request=leave_request, today=dates.today())
    except LeaveError as error:
        raise LeaveError(_("%(who)s: %(reason)s", who=who, reason=str(error))) from error


def _flash_summary(approved: int, refusals: list[str]) -> None:
    done = ngettext("%(num)s request approved.", "%(num)s requests approved.", approved)
    if not refusals:
        flash(done, "success")
        return
    flash(done + " " + ngettext("%(num)s could not be: %(reasons)s", "%(num)s could not be: %(reasons)s",
                                len(refusals), reasons=" ".join(refusals)), "error")


# Co-funding asked on its own ----------------------------------------------------------------


def _funding_row(funding: FundingRequest, reject_form: RejectForm | None = None):
    """The co-funding row as it now is: its buttons while the user may still decide, else its status."""
    if may_decide_here(current_user, funding):
        return render("approvals/inbox.html", "funding_pending", funding=funding,
                      reject_form=reject_form or RejectForm(formdata=None), decide_form=DecideForm(formdata=None))
    return render("approvals/inbox.html", "funding_settled", funding=funding)


def _funding_refused(funding: FundingRequest, message: str, *, status: int = 409, reject_form=None):
    db.session.rollback()
    flash(message, "error")
    if wants_fragment():  # the message comes with the fragment (the flashes, out of band)
        return _funding_row(funding, reject_form=reject_form), status
    if reject_form is not None:
        return render("approvals/inbox.html", **_inbox(funding_forms={funding.id: reject_form})), status
    return redirect(url_for("approvals.inbox"))


def _funding_decided(funding: FundingRequest):
    commit_keeping_loaded()  # the row is rendered as written, nothing read back
    flash(_("Co-funding of %(name)s: %(status)s.", name=funding.employee.full_name, status=funding.status_label),
          "success")
    if not wants_fragment():
        return redirect(url_for("approvals.inbox"))
    return _funding_row(funding), 200, FUNDING_DECIDED


def _with_leave() -> str:
    return _("This co-funding belongs to a training-leave request: it is decided with the leave, on its row.")


def _funding(funding_id: int) -> FundingRequest:
    """The co-funding request, for those who decide co-funding (managers and admins; not an accountant)."""
    get_or_404(FundingRequest, funding_id)
    permissions.require(permissions.can_grant_funding(current_user, current_employer()))
    # with what deciding and its row read, in one query: nothing is read back, before or after the commit
    return db.session.scalars(
        select(FundingRequest).where(FundingRequest.id == funding_id)
        .options(joinedload(FundingRequest.employee).joinedload(EmployeeRecord.user),
                 joinedload(FundingRequest.parts), joinedload(FundingRequest.training),
                 joinedload(FundingRequest.requested_by), joinedload(FundingRequest.leave_request))
        .execution_options(populate_existing=True)).unique().one()


@bp.post("/funding/<int:funding_id>/approve")
def approve_funding(funding_id: int):
    funding = _funding(funding_id)
    if funding.decided_with_leave:
        return _funding_refused(funding, _with_leave())
    try:
        funding_services.approve(actor=current_user, funding=funding, today=dates.today())
    except FundingError as error:
        return _funding_refused(funding, str(error))
    return _funding_decided(funding)


@bp.post("/funding/<int:funding_id>/reject")
def reject_funding(funding_id: int):
    funding = _funding(funding_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _funding_refused(funding, " ".join(map(str, form.reason.errors)), status=422, reject_form=form)
    if funding.decided_with_leave:
        return _funding_refused(funding, _with_leave())
    try:
        funding_services.reject(actor=current_user, funding=funding, reason=form.reason.data)
    except FundingError as error:
        return _funding_refused(funding, str(error))
    return _funding_decided(funding)
