"""The employee's final assessments of VOV trainings (/leave/assessments): record one, with an optional proof,
and download the proof. Routes on leave's blueprint; the factory imports this module."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ila_sme import dates, permissions
from ila_sme.extensions import db
from ila_sme.leave import assessments
from ila_sme.leave.forms import FinalAssessmentForm
from ila_sme.leave.views import _me, _no_record, bp
from ila_sme.people.models import EmployeeRecord
from ila_sme.tenancy import current_employer, get_or_404, register_url_object
from ila_sme.trainings.models import Training
from ila_sme.web import render

register_url_object("assessment_id", assessments.FinalAssessment)


def _page(employee, form: FinalAssessmentForm, status: int = 200):
    return render("leave/assessments.html", "assessments", employee=employee, form=form,
                  items=assessments.overview(employee, dates.today())), status


@bp.get("/assessments")
def my_assessments():
    me = _me()
    if me is None:
        return _no_record()
    return _page(me, FinalAssessmentForm())


@bp.post("/assessments")
def record_assessment():
    me = _me()
    if me is None:
        return _no_record()
    form = FinalAssessmentForm()
    if not form.validate_on_submit() or form.training_id.data is None:
        if form.training_id.data is None and not form.training_id.errors:
            form.training_id.errors = [_("Choose the training.")]
        return _page(me, form, 422)
    proof, filename = form.payload()
    try:
        assessments.record_final_assessment(actor=current_user, employee=me,
                                            training=db.session.get(Training, form.training_id.data),
                                            taken_on=form.taken_on.data, proof=proof, proof_filename=filename,
                                            today=dates.today())
    except assessments.AssessmentError as error:
        db.session.rollback()
        form.taken_on.errors = [str(error)]
        return _page(me, form, 422)
    db.session.commit()
    flash(_("The final assessment was recorded: the refund of this training is released."), "success")
    return redirect(url_for("leave.my_assessments"), 303)


@bp.get("/assessments/<int:assessment_id>/proof")
def assessment_proof(assessment_id: int):
    """The proof as uploaded, for the employee and the employer's accountants: always a download."""
    assessment = get_or_404(assessments.FinalAssessment, assessment_id)
    employee = db.session.get(EmployeeRecord, assessment.employee_id)
    if not (employee.user_id == current_user.id or permissions.can_view_finance(current_user, current_employer())):
        abort(404)
    if assessment.proof is None:
        abort(404)
    response = send_file(io.BytesIO(assessment.proof), mimetype=assessment.proof_content_type or
                         "application/octet-stream", as_attachment=True,
                         download_name=assessment.proof_filename or "proof", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
