"""The employee's final assessments (/leave/assessments): the state of each VOV training, recording one with
an optional proof, every refusal with its message, and the proof kept for the employee and the accountants."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select

from ila_sme.extensions import db
from ila_sme.leave import assessments, services
from ila_sme.leave.models import LeaveRequest
from tests.leave.views.conftest import COURSE_END, COURSE_START, TODAY

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def approved(world) -> LeaveRequest:
    """Wim's approved VOV leave for the course (16–18 March 2026, 24 h)."""
    data = services.RequestInput(leave_type=world.vov, training=world.course, start_date=COURSE_START,
                                 end_date=COURSE_END, hours_per_day=Decimal("8"))
    request = services.submit(actor=world.worker, employee=world.employee, data=data, today=TODAY)
    services.approve(actor=world.manager, request=request, today=TODAY)
    db.session.commit()
    return request


def _page(client) -> str:
    return unescape(client.get("/leave/assessments").get_data(as_text=True))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(assessments.FinalAssessment))


def test_the_page_lists_each_training_and_its_deadline(world, approved, auth, client, app):
    auth.login(world.worker)
    assert 'href="/leave/assessments"' in client.get("/leave/requests").get_data(as_text=True)
    html = _page(client)
    assert "Boekhouden voor KMO's" in html and world.course.registry_id in html
    assert "Not recorded yet: record it by Apr 17, 2026." in html  # 18 March + 30 days
    assert re.search(r'<form method="post" enctype="multipart/form-data" action="/leave/assessments"', html)
    assert f'<option value="{world.course.id}"' in html and 'name="proof"' in html and 'name="taken_on"' in html
    app.config["TODAY"] = date(2026, 4, 18)
    assert "Withdrawn: no final assessment was recorded by Apr 17, 2026" in _page(client)


def test_an_employee_without_vov_leave_is_told_so(world, auth, client):
    auth.login(world.worker)
    html = _page(client)
    assert "You have no approved Flemish training leave for a training." in html
    assert 'action="/leave/assessments"' not in html


def test_the_employee_records_it_with_a_proof(world, approved, auth, client, app):
    app.config["TODAY"] = date(2026, 3, 20)
    auth.login(world.worker)
    response = auth.post("/leave/assessments", {"training_id": str(world.course.id), "taken_on": "2026-03-18",
                                                "proof": (io.BytesIO(PNG), "certificaat.png")},
                         content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith("/leave/assessments")
    html = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "The final assessment was recorded: the refund of this training is released." in html
    assert "Taken on Mar 18, 2026, recorded by Wim Worker." in html and "Proof: certificaat.png" in html
    assessment = assessments.assessment_of(world.employee.id, world.course.id)
    assert (assessment.taken_on, assessment.proof_content_type) == (date(2026, 3, 18), "image/png")
    proof = client.get(f"/leave/assessments/{assessment.id}/proof")
    assert proof.status_code == 200 and proof.data == PNG and proof.mimetype == "image/png"

    auth.logout()
    auth.login(world.colleague_user)  # another employee of the same employer: not hers to see
    assert client.get(f"/leave/assessments/{assessment.id}/proof").status_code == 404
    auth.logout()
    auth.login(world.accountant)
    assert client.get(f"/leave/assessments/{assessment.id}/proof").status_code == 200


@pytest.mark.parametrize("form, message", [
    ({"taken_on": "2026-03-25"}, "The final assessment cannot be recorded before it is taken (2026-03-25 is in "
                                 "the future)."),
    ({"taken_on": ""}, "This field is required."),
    ({"proof": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "virus.pdf")}, "The proof must be a PDF, PNG or JPEG file."),
    ({"proof": (io.BytesIO(b"%PDF-" + b"x" * (2 * 1024 * 1024)), "huge.pdf")},
     "The proof is too large: at most 2 MiB."),
])
def test_refusals_show_on_the_form_and_save_nothing(world, approved, auth, client, app, form, message):
    app.config["TODAY"] = date(2026, 3, 20)
    auth.login(world.worker)
    data = {"training_id": str(world.course.id), "taken_on": "2026-03-18"} | form
    response = auth.post("/leave/assessments", data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert message in html and 'class="field-error"' in html
    assert count() == 0


def test_a_second_record_is_refused_with_a_clear_message(world, approved, auth, client, app):
    app.config["TODAY"] = date(2026, 3, 20)
    assessments.record_final_assessment(actor=world.accountant, employee=world.employee, training=world.course,
                                        taken_on=date(2026, 3, 18), today=date(2026, 3, 19))
    db.session.commit()
    auth.login(world.worker)
    html = _page(client)
    assert "Taken on Mar 18, 2026, recorded by Alex Accountant." in html
    assert '<form method="post" enctype' not in html  # nothing left to record
    response = auth.post("/leave/assessments", {"training_id": str(world.course.id), "taken_on": "2026-03-18"},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert ("was already recorded (taken on 2026-03-18, by Alex Accountant)."
            in unescape(response.get_data(as_text=True)))
    assert count() == 1


def test_a_training_without_leave_is_refused(world, approved, auth, client, app):
    app.config["TODAY"] = date(2026, 3, 20)
    auth.login(world.colleague_user)
    response = auth.post("/leave/assessments", {"training_id": str(world.course.id), "taken_on": "2026-03-18"},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert "There is no approved Flemish training leave for this training." in response.get_data(as_text=True)
    assert count() == 0
