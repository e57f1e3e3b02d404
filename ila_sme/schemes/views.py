"""Leave settings for admins: scheme parameters (versioned) and leave types."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from ila_sme import dates, permissions
from ila_sme.employers.forms import REGION_CHOICES
from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from ila_sme.money import format_money
from ila_sme.schemes import services
from ila_sme.schemes.forms import LeaveTypeForm, NewVersionForm
from ila_sme.schemes.models import SCHEME_LABELS, LeaveKind, LeaveType, Scheme, SchemeParameter
from ila_sme.tenancy import current_employer, get_or_404, register_url_object
from ila_sme.web import babel_locale, format_quantity, render

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
    if form.validate_on_submit() and _check_leave_type(form, leave_type, employer):
        services.update_leave_type(actor=current_user, leave_type=leave_type, data={
            "scheme": form.scheme.data, "needs_training": form.needs_training.data,
            "second_step_role": form.second_step_role.data or None, "active": form.active.data})
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


def _leave_type_form(employer, leave_type: LeaveType, **kwargs) -> LeaveTypeForm:
    form = LeaveTypeForm(prefix=f"type-{leave_type.id}", obj=leave_type, **kwargs)
    form.scheme.choices = [(scheme.value, SCHEME_LABELS[scheme]) for scheme in _applicable(employer)]
    if leave_type.scheme not in {value for value, _label in form.scheme.choices}:
        form.scheme.choices.append((leave_type.scheme, SCHEME_LABELS.get(leave_type.scheme, leave_type.scheme)))
    if form.second_step_role.data is None:
        form.second_step_role.data = ""
    return form


def _check_leave_type(form: LeaveTypeForm, leave_type: LeaveType, employer) -> bool:
    """The rules the form cannot see: VOV training leave needs a registry training; a second step needs
    somebody with that role. (The scheme's choices are already limited to those that apply.)"""
    scheme, role = form.scheme.data, form.second_step_role.data or None
    if scheme == Scheme.VOV and leave_type.kind == LeaveKind.TRAINING and not form.needs_training.data:
        form.needs_training.errors.append(
            _("Flemish training leave is only for trainings in the Flemish training database."))
    if role and not db.session.scalar(select(Membership.id).where(
            Membership.employer_id == employer.id, Membership.role == role).limit(1)):
        form.second_step_role.errors.append(
            _("Nobody has this role here yet: requests would wait for ever. Invite someone first."))
    return not (form.needs_training.errors or form.second_step_role.errors)


# The settings page ---------------------------------------------------------------------------


def _applicable(employer) -> list[Scheme]:
    today = dates.today()
    return [scheme for scheme in Scheme if services.applies_to(scheme, employer, today)]


def _settings_context(employer, types: list[LeaveType], forms: dict) -> dict:
    today = dates.today()
    sections = []
    for scheme in _applicable(employer):
        values = services.values_on(scheme, employer, today)
        sections.append({
            "scheme": scheme, "in_force": describe(scheme, values, employer, full=True),
            "versions": [(row, describe(scheme, row.values), row.covers(today)) for row in _versions(scheme, employer)],
            "editable": scheme in EMPLOYER_EDITABLE,
        })
    rows = [(leave_type, forms.get(leave_type.id) or _leave_type_form(employer, leave_type, formdata=None))
            for leave_type in types]
    return {"employer": employer, "today": today, "sections": sections, "rows": rows, "level_label": _level_label}


def _versions(scheme: str, employer) -> list[SchemeParameter]:
    """National, this region's and this employer's versions; never another employer's."""
    rows = db.session.scalars(
        select(SchemeParameter).where(
            SchemeParameter.scheme == scheme, SchemeParameter.country == (employer.country or "BE"),
            or_(SchemeParameter.employer_id.is_(None), SchemeParameter.employer_id == employer.id),
            or_(SchemeParameter.region.is_(None), SchemeParameter.region == employer.region),
        )
    )
    level = {"national": 0, "region": 1, "employer": 2}
    return sorted(rows, key=lambda row: (level[row.level], row.valid_from, row.id))


def _level_label(row: SchemeParameter) -> str:
    if row.level == "employer":
        return _("This employer")
    if row.level == "region":
        return _("Regional (%(region)s)", region=dict(REGION_CHOICES).get(row.region, row.region))
    return _("National (%(country)s)", country=row.country)


# Describing parameter values in words ---------------------------------------------------------


def _days(amount) -> str:
    return format_quantity(Decimal(str(amount)), "days")


def _hours(amount) -> str:
    return format_quantity(Decimal(str(amount)), "hours")


def _number(amount) -> str:
    return format_decimal(Decimal(str(amount)), format="#,##0.##", locale=babel_locale())


def _money(amount) -> str:
    return format_money(Decimal(str(amount)), babel_locale())


def bands_of(values: dict) -> list[tuple[Decimal, Decimal | None, Decimal]]:
    """(lowest headcount, next band's lowest or None, days per FTE), highest band first."""
    bands = [(Decimal(str(lowest)), Decimal(str(days))) for lowest, days in values.get("days_by_headcount", [])]
    bands.sort(key=lambda band: band[0], reverse=True)
    return [(lowest, bands[i - 1][0] if i else None, days) for i, (lowest, days) in enumerate(bands)]


def _band_text(lowest: Decimal, upper: Decimal | None, days: Decimal, first: bool) -> str:
    amount = _("none") if days == 0 else (
        _("%(days)s per FTE", days=_days(days)) if first else _days(days))
    if upper is None:
        return _("≥ %(lowest)s FTE: %(amount)s", lowest=_number(lowest), amount=amount)
    if lowest == 0:
        return _("below %(upper)s: %(amount)s", upper=_number(upper), amount=amount)
    return _("%(lowest)s–%(highest)s: %(amount)s", lowest=_number(lowest), highest=_number(upper - 1), amount=amount)


def describe(scheme: str, values: dict, employer=None, full: bool = False) -> list[tuple[str, str]]:
    """(what, in words) for each value present; ``full`` adds the fixed rules and this employer's figure."""
    if scheme == Scheme.VOV:
        return _describe_vov(values, full)
    lines = []
    if "days_by_headcount" in values:
        bands = bands_of(values)
        lines.append((_("Days per FTE by average headcount"),
                      "; ".join(_band_text(*band, first=i == 0) for i, band in enumerate(bands))))
    if "employer_extra_days_per_fte" in values:
        extra = Decimal(str(values["employer_extra_days_per_fte"]))
        lines.append((_("Employer's extra days"),
                      _("none") if extra == 0 else _("%(days)s per FTE", days=_days(extra))))
    if "carry_over_max" in values:
        limit = values["carry_over_max"]
        if limit is None:
            text = _("what remains at the end of the year carries over in full")
        elif Decimal(str(limit)) == 0:
            text = _("what remains at the end of the year expires")
        else:
            text = _("at most %(days)s carry over to the next year", days=_days(limit))
        lines.append((_("Carry-over"), text))
    if full:
        lines.append((_("Pro rata"), _("days × work regime × months employed ÷ 12; the month of starting counts "
                                       "in full (calendar year)")))
        if employer is not None and "days_by_headcount" in values:
            legal = services.days_per_fte(values, Decimal(employer.average_fte or 0))
            extra = Decimal(str(values.get("employer_extra_days_per_fte", "0")))
            lines.append((_("For this employer"), _(
                "%(fte)s FTE on average: %(legal)s legal + %(extra)s extra = %(total)s per full-timer a year",
                fte=_number(employer.average_fte or 0), legal=_days(legal), extra=_days(extra),
                total=_days(legal + extra))))
    return lines


def _describe_vov(values: dict, full: bool) -> list[tuple[str, str]]:
    lines = []
    if "hours_full_time" in values:
        lines.append((_("Hours per school year"), _(
            "%(hours)s × work regime (1 September – 31 August), e.g. %(example)s at 80 %%",
            hours=_hours(values["hours_full_time"]),
            example=_hours(services.quantize(Decimal(str(values["hours_full_time"])) * Decimal("0.8"))))))
    if "min_employment_pct" in values or "min_hours_per_week" in values:
        lines.append((_("Who"), _(
            "employees working at least %(pct)s %% and at least %(hours)s a week",
            pct=values.get("min_employment_pct", "—"), hours=_hours(values.get("min_hours_per_week", 0)))))
    if "min_contact_hours" in values or "min_study_points" in values:
        lines.append((_("Which trainings"), _(
            "in the Flemish training database, with at least %(hours)s contact hours or %(points)s study points",
            hours=values.get("min_contact_hours", "—"), points=values.get("min_study_points", "—"))))
    if "hours_per_exam" in values:
        lines.append((_("Hours counted"), _(
            "hours attended; %(sp)s per study point; %(exam)s per exam; %(evc)s per competence for recognition "
            "of prior learning", sp=_hours(values.get("hours_per_study_point", 0)),
            exam=_hours(values["hours_per_exam"]), evc=_hours(values.get("hours_per_evc_competence", 0)))))
    if "window_days_before" in values:
        lines.append((_("When"), _(
            "from %(before)s before the course starts until %(after)s after it ends",
            before=_days(values["window_days_before"]), after=_days(values.get("window_days_after", 0)))))
    if "refund_per_hour" in values:
        lines.append((_("Refund to the employer"), _("%(rate)s per approved hour",
                                                      rate=_money(values["refund_per_hour"]))))
    if "wage_ceiling_monthly" in values:
        lines.append((_("Wage ceiling"), _("%(amount)s gross a month", amount=_money(values["wage_ceiling_monthly"]))))
    if "carry_over_max" in values:
        limit = values["carry_over_max"]
        lines.append((_("Carry-over"), _("hours that remain expire at the end of the school year")
                      if limit is not None and Decimal(str(limit)) == 0
                      else _("hours that remain carry over to the next school year")))
    if full:
        lines.append((_("Assessment"), _("no final assessment taken: no right and no refund")))
    return lines


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
    data = {"employer_extra_days_per_fte": Decimal(str(in_force.get("employer_extra_days_per_fte", "0"))),
            "valid_from": today}
    own = [row for row in _versions(scheme, employer) if row.employer_id and row.covers(today)]
    if own and "days_by_headcount" in own[-1].values:
        for name, (_lowest, _upper, days) in zip(NewVersionForm.BAND_FIELDS, bands_of(in_force), strict=False):
            data[name] = days
    return data


def _label_bands(form: NewVersionForm, in_force: dict) -> list[tuple[str, Decimal]]:
    """Label the band fields with today's bands: (field name, lowest headcount) for each one shown."""
    bands = bands_of(in_force)
    if len(bands) != len(NewVersionForm.BAND_FIELDS):
        return []
    shown = []
    for name, (lowest, upper, _days_now) in zip(NewVersionForm.BAND_FIELDS, bands, strict=True):
        if upper is None:
            form[name].label.text = _("Days per FTE at %(lowest)s FTE or more", lowest=_number(lowest))
        elif lowest == 0:
            form[name].label.text = _("Days per FTE below %(upper)s FTE", upper=_number(upper))
        else:
            form[name].label.text = _("Days per FTE at %(lowest)s–%(highest)s FTE", lowest=_number(lowest),
                                      highest=_number(upper - 1))
        shown.append((name, lowest))
    return shown


def _version_values(form: NewVersionForm, employer, bands: list[tuple[str, Decimal]]) -> dict:
    """The version's values; the band days only when one was given (the others as in force then)."""
    values = {"employer_extra_days_per_fte": str(form.employer_extra_days_per_fte.data)}
    if bands and any(form[name].data is not None for name, _lowest in bands):
        then = services.values_on(Scheme.TRAINING_RIGHT, employer, form.valid_from.data)  # SchemeError: none
        current = {lowest: days for lowest, _upper, days in bands_of(then)}
        values["days_by_headcount"] = [
            [str(lowest), str(form[name].data if form[name].data is not None else current.get(lowest, 0))]
            for name, lowest in bands
        ]
    return values
