"""The people screen: employees, invitations and the CSV import."""

from __future__ import annotations

from types import SimpleNamespace

from babel.dates import get_day_names
from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from ila_sme import dates, paging, permissions
from ila_sme.accounts import services as accounts
from ila_sme.accounts.models import Invitation, User
from ila_sme.extensions import db
from ila_sme.forms import format_decimal, search_arg
from ila_sme.identifiers import looks_like_insz, mask_typed_insz
from ila_sme.people import account_links, csv_import, employment, services
from ila_sme.people.forms import (
    ContractForm,
    EmployeeForm,
    EmptyForm,
    ImportForm,
    InviteForm,
    LinkAccountForm,
    NewEmployeeForm,
    TermsForm,
)
from ila_sme.people.history import ContractPeriod, History
from ila_sme.people.models import EmployeeRecord
from ila_sme.roles import ROLE_LABELS
from ila_sme.tenancy import current_employer, get_or_404, register_url_object, scoped
from ila_sme.web import babel_locale, render

bp = Blueprint("people", __name__, url_prefix="/people")
register_url_object("employee_id", EmployeeRecord)
register_url_object("invitation_id", Invitation)
register_url_object("period_id", ContractPeriod)

NO_ONE = (0, "—")
PER_PAGE = 50  # people shown at a time; "show more" appends the next ones


@bp.before_request
@login_required
def _people_are_for_managers():
    permissions.require(permissions.can_view_people(current_user, current_employer()))


def _employee_form(employer, form_class=EmployeeForm, **kwargs) -> EmployeeForm:
    form = form_class(**kwargs)
    choices = [NO_ONE] + [(user.id, user.name) for user in services.approvers(employer)]
    form.approver_id.choices = choices
    form.deputy_id.choices = choices
    return form


