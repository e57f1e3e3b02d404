"""Leave settings for admins: scheme parameters (versioned) and leave types."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ila_sme import dates, permissions
from ila_sme.extensions import db
from ila_sme.schemes import services
from ila_sme.schemes.descriptions import band_field_label, describe, level_label
from ila_sme.schemes.forms import ROUNDING_CHOICES, LeaveTypeForm, NewVersionForm
from ila_sme.schemes.models import SCHEME_LABELS, LeaveType, Scheme
from ila_sme.tenancy import current_employer, get_or_404, register_url_object
from ila_sme.web import render

bp = Blueprint("schemes", __name__, url_prefix="/settings/leave")
register_url_object("leave_type_id", LeaveType)


@bp.app_template_global()
def scheme_label(scheme: str) -> str:
    """A scheme's name in the reader's language, on every screen that shows one."""
    return SCHEME_LABELS.get(scheme, scheme)

# The numbers of VOV are set by the Flemish government: an employer cannot have its own version.
EMPLOYER_EDITABLE = (Scheme.TRAINING_RIGHT,)


@bp.before_request
@login_required
def _for_admins():
    permissions.require(permissions.can_edit_leave_settings(current_user, current_employer()))


@bp.get("")
def settings():
    employer = current_employer()
    types = services.leave_types(employer, active_only=False)
    return render("schemes/settings.html", **_settings_context(employer, types, {}))


@bp.post("/types/<int:leave_type_id>")
def update_leave_type(leave_type_id: int):
    leave_type = get_or_404(LeaveType, leave_type_id)
    employer = current_employer()
    form = _leave_type_form(employer, leave_type)
    if form.validate_on_submit() and _without_problems(form, employer, leave_type):
        services.update_leave_type(actor=current_user, leave_type=leave_type, data=_leave_type_data(form))
        db.session.commit()
        flash(_("“%(type)s” was saved.", type=leave_type.label), "success")
        if not request.htmx:
            return redirect(url_for("schemes.settings"))
        return render("schemes/settings.html", "leave_type_row", leave_type=leave_type,
                      form=_leave_type_form(employer, leave_type, formdata=None)), {"HX-Trigger": "leaveTypeChanged"}
    if request.htmx:
        return render("schemes/settings.html", "leave_type_row", leave_type=leave_type, form=form), 422
    types = services.leave_types(employer, active_only=False)
    return render("schemes/settings.html", **_settings_context(employer, types, {leave_type.id: form}))


@bp.route("/versions/new", methods=["GET", "POST"])
def new_version():
    employer = current_employer()
    scheme = _scheme_or_404(request.args.get("scheme", Scheme.TRAINING_RIGHT.value))
    today = dates.today()
    if scheme not in EMPLOYER_EDITABLE or not services.applies_to(scheme, employer, today):
        return render("schemes/new_version.html", scheme=scheme, form=None, refused=_refusal(scheme), bands=[])
    in_force = services.values_on(scheme, employer, today)
    form = NewVersionForm(data=_current_own_values(employer, scheme, today, in_force))
    bands = _label_bands(form, in_force)
    if form.validate_on_submit():
        try:
            services.add_employer_version(
                actor=current_user, employer=employer, scheme=scheme, valid_from=form.valid_from.data,
                valid_until=form.valid_until.data, values=_version_values(form, employer, bands),
                note=form.note.data.strip())
        except services.SchemeError as error:
            db.session.rollback()
            form.valid_from.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The employer's own values from %(day)s were saved.", day=form.valid_from.data.isoformat()),
                  "success")
            return redirect(url_for("schemes.settings"))
    return render("schemes/new_version.html", scheme=scheme, form=form, refused=None, bands=bands)


# Leave types ---------------------------------------------------------------------------------


def _leave_type_form(employer, leave_type: LeaveType, applicable: list[Scheme] | None = None,
                     **kwargs) -> LeaveTypeForm:
    """``applicable``: the schemes that apply today, when the caller has them already (one form per leave type)."""
    form = LeaveTypeForm(prefix=f"type-{leave_type.id}", obj=leave_type, **kwargs)
    if applicable is None:
        applicable = services.applicable(employer, dates.today())
    form.scheme.choices = [(scheme.value, SCHEME_LABELS[scheme]) for scheme in applicable]
    if leave_type.scheme not in {value for value, _label in form.scheme.choices}:
        form.scheme.choices.append((leave_type.scheme, SCHEME_LABELS.get(leave_type.scheme, leave_type.scheme)))
    if form.second_step_role.data is None:
        form.second_step_role.data = ""
    return form


def _leave_type_data(form: LeaveTypeForm) -> dict:
    return {"scheme": form.scheme.data, "needs_training": form.needs_training.data,
            "second_step_role": form.second_step_role.data or None, "active": form.active.data}


def _without_problems(form: LeaveTypeForm, employer, leave_type: LeaveType) -> bool:
    """Puts the problems of the rules the form cannot see on their fields; True when there are none."""
    problems = services.leave_type_problems(employer, leave_type, _leave_type_data(form))
    for field, message in problems.items():
        form[field].errors.append(message)
    return not problems


# The settings page ---------------------------------------------------------------------------


def _settings_context(employer, types: list[LeaveType], forms: dict) -> dict:
    today = dates.today()
    sections = []
    applicable = services.applicable(employer, today)  # on a GET, one query answers every scheme (parameters.py)
    for scheme in applicable:
        values = services.values_on(scheme, employer, today)
        sections.append({
            "scheme": scheme, "in_force": describe(scheme, values, employer, full=True),
            "versions": [(row, describe(scheme, row.values), row.covers(today))
                         for row in services.versions(scheme, employer)],
            "editable": scheme in EMPLOYER_EDITABLE,
        })
    rows = [(leave_type, forms.get(leave_type.id) or _leave_type_form(employer, leave_type, applicable, formdata=None))
            for leave_type in types]
    return {"employer": employer, "today": today, "sections": sections, "rows": rows, "level_label": level_label}


# The new-version form ------------------------------------------------------------------------


def _scheme_or_404(value: str) -> Scheme:
    try:
        return Scheme(value)
    except ValueError:
        abort(404)


def _refusal(scheme: str) -> str:
    if scheme in EMPLOYER_EDITABLE:
        return _("%(scheme)s has no parameters for this employer's country and region.",
                 scheme=SCHEME_LABELS.get(scheme, scheme))
    return _("The numbers of %(scheme)s are set by the Flemish government and apply to every employer alike: "
             "an employer cannot have its own version. Extra days of your own go under the federal training "
             "right.", scheme=SCHEME_LABELS.get(scheme, scheme))


def _current_own_values(employer, scheme: str, today, in_force: dict) -> dict:
    """What the form starts with: the values in force today."""
    unit = services.rounding_unit(in_force)
    data = {"employer_extra_days_per_fte": Decimal(str(in_force.get("employer_extra_days_per_fte", "0"))),
            "rounding_unit": next((value for value, _label in ROUNDING_CHOICES if Decimal(value) == unit), "0.01"),
            "valid_from": today}
    own = [row for row in services.versions(scheme, employer) if row.employer_id and row.covers(today)]
    if own and "days_by_headcount" in own[-1].values:
        for name, (_lowest, _upper, days) in zip(NewVersionForm.BAND_FIELDS, services.bands_of(in_force),
                                                 strict=False):
            data[name] = days
    return data


def _label_bands(form: NewVersionForm, in_force: dict) -> list[tuple[str, Decimal]]:
    """Label the band fields with today's bands: (field name, lowest headcount) for each one shown."""
    bands = services.bands_of(in_force)
    if len(bands) != len(NewVersionForm.BAND_FIELDS):
        return []
    shown = []
    for name, (lowest, upper, _days_now) in zip(NewVersionForm.BAND_FIELDS, bands, strict=True):
        form[name].label.text = band_field_label(lowest, upper)
        shown.append((name, lowest))
    return shown


def _version_values(form: NewVersionForm, employer, bands: list[tuple[str, Decimal]]) -> dict:
    """The version's values; the band days only when one was given (the others as in force then)."""
    values = {"employer_extra_days_per_fte": str(form.employer_extra_days_per_fte.data)}
    if Decimal(form.rounding_unit.data) != services.DEFAULT_ROUNDING_UNIT:
        values["rounding_unit"] = form.rounding_unit.data  # the default needs no word: older versions lack it
    if bands and any(form[name].data is not None for name, _lowest in bands):
        then = services.values_on(Scheme.TRAINING_RIGHT, employer, form.valid_from.data)  # SchemeError: none
        current = {lowest: days for lowest, _upper, days in services.bands_of(then)}
        values["days_by_headcount"] = [
            [str(lowest), str(form[name].data if form[name].data is not None else current.get(lowest, 0))]
            for name, lowest in bands
        ]
    return values
