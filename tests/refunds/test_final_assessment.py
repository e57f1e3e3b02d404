"""The final assessment of a VOV training releases its refund; missing after the course end and its grace
(``final_assessment_days``: 30), the hours and the refund are withdrawn: not claimed, shown apart."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.leave import assessments, request_lists
from ila_sme.refunds import services as refunds
from tests import factories
from tests.refunds.conftest import TODAY

PDF = b"%PDF-1.4\n% a certificate\n"
COURSE_END = date(2026, 3, 13)  # the course of this school year: 3–13 March 2026
GRACE_UNTIL = date(2026, 4, 12)  # 30 days later
THIS_YEAR = refunds.parse_school_year("2025-26")


def statuses(books, today: date) -> dict[str, str]:
    return {line.request.employee.first_name: line.status
            for line in request_lists.vov_refund_lines(books["employer"], "2025-26", today=today)}


def employee(books, who: str = "wim"):
    """``books["wim"]`` is Wim's approved leave of this school year (tests/refunds/conftest.py)."""
    return books[who].employee


def training_of(books):
    return books["wim"].training


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(assessments.FinalAssessment))


def test_waiting_until_the_course_ends_and_30_days_after(books):
    assert statuses(books, TODAY) == {"Wim": "waiting", "Cleo": "waiting"}  # the course has not ended
    assert statuses(books, GRACE_UNTIL) == {"Wim": "waiting", "Cleo": "waiting"}  # the last day of grace
    [line, _cleo] = request_lists.vov_refund_lines(books["employer"], "2025-26", today=TODAY)
    assert (line.course_end, line.grace_until, line.grace_days) == (COURSE_END, GRACE_UNTIL, 30)


def test_without_an_assessment_after_the_grace_the_hours_and_refund_are_withdrawn(books):
    assert statuses(books, date(2026, 4, 13)) == {"Wim": "withdrawn", "Cleo": "withdrawn"}
    sheet = refunds.refund_sheet(books["employer"], THIS_YEAR, today=date(2026, 4, 13))
    assert sheet.lines == [] and sheet.total_hours == 0 and sheet.total_refund == Decimal("0.00")
    assert [(line.hours, line.expected_refund) for line in sheet.withdrawn] == [
        (Decimal("24.00"), Decimal("357.84")), (Decimal("6.00"), Decimal("89.46"))]


def test_the_recorded_assessment_releases_the_refund(books):
    training = training_of(books)
    assessment = assessments.record_final_assessment(
        actor=books["users"]["accountant"], employee=employee(books), training=training, taken_on=COURSE_END,
        today=date(2026, 3, 20))
    db.session.commit()
    assert statuses(books, date(2026, 9, 1)) == {"Wim": "released", "Cleo": "withdrawn"}
    sheet = refunds.refund_sheet(books["employer"], THIS_YEAR, today=date(2026, 9, 1))
    [wim] = sheet.lines
    assert wim.assessment.id == assessment.id and sheet.total_hours == Decimal("24.00")
    assert sheet.total_refund == Decimal("357.84")  # Cleo's €89.46 is not claimed
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "leave.final_assessment_recorded").order_by(AuditEvent.id.desc())).first()
    assert event.after == {"employee_id": employee(books).id, "training_id": training.id, "taken_on": "2026-03-13",
                           "proof": None}


def test_the_employee_records_their_own_with_a_proof(books):
    assessment = assessments.record_final_assessment(
        actor=employee(books, "cleo").user, employee=employee(books, "cleo"), training=training_of(books),
        taken_on=date(2026, 3, 13), today=date(2026, 3, 16), proof=PDF,
        proof_filename="C:\\Users\\cleo\\attest <1>.pdf")
    assert (assessment.proof, assessment.proof_content_type, assessment.proof_filename) == (
        PDF, "application/pdf", "attest 1.pdf")
    assert assessment.recorded_by_id == employee(books, "cleo").user.id


def test_a_second_record_answers_a_clear_message(books):
    assessments.record_final_assessment(actor=books["users"]["accountant"], employee=employee(books),
                                        training=training_of(books), taken_on=COURSE_END, today=date(2026, 3, 20))
    db.session.commit()
    with pytest.raises(assessments.AssessmentError) as raised:
        assessments.record_final_assessment(actor=employee(books).user, employee=employee(books),
                                            training=training_of(books), taken_on=COURSE_END, today=date(2026, 3, 21))
    assert str(raised.value) == ("The final assessment of Boekhouden voor KMO's was already recorded (taken on "
                                 "2026-03-13, by Accountant User).")