def _form_data(form: EmployeeForm, names=services.PERSONAL) -> dict:
    data = {name: form[name].data for name in names}
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
    query = services.employee_query(employer, search)
    people = paging.page_of(query.options(selectinload(EmployeeRecord.approver)), size=PER_PAGE) \
        if query is not None else paging.Page([], 0, PER_PAGE, False)
    return render(
        "people/index.html", "rows" if paging.wants_more() else "results",
        employees=people, without_approver=services.without_valid_approver(employer, people.items),
        without_approver_count=services.count_without_valid_approver(employer, query) if query is not None else 0,
        more_url=None if number_search else people.next_url("people.index", q=search),
        search="" if number_search else search,
        number_search=mask_typed_insz(search) if number_search else "",
        invitations=invitations, action_form=EmptyForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
def create():
    employer = current_employer()
    permissions.require(permissions.can_edit_people(current_user, employer))
    form = _employee_form(employer, NewEmployeeForm)
    if form.validate_on_submit():
        data = _form_data(form, services.EDITABLE)
        data["pattern"] = form.pattern() if form.pattern_given() else None
        try:
            employee = services.create_employee(actor=current_user, employer=employer, data=data)
        except services.PeopleError as error:
            _field_or_pattern(form, error).errors.append(str(error))
        else:
            db.session.commit()
            flash(_("%(name)s was added.", name=employee.full_name), "success")
            return redirect(url_for("people.index"))
    return render("people/form.html", form=form, employee=None, typed_number=form.forget_national_number(),
                  weekdays=_weekdays())


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


def _field_or_pattern(form, error: services.PeopleError):
    """The field a service error names (its ``errors`` list); the whole pattern's errors show below its days."""
    if error.field == "pattern":
        return SimpleNamespace(errors=form.pattern_errors)
    return form[error.field] if error.field in form else form.csrf_token


# The history: work terms and contracts --------------------------------------------------------


def _history_page(employee, *, terms_form=None, contract_form=None, correct_forms=None, link_form=None, status=200):
    history = History.of(employee)
    editable = permissions.can_edit_people(current_user, employee.employer)
    if terms_form is None:
        terms_form = TermsForm(formdata=None)
        latest = history.terms[-1] if history.terms else None
        if latest is not None:
            terms_form.employment_pct.data = latest.employment_pct
            terms_form.fill_pattern(latest.pattern)
    correct_forms = correct_forms or {}
    for period in history.contracts:
        correct_forms.setdefault(period.id, ContractForm(formdata=None, prefix=f"c{period.id}", obj=period))
    return render("people/history.html", "history", employee=employee, spans=history.spans(),
                  contracts=history.contracts, editable=editable, terms_form=terms_form,
                  contract_form=contract_form or ContractForm(formdata=None, prefix="new"),
                  correct_forms=correct_forms, weekdays=_weekdays(),
                  number=lambda value: format_decimal(value, "#,##0.##"),
                  **_account_context(employee, link_form)), status


def _account_context(employee, link_form=None) -> dict:
    """The person's account: linked to whom, and for an admin the accounts it could be linked to."""
    if not permissions.can_manage_access(current_user, employee.employer):
        return {"link_form": None, "unlink_form": None}
    if link_form is None:
        link_form = LinkAccountForm(formdata=None)
        link_form.user_id.choices = [(user.id, f"{user.name} ({user.email})")
                                     for user in account_links.linkable_accounts(employee.employer)]
    return {"link_form": link_form, "unlink_form": EmptyForm()}


def _weekdays() -> list[str]:
    """Monday..Sunday, abbreviated in the reader's language (Babel's names: no strings of ours)."""
    names = get_day_names("abbreviated", locale=babel_locale())
    return [names[weekday] for weekday in range(7)]


def _saved(employee, message: str):
    db.session.commit()
    flash(message, "success")
    if request.htmx:
        return _history_page(employee)
    return redirect(url_for("people.show", employee_id=employee.id), 303)


@bp.get("/<int:employee_id>")
def show(employee_id: int):
    """The person's working life: terms with their validity, the weekly pattern, the contract periods."""
    return _history_page(get_or_404(EmployeeRecord, employee_id))


@bp.post("/<int:employee_id>/terms")
def change_terms(employee_id: int):
    employee = get_or_404(EmployeeRecord, employee_id)
    permissions.require(permissions.can_edit_people(current_user, employee.employer))
    form = TermsForm()
    if form.validate_on_submit():
        try:
            employment.change_terms(actor=current_user, employee=employee, valid_from=form.valid_from.data,
                                    employment_pct=form.employment_pct.data, hours_per_week=form.hours_per_week.data,
                                    pattern=form.pattern(), reason=form.reason.data, today=dates.today())
        except services.PeopleError as error:
            db.session.rollback()
            _field_or_pattern(form, error).errors.append(str(error))
        else:
            return _saved(employee, _("The new terms of %(name)s were saved.", name=employee.full_name))
    return _history_page(employee, terms_form=form, status=422)


@bp.post("/<int:employee_id>/contracts")
def add_contract(employee_id: int):
    employee = get_or_404(EmployeeRecord, employee_id)
    permissions.require(permissions.can_edit_people(current_user, employee.employer))
    form = ContractForm(prefix="new")
    if form.validate_on_submit():
        try:
            employment.add_contract(actor=current_user, employee=employee, starts_on=form.starts_on.data,
                                    ends_on=form.ends_on.data, reason=form.reason.data, today=dates.today())
        except services.PeopleError as error:
            db.session.rollback()
            _contract_field(form, error).errors.append(str(error))
        else:
            return _saved(employee, _("The contract of %(name)s was added.", name=employee.full_name))
    return _history_page(employee, contract_form=form, status=422)


@bp.post("/<int:employee_id>/contracts/<int:period_id>")
def correct_contract(employee_id: int, period_id: int):
    employee = get_or_404(EmployeeRecord, employee_id)
    period = get_or_404(ContractPeriod, period_id)
    permissions.require(permissions.can_edit_people(current_user, employee.employer))
    form = ContractForm(prefix=f"c{period.id}")
    if form.validate_on_submit():
        try:
            employment.correct_contract(actor=current_user, employee=employee, period=period,
                                        starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                        reason=form.reason.data, today=dates.today())
        except services.PeopleError as error:
            db.session.rollback()
            _contract_field(form, error).errors.append(str(error))
        else:
            return _saved(employee, _("The contract of %(name)s was corrected.", name=employee.full_name))
    return _history_page(employee, correct_forms={period.id: form}, status=422)


def _contract_field(form: ContractForm, error: services.PeopleError):
    return form[error.field] if error.field in ("starts_on", "ends_on") else form.ends_on


@bp.post("/<int:employee_id>/invite")
def invite_employee(employee_id: int):
    """Invite from the staff row: the account it makes (or the one that exists) is this employee's."""
    employee = get_or_404(EmployeeRecord, employee_id)
    permissions.require(permissions.can_invite(current_user, employee.employer, "employee"))
    if EmptyForm().validate_on_submit():
        try:
            result = account_links.invite_employee(actor=current_user, employee=employee)
        except services.PeopleError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_invited_message(employee, result), "success")
    return redirect(url_for("people.index"))


