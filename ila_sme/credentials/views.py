"""Micro-credential screens: an employee's credentials (upload, paper entry, sharing), the credential laid out
by the EU standard elements, its original document, and the skills matrix of the employer's staff.

The employee owns their credentials. Managers and admins see one only when ``services.can_see`` says so;
otherwise the credential page answers 404, as a credential of another employer does."""

from __future__ import annotations

import io
import re

from babel.numbers import format_decimal
from flask import Blueprint, abort, flash, make_response, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ila_sme import dates, paging, permissions
from ila_sme.credentials import formats, matrix, services
from ila_sme.credentials.elements import MANDATORY_LABELS
from ila_sme.credentials.errors import CredentialError
from ila_sme.credentials.forms import EmptyForm, ManualForm, MatrixFilterForm, UploadForm
from ila_sme.credentials.models import Credential
from ila_sme.extensions import db
from ila_sme.people import services as people
from ila_sme.people.models import EmployeeRecord
from ila_sme.tenancy import current_employer, get_or_404, register_url_object
from ila_sme.web import babel_locale, render, wants_fragment

bp = Blueprint("credentials", __name__, url_prefix="/credentials")
register_url_object("credential_id", Credential)

FORMAT_LABELS = {**formats.FORMAT_LABELS, services.MANUAL: _l("Entered by hand (paper certificate)")}
OPTIONAL_LABELS = {
    "prerequisites": _l("Prerequisites needed to enrol"),
    "supervision": _l("Supervision and identity verification during assessment"),
    "grade": _l("Grade achieved"),
    "stackability": _l("Integration or stackability options"),
    "further_information": _l("Further information"),
}


def _number(value) -> str:
    return format_decimal(value, format="#,##0.##", locale=babel_locale())


LABELS = {"format_labels": FORMAT_LABELS, "mandatory_labels": MANDATORY_LABELS, "optional_labels": OPTIONAL_LABELS,
          "number": _number}


@bp.before_request
@login_required
def _signed_in():
    """Credentials are personal: sign in first."""


# Loading --------------------------------------------------------------------------------------------


def _visible(credential_id: int) -> Credential:
    """The credential, or 404 when the signed-in user may not see it (nobody learns that it exists)."""
    credential = get_or_404(Credential, credential_id)
    if not services.can_see(current_user, credential):
        abort(404)
    return credential


def _employee(employee_id: int) -> EmployeeRecord:
    """The employee whose page this is: for them, an admin, or a manager (who sees what the employer may)."""
    employee = get_or_404(EmployeeRecord, employee_id)
    permissions.require(permissions.can_manage_credentials_of(current_user, employee)
                        or permissions.can_view_skills(current_user, current_employer()))
    return employee


def _managed(employee_id: int) -> EmployeeRecord:
    employee = get_or_404(EmployeeRecord, employee_id)
    permissions.require(permissions.can_manage_credentials_of(current_user, employee))
    return employee


# The employee's credentials -------------------------------------------------------------------------


def _employee_page(employee: EmployeeRecord, upload_form: UploadForm | None = None, block: str | None = None):
    held = services.held_by(employee, current_user)
    imported = next((c for c in held if c.id == request.args.get("imported", type=int)), None)
    manages = permissions.can_manage_credentials_of(current_user, employee)
    return render("credentials/employee.html", block, employee=employee, credentials=held,
                  own=employee.user_id == current_user.id, manages=manages, imported=imported,
                  missing=services.missing_elements(imported) if imported else [],
                  upload_form=upload_form or UploadForm(formdata=None), share_form=EmptyForm(formdata=None),
                  **LABELS)


@bp.get("/mine")
def mine():
    employee = people.employee_for_user(current_employer(), current_user)
    if employee is None:
        return render("credentials/no_record.html", "message")
    return redirect(url_for("credentials.employee", employee_id=employee.id))


@bp.get("/employees/<int:employee_id>")
def employee(employee_id: int):
    return _employee_page(_employee(employee_id), block="credentials")


@bp.post("/employees/<int:employee_id>/upload")
def upload(employee_id: int):
    employee = _managed(employee_id)
    form = UploadForm()
    if form.validate_on_submit():
        data, filename = form.payload()
        try:
            credential = services.import_file(actor=current_user, employee=employee, data=data, filename=filename,
                                              today=dates.today())
        except CredentialError as error:
            db.session.rollback()  # nothing of a refused upload stays
            form.file.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("“%(title)s” was added: %(state)s.", title=credential.title, state=credential.state_label),
                  "success")
            return redirect(url_for("credentials.employee", employee_id=employee.id, imported=credential.id))
    return _employee_page(employee, upload_form=form), 422


