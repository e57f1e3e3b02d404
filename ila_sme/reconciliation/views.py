"""The accountant's reconciliation page: start a run, watch it (htmx polling while it is not finished),
the runs with their counts, and the queue of differences with their actions.

A run started here is only queued (``engine.queue_run``): the scheduler process carries it out. Each
action on a difference is one transaction with its audit event (``actions.py``); a ReconciliationError
rolls everything back and says why."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ila_sme import dates, locks, paging, permissions
from ila_sme.extensions import db
from ila_sme.forms import page_arg, paginate
from ila_sme.funding.models import Contribution
from ila_sme.money import format_money, from_cents
from ila_sme.reconciliation import actions, engine, overview
from ila_sme.reconciliation.forms import LinkForm, OutsideForm, ReasonForm, StartRunForm
from ila_sme.reconciliation.models import (
    DIFFERENCE_KINDS,
    OUTCOME_LABELS,
    Difference,
    Outcome,
    Phase,
    ReconciliationItem,
    ReconciliationRun,
    RunState,
)
from ila_sme.tenancy import current_employer, get_or_404, register_url_object
from ila_sme.web import babel_locale, moment_filter, render, wants_fragment

bp = Blueprint("reconciliation", __name__, url_prefix="/reconciliation")
register_url_object("reconciliation_run_id", ReconciliationRun)
register_url_object("difference_id", Difference)

FINISHED_EVENT = "reconciliationFinished"
SCHEDULER_LEASE = "scheduler"  # held by ``flask --app app scheduler run`` (scheduler.runner.LEASE)
RUNS_PER_PAGE = 10
DIFFERENCES_PER_PAGE = 25
ITEMS_PER_PAGE = 50
SHOW = ("open", "resolved", "all")
UNFINISHED = (RunState.QUEUED, RunState.RUNNING)
PHASE_LABELS = {
    Phase.SUBMITTING: _l("Sending pending contributions"),
    Phase.READING: _l("Reading the register's entries"),
    Phase.CHECKING: _l("Looking for contributions the register does not list"),
}
TRIGGER_LABELS = {"web": _l("Someone, by hand"), "cli": _l("The command line"), "scheduler": _l("The scheduler")}
SHOW_LABELS = {"open": _l("Open"), "resolved": _l("Resolved"), "all": _l("All")}


@bp.before_request
@login_required
def _signed_in():
    """The register's money: sign in first."""


def _employer():
    employer = current_employer()
    permissions.require(permissions.can_reconcile(current_user, employer))
    return employer


def _scheduler_running() -> bool:
    return locks.current(SCHEDULER_LEASE) is not None


def _stalled(run: ReconciliationRun) -> bool:
    """Marked running, but its process (on this host) is gone: the next run marks it interrupted."""
    return run.state == RunState.RUNNING and not locks.holder_alive(run.holder)


def _common() -> dict:
    return {"moment": moment_filter, "phase_labels": PHASE_LABELS, "trigger_labels": TRIGGER_LABELS,
            "outcome_labels": OUTCOME_LABELS, "scheduler_running": _scheduler_running(), "stalled": _stalled,
            "from_cents": from_cents}


# The page and its regions ----------------------------------------------------------------------


def _page_number() -> int:
    return page_arg()


def _runs(employer, start: int) -> paging.Page:
    query = (select(ReconciliationRun).where(ReconciliationRun.employer_id == employer.id)
             .options(selectinload(ReconciliationRun.requested_by)).order_by(ReconciliationRun.id.desc()))
    return paging.page_of(query, size=RUNS_PER_PAGE, start=start)


def _filters() -> dict:
    """The queue's filters from the query string: open / resolved / all, and one kind or every kind."""
    show = request.args.get("show", "open")
    kind = request.args.get("kind", "")
    return {"show": show if show in SHOW else "open", "kind": kind if kind in DIFFERENCE_KINDS else ""}


def _differences(employer, filters: dict, page: int):
    return paginate(overview.differences(employer, show=filters["show"], kind=filters["kind"]), page=page,
                    per_page=DIFFERENCES_PER_PAGE)


def _row_context(filters: dict) -> dict:
    return {"filters": filters, "filter_args": {name: value for name, value in filters.items() if value},
            "actions_for": actions.actions_for, "linkable": actions.linkable,
            "kinds": [(kind.value, OUTCOME_LABELS[kind]) for kind in DIFFERENCE_KINDS], "show_labels": SHOW_LABELS}