def _invited_message(employee: EmployeeRecord, result: account_links.InviteResult) -> str:
    if result.linked:
        return _("%(name)s already had an account: it is now linked to their employee record.",
                 name=employee.full_name)
    return _("An invitation was sent to %(email)s; the account is linked to the employee record of %(name)s.",
             email=result.invitation.email, name=employee.full_name)


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    """Invite a user. An address of a staff member not linked yet offers to link the account to that record."""
    employer = current_employer()
    roles = permissions.invitable_roles(current_user, employer)
    permissions.require(bool(roles))
    form = InviteForm()
    form.role.choices = [(role.value, ROLE_LABELS[role]) for role in roles]
    offer = None
    if form.validate_on_submit():
        choice = request.form.get("link_choice", "")
        staff = account_links.staff_member_with_email(employer, form.email.data)
        if staff is not None and choice not in ("link", "no"):
            offer = staff  # asked first: link or not
        elif staff is not None and choice == "link":
            try:
                result = account_links.invite_employee(actor=current_user, employee=staff, role=form.role.data,
                                                       name=form.name.data)
            except services.PeopleError as error:
                db.session.rollback()
                form.email.errors.append(str(error))
            else:
                db.session.commit()
                flash(_invited_message(staff, result), "success")
                return redirect(url_for("people.index"))
        else:
            try:
                accounts.invite(actor=current_user, employer=employer, email=form.email.data,
                                name=form.name.data, role=form.role.data)
            except accounts.AccountError as error:
                form.email.errors.append(str(error))
            else:
                db.session.commit()
                flash(_("An invitation was sent to %(email)s.", email=form.email.data.strip().lower()), "success")
                return redirect(url_for("people.index"))
    return render("people/invite.html", form=form, offer=offer,
                  invitation_days=current_app.config["INVITATION_MAX_AGE"] // 86400)


# The account of an employee record: link, unlink (admins) --------------------------------------------


@bp.post("/<int:employee_id>/account")
def link_account(employee_id: int):
    employee = get_or_404(EmployeeRecord, employee_id)
    permissions.require(permissions.can_manage_access(current_user, employee.employer))
    form = LinkAccountForm()
    form.user_id.choices = [(user.id, f"{user.name} ({user.email})")
                            for user in account_links.linkable_accounts(employee.employer)]
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        try:
            if user is None or not user.roles_in(employee.employer_id):
                raise services.PeopleError(_("This account has no access to %(employer)s: invite them instead.",
                                             employer=employee.employer.name))
            account_links.link_account(actor=current_user, employee=employee, user=user)
        except services.PeopleError as error:
            db.session.rollback()
            form.user_id.errors.append(str(error))
        else:
            return _saved(employee, _("The account of %(account)s is now linked to %(name)s.",
                                      account=user.name, name=employee.full_name))
    return _history_page(employee, link_form=form, status=422)


@bp.post("/<int:employee_id>/account/unlink")
def unlink_account(employee_id: int):
    employee = get_or_404(EmployeeRecord, employee_id)
    permissions.require(permissions.can_manage_access(current_user, employee.employer))
    if not EmptyForm().validate_on_submit():
        return _history_page(employee, status=400)
    try:
        user = account_links.unlink_account(actor=current_user, employee=employee)
    except services.PeopleError as error:
        flash(str(error), "error")
        return redirect(url_for("people.show", employee_id=employee.id), 303)
    return _saved(employee, _("The account of %(account)s is no longer linked to %(name)s.",
                              account=user.name, name=employee.full_name))


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
                if result.created or not result.updated:
                    flash(ngettext("%(num)s employee was imported.", "%(num)s employees were imported.",
                                   len(result.created)), "success")
                if result.updated:
                    flash(ngettext("%(num)s employee on file was updated.", "%(num)s employees on file were updated.",
                                   len(result.updated)), "success")
                return redirect(url_for("people.index"))
            errors = result.errors
            db.session.rollback()
    return render("people/import.html", form=form, errors=errors, columns=csv_import.COLUMNS)

