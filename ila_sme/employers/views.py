"""The employer's profile, for its admins."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ila_sme import dates, permissions
from ila_sme.employers import services
from ila_sme.employers.forms import EmployerForm, HeadcountForm
from ila_sme.employers.models import SIZE_BAND_LABELS
from ila_sme.extensions import db
from ila_sme.forms import format_decimal
from ila_sme.tenancy import current_employer
from ila_sme.web import render

bp = Blueprint("employers", __name__, url_prefix="/employer")


@bp.app_template_global()
def size_band_label(band: str) -> str:
    """A size band's name in the reader's language (employer settings, the platform's list)."""
    return SIZE_BAND_LABELS.get(band, band)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    employer = current_employer()
    permissions.require(permissions.can_edit_employer(current_user, employer))
    form = EmployerForm(obj=employer)
    if form.validate_on_submit():
        data = {key: form[key].data for key in services.EDITABLE}
        data["joint_committee"] = (data["joint_committee"] or "").strip() or None
        services.update_employer(actor=current_user, employer=employer, data=data)
        db.session.commit()
        flash(_("The employer's details were saved."), "success")
        return redirect(url_for("employers.settings"))
    return _settings_page(employer, form)


def _settings_page(employer, form=None, headcount_form=None, status=200, block=None):
    if headcount_form is None:
        headcount_form = HeadcountForm(formdata=None, data={"year": dates.today().year - 1})
    return render("employers/settings.html", block, form=form or EmployerForm(formdata=None, obj=employer),
                  employer=employer, headcount_form=headcount_form, headcounts=services.headcounts(employer),
                  number=lambda value: format_decimal(value, "#,##0.00")), status


@bp.post("/settings/headcounts")
@login_required
def record_headcount():
    """A new headcount row for a reference year (the latest recorded of a year counts)."""
    employer = current_employer()
    permissions.require(permissions.can_edit_employer(current_user, employer))
    form = HeadcountForm()
    if form.validate_on_submit():
        try:
            services.set_headcount(actor=current_user, employer=employer, year=form.year.data,
                                   average_fte=form.average_fte.data, reason=form.reason.data, today=dates.today())
        except services.EmployerError as error:
            db.session.rollback()
            form[error.field].errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The headcount of %(year)s was recorded.", year=form.year.data), "success")
            if request.htmx:
                return _settings_page(employer, block="headcounts")
            return redirect(url_for("employers.settings"), 303)
    return _settings_page(employer, headcount_form=form, status=422, block="headcounts")
