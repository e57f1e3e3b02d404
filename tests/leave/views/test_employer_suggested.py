"""The "my employer suggested this training" checkbox of the request form (shown only for a school year that
allows extra VOV hours for it) and its mark in the approvals inbox row."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from ila_sme.extensions import db
from ila_sme.leave.models import LeaveRequest
from ila_sme.schemes.models import Scheme, SchemeParameter
from tests.leave.views.conftest import request_form

CHECKBOX = "My employer suggested this training"
MARK = "Suggested by the employer"


def allow_extra() -> None:
    db.session.add(SchemeParameter(scheme=Scheme.VOV, country="BE", region="flanders", valid_from=date(2025, 9, 1),
                                   valid_until=date(2026, 8, 31), values={"extra_hours_employer_suggested": "125"}))
    db.session.commit()


def _row(html: str, request_id: int) -> str:
    match = re.search(rf'<tr id="request-{request_id}">.*?</tr>', html, re.S)
    assert match, html
    return match.group(0)


def test_no_checkbox_when_the_year_allows_no_extra_hours(world, auth, client):
    auth.login(world.worker)
    html = client.get("/leave/new").get_data(as_text=True)
    assert "Study points" in html and CHECKBOX not in html
    assert auth.post("/leave/new", request_form(world, employer_suggested="y")).status_code == 302
    assert db.session.scalars(select(LeaveRequest)).one().employer_suggested is False


def test_the_checkbox_marks_the_request_and_the_approver_sees_it(world, auth, client):
    allow_extra()
    auth.login(world.worker)
    html = client.get("/leave/new").get_data(as_text=True)
    assert CHECKBOX in html and 'name="employer_suggested"' in html
    assert auth.post("/leave/new", request_form(world, employer_suggested="y")).status_code == 302
    suggested = db.session.scalars(select(LeaveRequest)).one()
    assert suggested.employer_suggested is True and suggested.amount == 24
    # a second day of the course (its window runs two days past its end), not suggested
    assert auth.post("/leave/new", request_form(world, start_date="2026-03-19", end_date="2026-03-19"),
                     ).status_code == 302
    auth.logout()

    auth.login(world.manager)
    for headers in ({}, {"HX-Request": "true"}):
        inbox = client.get("/approvals", headers=headers).get_data(as_text=True)
        assert MARK in _row(inbox, suggested.id)
    other = db.session.scalars(select(LeaveRequest).where(LeaveRequest.id != suggested.id)).one()
    assert other.employer_suggested is False
    assert MARK not in _row(inbox, other.id)  # a request not suggested carries no mark