@pytest.mark.parametrize("fields, message", [
    ({"taken_on": date(2026, 3, 21)}, "The final assessment cannot be recorded before it is taken (2026-03-21 is "
                                      "in the future)."),
    ({"taken_on": date(2026, 3, 2)}, "The final assessment cannot be before the course starts (2026-03-03)."),
    ({"proof": b"just some text"}, "The proof must be a PDF, PNG or JPEG file."),
    ({"proof": PDF + b"x" * (2 * 1024 * 1024)}, "The proof is too large: at most 2 MiB."),
])
def test_refusals_save_nothing(books, fields, message):
    values = {"taken_on": COURSE_END, "today": date(2026, 3, 20), "proof_filename": "proof.pdf"} | fields
    before = count()
    with pytest.raises(assessments.AssessmentError) as raised:
        assessments.record_final_assessment(actor=books["users"]["accountant"], employee=employee(books),
                                            training=training_of(books), **values)
    assert str(raised.value) == message
    db.session.rollback()
    assert count() == before


def test_only_the_employee_or_finance_and_only_for_approved_vov_leave(books):
    training = training_of(books)
    for actor in (books["users"]["manager"], employee(books, "cleo").user):
        with pytest.raises(assessments.AssessmentError, match="Only the employee or an accountant"):
            assessments.record_final_assessment(actor=actor, employee=employee(books), training=training,
                                                taken_on=COURSE_END, today=date(2026, 3, 20))
    other = factories.training(title="Never asked", starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 4))
    with pytest.raises(assessments.AssessmentError, match="There is no approved Flemish training leave"):
        assessments.record_final_assessment(actor=books["users"]["admin"], employee=employee(books), training=other,
                                            taken_on=COURSE_END, today=date(2026, 3, 20))


# The refunds page --------------------------------------------------------------------------------


def _page(client, app, day: date) -> str:
    app.config["TODAY"] = day
    return unescape(client.get("/refunds/vov?school_year=2025-26").get_data(as_text=True))


def test_the_page_marks_each_line_and_shows_the_withdrawn_apart(books, auth, client, app):
    auth.login("accountant@example.be")
    html = _page(client, app, TODAY)
    assert html.count("Waiting: to record by Apr 12, 2026") == 2 and "Withdrawn: not claimed" not in html
    assert 'class="overflow-auto"' in html  # the wide table scrolls on a phone

    html = _page(client, app, date(2026, 4, 13))
    assert "No Flemish training leave to claim in this school year." in html
    withdrawn = re.search(r'<section id="withdrawn-leave".*?</section>', html, re.S).group(0)
    assert "No final assessment was recorded within 30 days after the course ended" in withdrawn
    assert "Wim Worker, Boekhouden voor KMO's: 24 hours (357,84\xa0€), course ended Mar 13, 2026." in withdrawn
    assert "Cleo Colleague" in withdrawn


def test_the_accountant_records_it_from_the_page_with_a_proof(books, auth, client, app):
    auth.login("accountant@example.be")
    app.config["TODAY"] = date(2026, 4, 13)  # grace over: withdrawn, but a late record still releases it
    request_id = books["wim"].id
    response = auth.post(f"/refunds/vov/requests/{request_id}/assessment",
                         {"taken_on": "2026-03-13", "proof": (io.BytesIO(PDF), "attest.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith("/refunds/vov?school_year=2025-26")
    html = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "The final assessment of Wim Worker for Boekhouden voor KMO's was recorded: its refund is released." in html
    assert "Released: taken on Mar 13, 2026" in html
    footer = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)
    assert "24 hours" in footer and "357,84\xa0€" in footer
    assessment = assessments.assessment_of(employee(books).id, training_of(books).id)
    proof = client.get(f"/leave/assessments/{assessment.id}/proof")
    assert proof.status_code == 200 and proof.data == PDF
    assert proof.headers["Content-Disposition"].startswith("attachment") and proof.mimetype == "application/pdf"
    assert proof.headers["X-Content-Type-Options"] == "nosniff"

    again = auth.post(f"/refunds/vov/requests/{request_id}/assessment", {"taken_on": "2026-03-13"},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "was already recorded (taken on 2026-03-13, by Accountant User)." in unescape(again.get_data(as_text=True))
    assert count() == 2  # last year's (tests/refunds/conftest.py) and this one


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_only_finance_roles_record_from_the_refunds_page(books, auth, client, role):
    auth.login(books["users"][role])
    response = auth.post(f"/refunds/vov/requests/{books['wim'].id}/assessment", {"taken_on": "2026-03-13"},
                         content_type="multipart/form-data")
    assert response.status_code == 403
    assert count() == 1  # last year's only
