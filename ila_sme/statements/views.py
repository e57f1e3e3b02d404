"""The accountant's statements page for the current employer: pick a period, a source and a format, see
the totals (htmx preview, refreshed as the form changes), download the file (logged by the service);
close a period (with a confirmation step); the export log; the other exports (VOV claims, an employee's
training account, the audit log).

Every file is written by ``exports`` to a spooled temporary file and logged (sha256 of those very bytes)
before the first byte is sent: a wrong parameter gets a clear message and no file, no log row."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ila_sme import dates, permissions
from ila_sme.extensions import db
from ila_sme.forms import paginate
from ila_sme.funding import periods
from ila_sme.funding.models import SOURCE_LABELS
from ila_sme.people.models import EmployeeRecord
from ila_sme.refunds import services as refunds
from ila_sme.statements import export_log, exports, page_data, vov_account_audit
from ila_sme.statements.forms import AuditLogForm, CloseForm, DownloadForm, TrainingAccountForm, VovClaimsForm
from ila_sme.tenancy import current_employer
from ila_sme.web import moment_filter, render

bp = Blueprint("statements", __name__, url_prefix="/statements")

SPOOL_BYTES = 4 * 1024 * 1024  # larger files go to disk while they are written
LOG_PER_PAGE = 25
KIND_LABELS = {"month": _l("Month"), "quarter": _l("Quarter"), "year": _l("Year")}
FORMAT_LABELS = {"csv": "CSV", "xlsx": "XLSX (Excel)", "pdf": "PDF"}
EXPORT_LABELS = {"cofunding": _l("Co-funding statement"), "vov_claims": _l("VOV refund claims"),
                 "training_account": _l("Training account"), "audit": _l("Audit log")}


@bp.before_request
@login_required
def _signed_in():
    """The employer's books: sign in first."""


def _employer():
    employer = current_employer()
    permissions.require(permissions.can_export_statements(current_user, employer))
    return employer


def _language() -> str:
    language = str(get_locale())
    return language if language in exports.LANGUAGES else "nl"


# The statement's parameters ---------------------------------------------------------------------


@dataclass
class Chosen:
    kind: str
    period: str
    source: str
    fmt: str
    separator: str
    error: str | None = None

    @property
    def args(self) -> dict:
        return {"kind": self.kind, "period": self.period, "source": self.source, "format": self.fmt,
                "separator": self.separator}


def _chosen(values) -> Chosen:
    """Read the parameters (query string or posted form); a kind switched to another than the period's
    gets that kind's latest period over. The services say what is wrong with the rest."""
    today, language = dates.today(), _language()
    kind = values.get("kind", "")
    period = (values.get("period") or "").strip()[:20]
    try:
        parsed = periods.parse(period) if period else None
    except periods.PeriodError:
        parsed = None
    if kind not in page_data.KINDS:
        kind = page_data.kind_of(parsed) if parsed else "quarter"
    if not period or (parsed and page_data.kind_of(parsed) != kind):
        period = page_data.latest_over(kind, today)
    return Chosen(kind=kind, period=period, source=(values.get("source") or "").strip()[:20],
                  fmt=(values.get("format") or "csv").strip()[:10],
                  separator=values.get("separator") or exports.default_separator(language))


def _checked(chosen: Chosen) -> periods.Period | None:
    """The period when every parameter is right; otherwise ``chosen.error`` says what is wrong."""
    try:
        period = periods.parse(chosen.period)
        page_data.ensure_started(period, dates.today())
        exports.check(chosen.fmt, _language(), chosen.separator)
    except (periods.PeriodError, exports.ExportError) as error:
        chosen.error = str(error)
        return None
    return period


def _preview(employer, chosen: Chosen):
    if _checked(chosen) is None:
        return None
    try:
        return page_data.preview(employer, chosen.period, source=chosen.source or None, language=_language())
    except periods.PeriodError as error:
        chosen.error = str(error)
        return None


# The page -----------------------------------------------------------------------------------------


def _employees(employer) -> list[EmployeeRecord]:
    return list(db.session.scalars(select(EmployeeRecord).where(EmployeeRecord.employer_id == employer.id)
                                   .order_by(EmployeeRecord.last_name, EmployeeRecord.first_name,
                                             EmployeeRecord.id)))


def _page(block: str | None = None, *, chosen: Chosen | None = None, **forms):
    employer = _employer()
    today = dates.today()
    chosen = chosen or _chosen(request.args)
    found = _preview(employer, chosen)
    forms.setdefault("vov_form", VovClaimsForm(formdata=None,
                                               school_year=refunds.school_year(None, today).label))
    forms.setdefault("account_form", TrainingAccountForm.for_employees(_employees(employer), formdata=None,
                                                                       year=today.year))
    forms.setdefault("audit_form", AuditLogForm(formdata=None, start=today.replace(day=1),
                                                end=today))
    return render("statements/index.html", block, employer=employer, chosen=chosen, preview=found,
                  kinds=KIND_LABELS, period_choices=page_data.choices(chosen.kind, today),
                  sources=SOURCE_LABELS, formats=FORMAT_LABELS, separators=exports.csvout.SEPARATORS,
                  download_form=DownloadForm(formdata=None), close_form=CloseForm(formdata=None),
                  closed=page_data.closed_months(employer.id), moment=moment_filter, **forms)


@bp.get("")
def index():
    """The whole page; for htmx (the form changed), the form and the preview of the totals."""
    return _page("statement")


# Files ----------------------------------------------------------------------------------------------


