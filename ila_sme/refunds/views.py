"""Refunds the employer can claim: the approved Flemish training leave (VOV) of a school year, where each
leave's final assessment stands, and the accountant's recording of a final assessment."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ila_sme import dates, permissions
from ila_sme.extensions import db
from ila_sme.leave import assessments
from ila_sme.leave.forms import FinalAssessmentForm
from ila_sme.leave.models import LeaveRequest
from ila_sme.refunds.services import refund_sheet, school_year
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme
from ila_sme.tenancy import current_employer, get_or_404
from ila_sme.web import render

bp = Blueprint("refunds", __name__, url_prefix="/refunds")


@bp.get("/vov")
@login_required
def vov():
    employer = current_employer()
    permissions.require(permissions.can_view_finance(current_user, employer))
    today = dates.today()
    period = school_year(request.args.get("school_year"), today)
    current = schemes.period_of(Scheme.VOV, today)
    years = sorted({schemes.period_of(Scheme.VOV, date(current.start.year + offset, 9, 1)).label
                    for offset in range(-4, 2)} | {period.label}, reverse=True)
    return render("refunds/vov.html", "sheet", sheet=refund_sheet(employer, period, today=today), years=years,
                  assessment_form=FinalAssessmentForm(), today=today)


@bp.post("/vov/requests/<int:request_id>/assessment")
@login_required
def record_assessment(request_id: int):
    """The accountant records that the employee of this leave took the training's final assessment."""
    leave_request = get_or_404(LeaveRequest, request_id)
    permissions.require(permissions.can_view_finance(current_user, current_employer()))
    form = FinalAssessmentForm()
    back = redirect(url_for("refunds.vov", school_year=leave_request.period), 303)
    if leave_request.scheme != Scheme.VOV or leave_request.training is None:
        flash(_("Only Flemish training leave for a training has a final assessment."), "error")
        return back
    if not form.validate_on_submit():
        flash(" ".join(str(message) for messages in form.errors.values() for message in messages), "error")
        return back
    proof, filename = form.payload()
    try:
        assessments.record_final_assessment(actor=current_user, employee=leave_request.employee,
                                            training=leave_request.training, taken_on=form.taken_on.data,
                                            proof=proof, proof_filename=filename, today=dates.today())
    except assessments.AssessmentError as error:
        db.session.rollback()
        flash(str(error), "error")
        return back
    db.session.commit()
    flash(_("The final assessment of %(name)s for %(training)s was recorded: its refund is released.",
            name=leave_request.employee.full_name, training=leave_request.training.title), "success")
    return back
