"""The people screen: employees, invitations and the CSV import."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ila_sme import permissions
from ila_sme.accounts import services as accounts
from ila_sme.accounts.models import Invitation
from ila_sme.extensions import db
from ila_sme.forms import search_arg
from ila_sme.identifiers import looks_like_insz, mask_typed_insz
from ila_sme.people import csv_import, services
from ila_sme.people.forms import EmployeeForm, EmptyForm, ImportForm, InviteForm
from ila_sme.people.models import EmployeeRecord
from ila_sme.roles import ROLE_LABELS
from ila_sme.tenancy import current_employer, get_or_404, register_url_object, scoped
from ila_sme.web import render

bp = Blueprint("people", __name__, url_prefix="/people")
register_url_object("employee_id", EmployeeRecord)
register_url_object("invitation_id", Invitation)

NO_ONE = (0, "—")


@bp.before_request
@login_required
def _people_are_for_managers():
    permissions.require(permissions.can_view_people(current_user, current_employer()))


def _employee_form(employer, **kwargs) -> EmployeeForm:
    form = EmployeeForm(**kwargs)
    choices = [NO_ONE] + [(user.id, user.name) for user in services.approvers(employer)]
    form.approver_id.choices = choices
    form.deputy_id.choices = choices
    return form


def _form_data(form: EmployeeForm) -> dict:
    data = {name: form[name].data for name in services.EDITABLE}
    for key in ("approver_id", "deputy_id"):
        data[key] = data[key] or None
    data["email"] = (data["email"] or "").strip().lower() or None
    data["team"] = (data["team"] or "").strip() or None
    return data


@bp.route("", methods=["GET", "POST"])
def index():
    """The list; the search form posts, so a national number typed in it never reaches a URL or a log."""
    employer = current_employer()
    if request.method == "POST":
        search = search_arg(args=request.form)
    else:
        search = search_arg(args=request.args)
        if looks_like_insz(search):  # a hand-made link: not searched, and the address loses it
            flash(_("Search for a national number with the search field; it is never put in the address."),
                  "info")
            return redirect(url_for("people.index"), 303)
    number_search = looks_like_insz(search)
    invitations = db.session.scalars(
        scoped(Invitation).where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc())
    ).all()
    return render(
        "people/index.html", "results",
        employees=services.employees(employer, search), search="" if number_search else search,
        number_search=mask_typed_insz(search) if number_search else "",
        invitations=invitations, action_form=EmptyForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
def create():
    employer = current_employer()
    permissions.require(permissions.can_edit_people(current_user, employer))
    form = _employee_form(employer)
    if form.validate_on_submit():
        try:
            employee = services.create_employee(actor=current_user, employer=employer, data=_form_data(form))
        except services.PeopleError as error:
            form[error.field].errors.append(str(error))
        else:
            db.session.commit()
            flash(_("%(name)s was added.", name=employee.full_name), "success")
            return redirect(url_for("people.index"))
    return render("people/form.html", form=form, employee=None, typed_number=form.forget_national_number())


@bp.route("/<int:employee_id>/edit", methods=["GET", "POST"])
def edit(employee_id: int):
    employee = get_or_404(EmployeeRecord, employee_id)
    permissions.require(permissions.can_edit_people(current_user, employee.employer))
    form = _employee_form(employee.employer, obj=employee)
    if "national_number" not in request.form:
        form.national_number.data = ""  # blank keeps it (and the form never shows it: forget_national_number)
    if request.method == "GET":
        form.approver_id.data = employee.approver_id or 0
        form.deputy_id.data = employee.deputy_id or 0
    if form.validate_on_submit():
        try:
            services.update_employee(actor=current_user, employee=employee, data=_form_data(form))
        except services.PeopleError as error:
            form[error.field].errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The changes to %(name)s were saved.", name=employee.full_name), "success")
            return redirect(url_for("people.index"))
    return render("people/form.html", form=form, employee=employee, typed_number=form.forget_national_number())


@bp.post("/<int:employee_id>/invite")
def invite_employee(employee_id: int):
    employee = get_or_404(EmployeeRecord, employee_id)
    permissions.require(permissions.can_invite(current_user, employee.employer, "employee"))
    if EmptyForm().validate_on_submit():
        if not employee.email:
            flash(_("Add an e-mail address to %(name)s first.", name=employee.full_name), "error")
        elif employee.user_id:
            flash(_("%(name)s can already sign in.", name=employee.full_name), "info")
        else:
            try:
                accounts.invite(actor=current_user, employer=employee.employer, email=employee.email,
                                name=employee.full_name, role="employee", employee_record=employee)
            except accounts.AccountError as error:
                flash(str(error), "error")
            else:
                db.session.commit()
                flash(_("An invitation was sent to %(email)s.", email=employee.email), "success")
    return redirect(url_for("people.index"))


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    employer = current_employer()
    roles = permissions.invitable_roles(current_user, employer)
    permissions.require(bool(roles))
    form = InviteForm()
    form.role.choices = [(role.value, ROLE_LABELS[role]) for role in roles]
    if form.validate_on_submit():
        try:
            accounts.invite(actor=current_user, employer=employer, email=form.email.data,
                            name=form.name.data, role=form.role.data)
        except accounts.AccountError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("An invitation was sent to %(email)s.", email=form.email.data.strip().lower()), "success")
            return redirect(url_for("people.index"))
    return render("people/invite.html", form=form, invitation_days=current_app.config["INVITATION_MAX_AGE"] // 86400)


@bp.post("/invitations/<int:invitation_id>/revoke")
def revoke_invitation(invitation_id: int):
    invitation = get_or_404(Invitation, invitation_id)
    permissions.require(permissions.can_invite(current_user, invitation.employer, invitation.role))
    if EmptyForm().validate_on_submit():
        try:
            accounts.revoke_invitation(invitation, actor=current_user)
        except accounts.AccountError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The invitation for %(email)s was withdrawn.", email=invitation.email), "success")
    return redirect(url_for("people.index"))


@bp.post("/invitations/<int:invitation_id>/resend")
def resend_invitation(invitation_id: int):
    """A fresh mail with a new link: the last one could not be sent, or it went astray."""
    invitation = get_or_404(Invitation, invitation_id)
    permissions.require(permissions.can_invite(current_user, invitation.employer, invitation.role))
    if EmptyForm().validate_on_submit():
        try:
            accounts.resend_invitation(invitation, actor=current_user)
        except accounts.AccountError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The invitation was sent again to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("people.index"))


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    employer = current_employer()
    permissions.require(permissions.can_import_people(current_user, employer))
    form = ImportForm()
    errors: list[tuple[int, str]] = []
    if form.validate_on_submit():
        try:
            result = services.import_file(actor=current_user, employer=employer, upload=form.file.data)
        except csv_import.CsvFileError as error:
            form.file.errors.append(str(error))
        else:
            if result.ok:
                db.session.commit()
                flash(ngettext("%(num)s employee was imported.", "%(num)s employees were imported.",
                               len(result.created)), "success")
                return redirect(url_for("people.index"))
            errors = result.errors
            db.session.rollback()
    return render("people/import.html", form=form, errors=errors, columns=csv_import.COLUMNS)

