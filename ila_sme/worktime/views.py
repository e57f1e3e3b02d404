"""The working-time calendar for admins: the public holidays of a year and the employer's own closing days."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ila_sme import dates, permissions
from ila_sme.extensions import db
from ila_sme.forms import FlaskForm
from ila_sme.tenancy import current_employer, get_or_404, register_url_object
from ila_sme.web import render
from ila_sme.worktime import services
from ila_sme.worktime.forms import ClosingDaysForm
from ila_sme.worktime.models import ClosingDay
from ila_sme.worktime.services import DayCount, Skipped

bp = Blueprint("worktime", __name__, url_prefix="/working-time")
register_url_object("closing_day_id", ClosingDay)
FIRST_YEAR, LAST_YEAR = 2000, 2100


@bp.app_template_global()
def skipped_reason(count: DayCount) -> str:
    """Why a date of a request counted nothing, in the reader's language."""
    if count.skipped == Skipped.HOLIDAY:
        return _("public holiday (%(name)s)", name=count.name) if count.name else _("public holiday")
    if count.skipped == Skipped.CLOSING_DAY:
        return _("closing day (%(name)s)", name=count.name) if count.name else _("closing day")
    if count.skipped == Skipped.NO_CONTRACT:
        return _("not under contract")
    return _("not a working day")


@bp.before_request
@login_required
def _for_admins():
    permissions.require(permissions.can_edit_employer(current_user, current_employer()))


def _year(value) -> int:
    return value if isinstance(value, int) and FIRST_YEAR <= value <= LAST_YEAR else dates.today().year


def _page(year: int, form: ClosingDaysForm, status: int = 200):
    employer = current_employer()
    first, last = date(year, 1, 1), date(year, 12, 31)
    context = {
        "employer": employer, "year": year, "form": form, "remove_form": FlaskForm(),
        "holidays": sorted(services.public_holidays(employer, first, last).items()),
        "closing_days": services.closing_days(employer, first, last),
    }
    return render("worktime/calendar.html", "closing_days", **context), status


@bp.get("")
def calendar():
    return _page(_year(request.args.get("year", type=int)), ClosingDaysForm(formdata=None))


@bp.post("/closing-days")
def add_closing_days():
    form = ClosingDaysForm()
    year = _year(form.first.data.year if form.first.data else None)
    if form.validate_on_submit():
        try:
            services.add_closing_days(actor=current_user, employer=current_employer(), first=form.first.data,
                                      last=form.last.data, name=form.name.data, today=dates.today())
        except services.WorktimeError as error:
            db.session.rollback()
            form.first.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The closing days were added."), "success")
            if request.htmx:
                return _page(year, ClosingDaysForm(formdata=None))
            return redirect(url_for("worktime.calendar", year=year))
    return _page(year, form, 422)


@bp.post("/closing-days/<int:closing_day_id>/remove")
def remove_closing_day(closing_day_id: int):
    closing_day = get_or_404(ClosingDay, closing_day_id)
    year_day = closing_day.day
    year = year_day.year
    services.remove_closing_day(actor=current_user, closing_day=closing_day, today=dates.today())
    db.session.commit()
    flash(_("%(day)s is a working day again.", day=year_day.isoformat()), "success")
    if request.htmx:
        return _page(year, ClosingDaysForm(formdata=None))
    return redirect(url_for("worktime.calendar", year=year))