def _index(block: str | None = None, *, runs_start: int = 0, differences_page: int = 1,
           start_form: StartRunForm | None = None):
    employer = _employer()
    filters = _filters()
    runs = _runs(employer, runs_start)
    if block == "run_rows":  # "older runs" for htmx: those rows alone, appended under the others
        return render("reconciliation/index.html", block, runs=runs,
                      runs_more_url=runs.next_url("reconciliation.runs"), **_common())
    current = overview.current_run(employer)
    return render("reconciliation/index.html", block, current_run=current,
                  busy=current is not None and current.state in UNFINISHED,
                  start_form=start_form or StartRunForm.for_today(dates.today(), formdata=None),
                  runs=runs, runs_more_url=runs.next_url("reconciliation.runs"),
                  differences=_differences(employer, filters, differences_page),
                  last_done_run=overview.last_done_run(employer),
                  **_row_context(filters), **_common())


@bp.get("/")
def index():
    """The whole page; for htmx, the current run and the start form (refreshed when a run ends)."""
    return _index("current")


@bp.get("/runs")
def runs():
    """The runs region (refreshed when a run ends); from ``?from=``, the older runs' rows alone (htmx)."""
    start = paging.start_arg()
    return _index("run_rows" if start and wants_fragment() else "runs", runs_start=start)


@bp.get("/differences")
def differences():
    return _index("differences", differences_page=_page_number())


@bp.post("/runs")
def start():
    employer = _employer()
    form = StartRunForm.for_today(dates.today())
    if not form.validate_on_submit():
        return _index(start_form=form), 422
    waiting = db.session.scalar(select(ReconciliationRun.id).where(
        ReconciliationRun.employer_id == employer.id, ReconciliationRun.state.in_(UNFINISHED)).limit(1))
    if waiting is not None:
        form.form_errors.append(_("A run is already waiting or running: its progress shows on this page. "
                                  "Start another when it has finished."))
        return _index(start_form=form), 409
    run = engine.queue_run(employer, requested_by=current_user, period=form.chosen_period)
    db.session.commit()
    if _scheduler_running():
        flash(_("Run %(number)s is queued: the scheduler starts it within seconds.", number=run.id), "success")
    else:
        flash(_("Run %(number)s is queued, but no scheduler process is running: it waits until the "
                "scheduler runs again.", number=run.id), "info")
    return redirect(url_for("reconciliation.index"))


# One run --------------------------------------------------------------------------------------


def _run_page(run: ReconciliationRun, block: str | None):
    outcome = request.args.get("outcome", "")
    outcome = outcome if outcome in {o.value for o in Outcome} else ""
    query = select(ReconciliationItem).where(ReconciliationItem.run_id == run.id)
    if outcome:
        query = query.where(ReconciliationItem.outcome == outcome)
    items = paginate(query.order_by(ReconciliationItem.id), page=_page_number(), per_page=ITEMS_PER_PAGE)
    return render("reconciliation/run.html", block, run=run, items=items, outcome=outcome,
                  outcomes=[(o.value, OUTCOME_LABELS[o]) for o in Outcome], **_common())


@bp.get("/runs/<int:reconciliation_run_id>")
def run(reconciliation_run_id: int):
    """A run's items, by outcome; for htmx, the items region."""
    found = get_or_404(ReconciliationRun, reconciliation_run_id)
    _employer()
    return _run_page(found, "items")


@bp.get("/runs/<int:reconciliation_run_id>/status")
def run_status(reconciliation_run_id: int):
    """Polled every second while the run is not finished; the answer that finds it finished stops the
    polling and tells the page (HX-Trigger) to refresh the runs and the differences."""
    found = get_or_404(ReconciliationRun, reconciliation_run_id)
    _employer()
    if not wants_fragment():
        return _run_page(found, None)
    response = make_response(render("reconciliation/run.html", "status", run=found, **_common()))
    if found.finished:
        response.headers["HX-Trigger"] = FINISHED_EVENT
    return response


# The differences' actions ---------------------------------------------------------------------


def _difference(difference_id: int) -> Difference:
    difference = get_or_404(Difference, difference_id)
    _employer()
    return difference


def _back():
    return url_for("reconciliation.differences", **{name: value for name, value in _filters().items() if value})