def _send(employer, make, *, kind: str, label: str, fmt: str):
    """Write the export with ``make(out)`` (the service logs it), commit, then send those bytes."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    try:
        make(spool)
    except BaseException:
        spool.close()
        db.session.rollback()
        raise
    db.session.commit()
    spool.seek(0)
    response = send_file(spool, mimetype=exports.MEDIA_TYPES[fmt], as_attachment=True,
                         download_name=exports.filename(employer, kind, label, fmt))
    response.headers["Content-Type"] = exports.MEDIA_TYPES[fmt]  # send_file would add a second charset
    response.headers["Cache-Control"] = "no-store"
    return response


def _form_errors(form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


@bp.post("/download")
def download():
    employer = _employer()
    form = DownloadForm()
    chosen = _chosen(request.form)
    if not form.validate_on_submit():
        chosen.error = _form_errors(form)
        return _page(chosen=chosen), 422
    period = _checked(chosen)
    if period is None:
        return _page(chosen=chosen), 422
    try:
        return _send(employer, lambda out: exports.export_statement(
            employer, out, actor=current_user, period=period.label, fmt=chosen.fmt, source=chosen.source or None,
            separator=chosen.separator, language=_language()), kind="cofunding", label=period.label, fmt=chosen.fmt)
    except (periods.PeriodError, exports.ExportError) as error:
        chosen.error = str(error)
        return _page(chosen=chosen), 422


@bp.post("/vov-claims")
def vov_claims():
    employer = _employer()
    form = VovClaimsForm()
    if form.validate_on_submit():
        school_year, language = form.school_year.data, _language()
        try:
            return _send(employer, lambda out: exports.export_report(
                vov_account_audit.vov_claims(employer, school_year, language=language), out, actor=current_user,
                employer=employer, fmt="csv", language=language, parameters={"school_year": school_year}),
                kind="vov_claims", label=school_year, fmt="csv")
        except (periods.PeriodError, exports.ExportError) as error:
            form.school_year.errors.append(str(error))
    return _page(vov_form=form), 422


@bp.post("/training-account")
def training_account():
    employer = _employer()
    form = TrainingAccountForm.for_employees(_employees(employer))
    if form.validate_on_submit():
        employee = db.session.scalar(select(EmployeeRecord).where(EmployeeRecord.id == form.employee_id.data,
                                                                  EmployeeRecord.employer_id == employer.id))
        year, fmt, language = form.year.data, form.format.data, _language()
        try:
            return _send(employer, lambda out: exports.export_report(
                vov_account_audit.training_account(employee, year, language=language), out, actor=current_user,
                employer=employer, fmt=fmt, language=language,
                parameters={"employee_id": employee.id, "year": year}),
                kind="training_account", label=f"{employee.id}-{year}", fmt=fmt)
        except (periods.PeriodError, exports.ExportError) as error:
            form.year.errors.append(str(error))
    return _page(account_form=form), 422


@bp.post("/audit-log")
def audit_log():
    employer = _employer()
    form = AuditLogForm()
    if form.validate_on_submit():
        first, last, language = form.start.data, form.end.data, _language()
        try:
            return _send(employer, lambda out: exports.export_report(
                vov_account_audit.audit_log(employer, start=first, end=last, language=language), out,
                actor=current_user, employer=employer, fmt="csv", language=language,
                parameters={"from": first.isoformat(), "to": last.isoformat()}),
                kind="audit", label=f"{first.isoformat()}_{last.isoformat()}", fmt="csv")
        except (periods.PeriodError, exports.ExportError) as error:
            form.end.errors.append(str(error))
    return _page(audit_form=form), 422


# Closing -----------------------------------------------------------------------------------------------


def _confirm(period_text: str, *, error: str | None = None, status: int = 200, form=None):
    employer = _employer()
    try:
        period = periods.parse(period_text)
    except periods.PeriodError as parse_error:
        period, error, status = None, error or str(parse_error), max(status, 422)
    already = periods.closed_months(employer.id, period.months) if period else {}
    return render("statements/close.html", employer=employer, period=period, period_text=period_text,
                  already=already, error=error, form=form or CloseForm(formdata=None),
                  today=dates.today()), status


@bp.get("/close")
def close_confirm():
    """The confirmation step: which months closing this period closes, and what closing means."""
    return _confirm(request.args.get("period", "")[:20])


@bp.post("/close")
def close():
    employer = _employer()
    form = CloseForm()
    if not form.validate_on_submit():
        return _confirm(form.period.data or "", error=_form_errors(form), status=422, form=form)
    try:
        rows = periods.close(actor=current_user, employer=employer, period=form.period.data, today=dates.today())
    except periods.PeriodError as error:
        db.session.rollback()
        return _confirm(form.period.data, error=str(error), status=409, form=form)
    db.session.commit()
    flash(_("Closed: %(months)s. Nothing booked in it changes any more; a correction becomes an adjustment in "
            "the next open period.", months=", ".join(row.month for row in rows)), "success")
    return redirect(url_for("statements.index", period=periods.parse(form.period.data).label))


# The export log ------------------------------------------------------------------------------------------


@bp.get("/log")
def log():
    """Every export of this employer, newest first: who, when, parameters, lines, totals, sha256."""
    employer = _employer()
    entries = paginate(page_data.export_log(employer), per_page=LOG_PER_PAGE)
    return render("statements/log.html", "log", employer=employer, entries=entries, moment=moment_filter,
                  export_labels=EXPORT_LABELS, format_labels=FORMAT_LABELS,
                  said=export_log)
