"""The employer's profile, for its admins."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ila_sme import permissions
from ila_sme.employers import services
from ila_sme.employers.forms import EmployerForm
from ila_sme.employers.models import SIZE_BAND_LABELS
from ila_sme.extensions import db
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
    return render("employers/settings.html", form=form, employer=employer)