def _row(difference: Difference, **context):
    return render("reconciliation/index.html", "row", d=difference, **_row_context(_filters()), **_common(),
                  **context)


def _done(difference: Difference, message: str):
    db.session.commit()
    if not wants_fragment():
        flash(message, "success")
        return redirect(_back())
    return _row(difference, row_message=message)


def _refused(difference_id: int, message: str, status: int = 409, action: str | None = None, form=None):
    """Nothing changed: say why, in the row (htmx) or at the top of the page."""
    db.session.rollback()
    if not wants_fragment():
        flash(message, "error")
        return redirect(_back())
    difference = db.session.get(Difference, difference_id)
    return make_response(_row(difference, row_error=message, error_action=action, error_form=form), status)


def _form_errors(form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


def _money(cents: int | None) -> str:
    return "—" if cents is None else format_money(from_cents(cents), babel_locale())


@bp.post("/differences/<int:difference_id>/resubmit")
def resubmit(difference_id: int):
    difference = _difference(difference_id)
    try:
        actions.resubmit(actor=current_user, difference=difference)
    except actions.ReconciliationError as error:
        return _refused(difference_id, str(error))
    return _done(difference, _("%(reference)s is booked at the register (entry %(entry)s).",
                               reference=difference.reference, entry=difference.entry_id))


@bp.post("/differences/<int:difference_id>/accept")
def accept(difference_id: int):
    difference = _difference(difference_id)
    try:
        actions.accept(actor=current_user, difference=difference)
    except actions.ReconciliationError as error:
        return _refused(difference_id, str(error))
    if difference.kind == Outcome.REVERSED:
        return _done(difference, _("The register's reversal of %(reference)s is acknowledged.",
                                   reference=difference.reference))
    return _done(difference, _("%(reference)s now counts for %(amount)s, the register's amount; the budget "
                               "follows.", reference=difference.reference, amount=_money(difference.register_cents)))


@bp.post("/differences/<int:difference_id>/link")
def link(difference_id: int):
    difference = _difference(difference_id)
    form = LinkForm()
    if not form.validate_on_submit():
        return _refused(difference_id, _form_errors(form), 422, "link", form)
    contribution = db.session.get(Contribution, form.contribution_id.data)
    if contribution is None or contribution.employer_id != difference.employer_id:
        return _refused(difference_id, _("Choose one of the contributions listed."), 422, "link", form)
    try:
        actions.link(actor=current_user, difference=difference, contribution=contribution)
    except actions.ReconciliationError as error:
        return _refused(difference_id, str(error), 409, "link", form)
    return _done(difference, _("The register's entry %(entry)s is linked to %(reference)s.",
                               entry=difference.entry_id, reference=contribution.reference))


@bp.post("/differences/<int:difference_id>/record-outside")
def record_outside(difference_id: int):
    difference = _difference(difference_id)
    form = OutsideForm()
    if not form.validate_on_submit():
        return _refused(difference_id, _form_errors(form), 422, "record_outside", form)
    try:
        actions.record_outside(actor=current_user, difference=difference, note=form.note.data or None,
                               today=dates.today())
    except actions.ReconciliationError as error:
        return _refused(difference_id, str(error), 409, "record_outside", form)
    return _done(difference, _("The register's entry %(entry)s is recorded as co-funding booked outside the "
                               "app; it counts in the budget.", entry=difference.entry_id))


@bp.post("/differences/<int:difference_id>/ask-reversal")
def ask_reversal(difference_id: int):
    difference = _difference(difference_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _refused(difference_id, _form_errors(form), 422, "ask_reversal", form)
    try:
        actions.ask_reversal(actor=current_user, difference=difference, reason=form.reason.data)
    except actions.ReconciliationError as error:
        return _refused(difference_id, str(error), 409, "ask_reversal", form)
    return _done(difference, _("The register reversed its entry %(entry)s.", entry=difference.entry_id))


@bp.post("/differences/<int:difference_id>/write-off")
def write_off(difference_id: int):
    difference = _difference(difference_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _refused(difference_id, _form_errors(form), 422, "write_off", form)
    try:
        actions.write_off(actor=current_user, difference=difference, reason=form.reason.data)
    except actions.ReconciliationError as error:
        return _refused(difference_id, str(error), 409, "write_off", form)
    return _done(difference, _("The difference is written off."))