@bp.route("/employees/<int:employee_id>/new", methods=["GET", "POST"])
def new(employee_id: int):
    employee = _managed(employee_id)
    form = ManualForm()
    if form.validate_on_submit():
        try:
            credential = services.add_manual(actor=current_user, employee=employee, values=form.values(),
                                             today=dates.today())
        except CredentialError as error:
            db.session.rollback()
            _map_errors(form, error)
        else:
            db.session.commit()
            flash(_("“%(title)s” was added: %(state)s.", title=credential.title, state=credential.state_label),
                  "success")
            return redirect(url_for("credentials.employee", employee_id=employee.id, imported=credential.id))
    status = 422 if request.method == "POST" else 200
    return render("credentials/new.html", "form", form=form, employee=employee, **LABELS), status


def _map_errors(form: ManualForm, error: CredentialError) -> None:
    """A field's problem beside the field; any other above the form."""
    by_field = getattr(error, "errors", None) or {}
    for name, message in by_field.items():
        field = form._fields.get(name)
        if field is not None and name != "csrf_token":
            field.errors = [*field.errors, str(message)]
        else:
            form.form_errors.append(str(message))
    if not by_field:
        form.form_errors.append(error.message)


# Sharing ----------------------------------------------------------------------------------------------


def _set_shared(credential_id: int, shared: bool):
    credential = _visible(credential_id)
    permissions.require(permissions.can_manage_credentials_of(current_user, credential.employee))
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        (services.share if shared else services.unshare)(actor=current_user, credential=credential)
    except CredentialError as error:
        db.session.rollback()
        flash(error.message, "error")
        status = 409
    else:
        db.session.commit()
        flash(_("“%(title)s” is shared with %(employer)s.", title=credential.title,
                employer=current_employer().name) if shared else
              _("“%(title)s” is no longer shared.", title=credential.title), "success")
        status = 200
    if not wants_fragment():
        if request.form.get("next") == "credential" and services.can_see(current_user, credential):
            return redirect(url_for("credentials.detail", credential_id=credential.id))
        return redirect(url_for("credentials.employee", employee_id=credential.employee_id))
    if not services.can_see(current_user, credential):  # an admin who stopped sharing another's credential
        return make_response(render("credentials/_unshared.html"), status, {"HX-Trigger": "credentialShared"})
    return make_response(render("credentials/_share.html", "share", credential=credential,
                                share_form=EmptyForm(formdata=None), manages=True),
                         status, {"HX-Trigger": "credentialShared"})


@bp.post("/<int:credential_id>/share")
def share(credential_id: int):
    return _set_shared(credential_id, True)


@bp.post("/<int:credential_id>/unshare")
def unshare(credential_id: int):
    return _set_shared(credential_id, False)


# The credential -------------------------------------------------------------------------------------


@bp.get("/<int:credential_id>")
def detail(credential_id: int):
    credential = _visible(credential_id)
    return render("credentials/detail.html", credential=credential,
                  missing={m.key for m in services.missing_elements(credential)},
                  reasons=services.reasons(credential), notes=services.notes(credential),
                  manages=permissions.can_manage_credentials_of(current_user, credential.employee),
                  share_form=EmptyForm(formdata=None), **LABELS)


def _download_name(credential: Credential) -> str:
    name = re.sub(r"[^\w.\-]+", "_", credential.original_filename or "", flags=re.ASCII).strip("._")
    if name:
        return name
    return f"credential-{credential.id}.{'jwt' if credential.format.endswith(('jwt', 'jws')) else 'json'}"


@bp.get("/<int:credential_id>/original")
def original(credential_id: int):
    """The document exactly as received: always a download, never shown in the browser."""
    credential = _visible(credential_id)
    if credential.original is None:
        abort(404)
    response = send_file(io.BytesIO(credential.original), mimetype="application/octet-stream", as_attachment=True,
                         download_name=_download_name(credential), max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# The skills matrix ----------------------------------------------------------------------------------


def _matrix_filters() -> tuple[MatrixFilterForm, matrix.Filters]:
    employer = current_employer()
    permissions.require(permissions.can_view_skills(current_user, employer))
    form = MatrixFilterForm.for_teams(matrix.teams(employer), request.args)
    filters = matrix.Filters(group=form.group.data or "credential", team=form.team.data or None,
                             verified=bool(form.verified.data), expiring=bool(form.expiring.data))
    return form, filters


@bp.get("/skills")
def skills():
    """A page of people; "show more" appends the next ones (their rows alone for htmx)."""
    form, filters = _matrix_filters()
    result = matrix.build_page(current_employer(), filters, dates.today(), start=paging.start_arg())
    more_url = result.people.next_url("credentials.skills", **result.filters.as_args())
    return render("credentials/matrix.html", "matrix_rows" if paging.wants_more() else "matrix", form=form,
                  matrix=result, more_url=more_url, **LABELS)


@bp.get("/skills.csv")
def skills_csv():
    _, filters = _matrix_filters()
    result = matrix.build(current_employer(), filters, dates.today())
    response = make_response(matrix.to_csv(result))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    filename = f"skills-matrix-{dates.today().isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
