"""Requesting leave: the form, the training picker, the live preview, submitting and every refusal."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.leave import ledger, request_parts, services
from ila_sme.leave.models import LeaveRequest
from ila_sme.notifications.models import Notification
from ila_sme.schemes import services as schemes
from tests import factories
from tests.leave.views.conftest import (
    COURSE_END,
    COURSE_START,
    TODAY,
    ledger_rows,
    request_form,
    snapshot,
    token,
    training,
)
from tests.support.history import change_terms, end_contract


def _text(html: str) -> str:
    """The page's text with tags removed and spaces collapsed, to assert sentences."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _allocate(world) -> None:
    """The employee has looked at the balances before (the VOV period is allocated)."""
    for scheme in ("vov", "training_right"):
        ledger.ensure_allocation(world.employee, world.employer, scheme, schemes.period_of(scheme, TODAY))
    db.session.commit()


# The form ------------------------------------------------------------------------------------


def test_form_page_offers_the_leave_types_and_the_catalogue(world, auth, client):
    own = training(employer_id=world.employer.id, registry_id=None, title="Interne veiligheidsopleiding",
                   provider_name="Drukkerij Test")
    other = factories.employer("Other BV")
    training(employer_id=other.id, registry_id=None, title="Someone else's course")
    training(title="Withdrawn course", withdrawn=True)
    training(title="Expired course", valid_until=date(2026, 1, 31))
    db.session.commit()
    auth.login(world.worker)
    response = client.get("/leave/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert re.search(r'<form method="post" action="/leave/new" id="leave-request-form"', html)
    assert 'name="csrf_token"' in html
    assert f'<option value="{world.vov.id}">Training · Flemish training leave (VOV)</option>' in html
    assert f'<option value="{world.guidance.id}">Career guidance · Federal training right</option>' in html
    select_html = re.search(r'<select id="training_id" name="training_id".*?</select>', html, re.S).group(0)
    assert "Boekhouden voor KMO&#39;s · Syntra West · " + world.course.registry_id + " · 40 hours" in select_html
    assert f'value="{own.id}"' in select_html
    assert "Someone else" not in html and "Withdrawn course" not in html and "Expired course" not in html
    # htmx: the live preview on every field, the active search of the catalogue
    assert 'hx-get="/leave/new/preview" hx-trigger="change, input delay:400ms"' in html
    assert 'hx-include="closest form"' in html
    assert 'hx-get="/leave/trainings"' in html
    for name in ("start_date", "end_date", "start_half", "end_half", "hours_per_day", "exams", "evc_competences",
                 "note"):
        assert f'name="{name}"' in html
    assert "First day: afternoon only" in html and "Last day: morning only" in html
    assert "Choose the kind of leave and the dates" in html


def test_a_link_can_choose_the_training(world, auth, client):
    auth.login(world.worker)
    html = client.get(f"/leave/new?training_id={world.course.id}").get_data(as_text=True)
    assert f'<option value="{world.course.id}" selected>' in html


@pytest.mark.parametrize("search, found", [
    ("boekhoud", True), ("SYNTRA", True), ("ODB-", True), ("nothing like it", False),
])
def test_training_search_answers_radio_buttons(world, auth, client, search, found):
    training(title="Withdrawn bookkeeping", withdrawn=True, provider_name="Syntra")
    db.session.commit()
    auth.login(world.worker)
    response = client.get("/leave/trainings", query_string={"q": search}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="training-options">')
    assert "Withdrawn bookkeeping" not in html
    if found:
        assert f'<input type="radio" name="training_id" value="{world.course.id}">' in html
        assert world.course.registry_id in html and "Syntra West" in html and "40 hours" in html
    else:
        assert "No training in the catalogue matches “nothing like it”." in html
        assert 'type="radio"' not in html


def test_training_search_keeps_the_chosen_training(world, auth, client):
    second = training(title="Excel gevorderd", provider_name="VDAB")
    db.session.commit()
    auth.login(world.worker)
    html = client.get("/leave/trainings", query_string={"q": "excel", "training_id": world.course.id},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'value="{world.course.id}" checked' in html  # still chosen, though the search hides it
    assert f'value="{second.id}">' in html


def test_training_search_without_javascript_is_the_whole_form(world, auth, client):
    training(title="Excel gevorderd", provider_name="VDAB")
    db.session.commit()
    auth.login(world.worker)
    html = client.get("/leave/trainings", query_string={**request_form(world, training_id=""), "q": "excel"}
                      ).get_data(as_text=True)
    assert "<html" in html and 'id="leave-request-form"' in html
    assert 'value="excel"' in html
    assert "Excel gevorderd" in html and "Boekhouden" not in html
    assert 'value="2026-03-16"' in html  # what was typed stays


# The live preview ----------------------------------------------------------------------------


def test_preview_shows_what_the_request_draws_and_leaves(world, auth, client):
    auth.login(world.worker)
    response = client.get("/leave/new/preview", query_string=request_form(world), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<form" not in html
    assert re.search(r'<dd id="preview-amount">\s*24 hours\s*</dd>', html)
    assert re.search(r'<dd id="preview-remaining-now">\s*125 hours\s*</dd>', html)
    assert re.search(r'<dd id="preview-remaining-after">\s*101 hours\s*</dd>', html)
    assert "Flemish training leave (VOV), 2025-26" in html
    assert "Nothing stands in the way" in html
    assert snapshot()["LeaveRequest"] == 0


def test_preview_counts_half_days_and_pending_requests(world, auth, client):
    _allocate(world)
    services.submit(actor=world.worker, employee=world.employee, today=TODAY, data=services.RequestInput(
        leave_type=world.vov, training=world.course, start_date=date(2026, 3, 15), end_date=date(2026, 3, 15),
        hours_per_day=Decimal("8"), exams=1))  # a Sunday: only the exam counts, 8 h
    db.session.commit()
    auth.login(world.worker)
    html = client.get("/leave/new/preview", query_string=request_form(world, start_half="y", end_half="y"),
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    # Monday afternoon, Tuesday, Wednesday morning: 2 days × 8 h; 8 h already held by the pending request
    assert re.search(r'<dd id="preview-amount">\s*16 hours\s*</dd>', html)
    assert re.search(r'<dd id="preview-remaining-now">\s*117 hours\s*</dd>', html)
    assert re.search(r'<dd id="preview-remaining-after">\s*101 hours\s*</dd>', html)


def test_preview_in_days_for_career_guidance(world, auth, client):
    auth.login(world.worker)
    html = client.get("/leave/new/preview", headers={"HX-Request": "true"}, query_string=request_form(
        world, leave_type_id=str(world.guidance.id), training_id="", hours_per_day="")).get_data(as_text=True)
    # 25 FTE: 5 days a full-time year
    assert re.search(r'<dd id="preview-amount">\s*3 days\s*</dd>', html)
    assert re.search(r'<dd id="preview-remaining-now">\s*5 days\s*</dd>', html)
    assert re.search(r'<dd id="preview-remaining-after">\s*2 days\s*</dd>', html)


def test_preview_lists_the_days_it_skips_and_why(world, auth, client):
    auth.login(world.worker)
    response = client.get("/leave/new/preview", headers={"HX-Request": "true"}, query_string=request_form(
        world, leave_type_id=str(world.guidance.id), training_id="", hours_per_day="",
        start_date="2026-05-13", end_date="2026-05-18"))  # Wednesday to Monday, Ascension Day on the Thursday
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert re.search(r'<dd id="preview-amount">\s*3 days\s*</dd>', html)
    skipped = re.search(r'<ul class="plain skipped-days" id="preview-skipped">(.*?)</ul>', html, re.S)
    assert skipped, html
    assert _text(skipped.group(1)) == ("Thu 14 May: public holiday (Ascension Day) Sat 16 May: not a working day "
                                      "Sun 17 May: not a working day")


def test_preview_of_a_request_without_skipped_days_lists_none(world, auth, client):
    auth.login(world.worker)
    html = client.get("/leave/new/preview", headers={"HX-Request": "true"},
                      query_string=request_form(world)).get_data(as_text=True)
    assert re.search(r'<dd id="preview-amount">\s*24 hours\s*</dd>', html)
    assert "preview-skipped" not in html and "Not counted" not in html


def test_vov_preview_without_hours_per_day_counts_the_patterns_hours(world, auth, client):
    auth.login(world.worker)
    html = client.get("/leave/new/preview", headers={"HX-Request": "true"},
                      query_string=request_form(world, hours_per_day="")).get_data(as_text=True)
    assert world.employee.hours_per_week == 38  # 7.6 h a day, Monday to Friday
    assert re.search(r'<dd id="preview-amount">\s*22,8 hours\s*</dd>', html), html  # the 3 course days × 7.6 h


@pytest.mark.parametrize("overrides, problem", [
    ({"end_date": "2026-03-24"},
     "Flemish training leave can be taken from 2026-03-15 to 2026-03-20 for this training."),
    ({"training_id": ""}, "Choose the training this leave is for."),
    ({"start_date": "2026-03-18", "end_date": "2026-03-16"}, "The last day is before the first day."),
    ({"hours_per_day": "24", "start_date": "2026-03-15", "end_date": "2026-03-20"},
     "This asks 120.00 hours, but only 30.00 hours remain in 2025-26."),
])
def test_preview_reports_every_problem_in_plain_words(world, auth, client, overrides, problem):
    auth.login(world.worker)
    _allocate(world)
    ledger.correct(actor=world.admin, employee=world.employee, scheme="vov", period="2025-26",
                   amount=Decimal("-95"), reason="Already used at a previous employer")  # 30 h remain
    db.session.commit()
    html = client.get("/leave/new/preview", query_string=request_form(world, **overrides),
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    problems = re.search(r'<ul class="errors-list" id="preview-problems">(.*?)</ul>', html, re.S)
    assert problems, html
    assert problem in problems.group(1)


def test_preview_of_an_incomplete_form_says_what_is_missing(world, auth, client):
    auth.login(world.worker)
    html = client.get("/leave/new/preview", query_string={"leave_type_id": world.vov.id},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Choose the kind of leave and the dates to see how much this request draws" in html
    assert "preview-amount" not in html


def test_preview_without_javascript_is_the_whole_form_with_the_figures(world, auth, client):
    auth.login(world.worker)
    response = client.get("/leave/new/preview", query_string=request_form(world))
    html = response.get_data(as_text=True)
    assert "<html" in html and 'id="leave-request-form"' in html
    assert 'value="2026-03-16"' in html and 'value="2026-03-18"' in html
    assert f'<option value="{world.course.id}" selected>' in html
    assert re.search(r'<dd id="preview-remaining-after">\s*101 hours\s*</dd>', html)


# Submitting ----------------------------------------------------------------------------------


def test_without_parts_the_request_is_leave_alone(world, auth, client, monkeypatch):
    """Leave's page stands on its own: the parts other features register (co-funding) only add to it."""
    monkeypatch.setattr(request_parts, "_parts", [])
    auth.login(world.worker)
    html = client.get(f"/leave/new?training_id={world.course.id}").get_data(as_text=True)
    assert '<div id="request-parts">' in html and "part_employer" not in html and "cofunding" not in html.replace(
        "/leave/new/cofunding", "")
    response = auth.post("/leave/new", request_form(world, part_employer="100"))
    assert response.status_code == 302
    assert db.session.scalars(select(LeaveRequest)).one().training_id == world.course.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your request was sent to your approver." in page


def test_submit_saves_the_request_its_reservation_an_event_and_tells_the_approver(world, auth, client, outbox):
    auth.login(world.worker)
    response = auth.post("/leave/new", request_form(world, start_half="y", note="Module 1 of 3"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/leave/requests")

    leave_request = db.session.scalars(select(LeaveRequest)).one()
    assert leave_request.employee_id == world.employee.id
    assert leave_request.status == "pending"
    assert (leave_request.start_date, leave_request.end_date) == (COURSE_START, COURSE_END)
    assert leave_request.start_half and not leave_request.end_half
    assert leave_request.amount == Decimal("20.00")  # 2.5 days × 8 h
    assert leave_request.training_id == world.course.id
    assert leave_request.scheme == "vov" and leave_request.period == "2025-26"
    assert leave_request.note == "Module 1 of 3"

    rows = [(row.kind, row.amount, row.request_id) for row in ledger_rows(world.employee, "vov")]
    assert rows == [("allocation", Decimal("125.00"), None), ("reservation", Decimal("-20.00"), leave_request.id)]

    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "leave.requested")))
    assert len(events) == 1
    assert events[0].actor_id == world.worker.id and events[0].object_id == str(leave_request.id)

    notifications = list(db.session.scalars(select(Notification)))
    assert [(n.user_id, n.employer_id) for n in notifications] == [(world.manager.id, world.employer.id)]
    assert "Wim Worker" in notifications[0].message

    messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in outbox()]
    assert [message["To"] for message in messages] == ["manager@example.be"]
    assert "Wim Worker" in messages[0]["Subject"]
    assert "/approvals" in messages[0].get_content()

    page = client.get("/leave/requests").get_data(as_text=True)
    assert "Your request was sent to your approver." in page


def test_the_approver_reads_the_request_in_dutch_with_unit_dates_and_training(world, auth, client, outbox):
    """"14.00 van 2027-01-11 tot 2027-01-12" was unreadable: hours with their unit, dates in words, the training."""
    world.manager.language = "nl"
    db.session.commit()
    auth.login(world.worker)
    assert auth.post("/leave/new", request_form(world, start_half="y")).status_code == 302

    [notification] = db.session.scalars(select(Notification))
    assert notification.message == "Wim Worker vraagt opleidingsverlof aan: Boekhouden voor KMO's, 16–18 mrt 2026"
    assert notification.link == "/approvals"
    [message] = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in outbox()]
    assert message.get_content() == (
        "Wim Worker vraagt 20 uur opleidingsverlof aan van 16 maart 2026 tot 18 maart 2026.\n"
        "Opleiding: Boekhouden voor KMO's\n\nBeslis hier: http://localhost/approvals\n")


def test_submit_through_htmx_tells_the_page(world, auth, client):
    auth.login(world.worker)
    response = auth.post("/leave/new", request_form(world),
                         headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 302
    assert response.headers["HX-Trigger"] == "leaveRequested"
    assert snapshot()["LeaveRequest"] == 1


def _refused(auth, world, form: dict) -> str:
    csrf = token(auth.client)
    before = snapshot()
    response = auth.client.post("/leave/new", data={**form, "csrf_token": csrf})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This request was not sent, and nothing was saved:" in html
    assert snapshot() == before
    assert 'id="leave-request-form"' in html
    return _text(re.search(r'<div id="request-refused" role="alert">(.*?)</div>', html, re.S).group(1))


def test_overlapping_request_is_refused(world, auth, client, outbox):
    _allocate(world)
    auth.login(world.worker)
    assert auth.post("/leave/new", request_form(world, end_date="2026-03-16")).status_code == 302
    sent = len(outbox())
    message = _refused(auth, world, request_form(world, start_date="2026-03-16", end_date="2026-03-17"))
    assert "You already have a request from 2026-03-16 to 2026-03-16 on these dates." in message
    assert len(outbox()) == sent


def test_request_outside_the_vov_window_is_refused(world, auth, outbox):
    _allocate(world)
    auth.login(world.worker)
    message = _refused(auth, world, request_form(world, start_date="2026-03-12", end_date="2026-03-13"))
    assert "Flemish training leave can be taken from 2026-03-15 to 2026-03-20 for this training." in message
    assert outbox() == []


def test_request_for_more_than_remains_says_how_much_remains(world, auth):
    _allocate(world)
    ledger.correct(actor=world.admin, employee=world.employee, scheme="vov", period="2025-26",
                   amount=Decimal("-110"), reason="Used at a previous employer")
    db.session.commit()
    auth.login(world.worker)
    message = _refused(auth, world, request_form(world))
    assert "This asks 24.00 hours, but only 15.00 hours remain in 2025-26." in message


def test_employee_below_the_vov_conditions_is_refused(world, auth):
    change_terms(world.employee, world.employee.contract_start, employment_pct="50", hours_per_week="19", today=TODAY)
    db.session.commit()
    _allocate(world)
    auth.login(world.worker)
    message = _refused(auth, world, request_form(world))
    assert "Flemish training leave needs a work regime of at least 80 %." in message
    assert "Flemish training leave needs at least 28 hours of work a week." in message


def test_training_that_does_not_qualify_is_refused(world, auth):
    short = training(title="Lunch & learn", hours=Decimal("4"), eligible_paid_leave=False)
    db.session.commit()
    _allocate(world)
    auth.login(world.worker)
    message = _refused(auth, world, request_form(world, training_id=str(short.id)))
    assert "This training is not in the Flemish training database for paid training leave." in message
    assert "The training must have at least 32 contact hours or 3 study points." in message


def test_withdrawn_training_is_refused(world, auth):
    _allocate(world)
    world.course.withdrawn = True
    db.session.commit()
    auth.login(world.worker)
    message = _refused(auth, world, request_form(world))
    assert "This training was withdrawn from the registry." in message


def test_expired_training_is_refused(world, auth):
    _allocate(world)
    expired = training(valid_from=date(2025, 9, 1), valid_until=date(2026, 3, 1))
    db.session.commit()
    auth.login(world.worker)
    message = _refused(auth, world, request_form(world, training_id=str(expired.id)))
    assert "This training is not offered on these dates (expired or not yet valid)." in message


def test_training_of_another_employer_is_not_in_the_catalogue(world, auth):
    other = factories.employer("Other BV")
    theirs = training(employer_id=other.id, registry_id=None, title="Their course")
    db.session.commit()
    auth.login(world.worker)
    csrf = token(auth.client)
    before = snapshot()
    html = auth.client.post("/leave/new", data={**request_form(world, training_id=str(theirs.id)),
                                                "csrf_token": csrf}).get_data(as_text=True)
    assert re.search(r'<small id="training_id-error" class="field-error">Choose a training from the catalogue.',
                     html)
    assert "Their course" not in html
    assert snapshot() == before


def test_a_refusal_leaves_no_allocation_behind(world, auth, client):
    """A period nobody looked at yet: a refused submit does not even keep its allocation."""
    auth.login(world.worker)
    csrf = token(client)
    form = request_form(world, start_date="2026-09-14", end_date="2026-09-15", training_id="",
                        leave_type_id=str(world.evc.id), evc_competences="1")  # EVC in school year 2026-27
    end_contract(world.employee, date(2026, 8, 31), today=TODAY)
    db.session.commit()
    before = snapshot()
    html = client.post("/leave/new", data={**form, "csrf_token": csrf}).get_data(as_text=True)
    assert "These dates fall outside the employment contract." in html
    assert snapshot() == before
    assert [row.period for row in ledger_rows(world.employee, "vov")] == ["2025-26"]


def test_missing_dates_are_shown_on_their_fields(world, auth):
    auth.login(world.worker)
    csrf = token(auth.client)
    before = snapshot()
    html = auth.client.post("/leave/new", data={**request_form(world, start_date=""), "csrf_token": csrf}
                            ).get_data(as_text=True)
    assert re.search(r'<small id="start_date-error" class="field-error">This field is required.</small>', html)
    assert snapshot() == before


# Who may ------------------------------------------------------------------------------------


def test_employee_without_a_record_is_told_so(world, auth, client):
    loose = factories.user("loose@example.be", roles={world.employer: "employee"})
    db.session.commit()
    auth.login(loose)
    for url in ("/leave/new", "/leave/requests", "/leave/balances"):
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Your account is not linked to an employee record at Drukkerij Test yet." in html
        assert "leave-request-form" not in html
    csrf = token(client)
    before = snapshot()
    html = client.post("/leave/new", data={**request_form(world), "csrf_token": csrf}).get_data(as_text=True)
    assert "not linked to an employee record" in html
    assert snapshot() == before
    fragment = client.get("/leave/new/preview", query_string=request_form(world),
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "not linked to an employee record" in fragment


@pytest.mark.parametrize("who", ["manager", "admin", "accountant"])
def test_without_the_employee_role_the_request_screens_are_forbidden(world, auth, client, who):
    auth.login(getattr(world, who))
    for url in ("/leave/new", "/leave/new/preview", "/leave/trainings", "/leave/requests", "/leave/balances"):
        assert client.get(url).status_code == 403, url
    assert auth.post("/leave/new", request_form(world)).status_code == 403
    assert snapshot()["LeaveRequest"] == 0


def test_signed_out_visitors_are_sent_to_sign_in(world, client):
    response = client.get("/leave/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_boosted_navigation_to_the_form_gets_the_whole_page(world, auth, client):
    auth.login(world.worker)
    html = client.get("/leave/new", headers={"HX-Request": "true", "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in html and 'id="leave-request-form"' in html and 'id="preview"' in html


def test_study_points_are_a_field_of_the_form_and_count_4_hours_each(world, auth, client):
    auth.login(world.worker)
    html = client.get("/leave/new").get_data(as_text=True)
    assert 'name="study_points"' in html and "Flemish training leave counts 4 hours per study point." in html
    form = request_form(world, start_date="2026-03-16", end_date="2026-03-16", hours_per_day="", study_points="3")
    assert auth.post("/leave/new", form).status_code == 302
    leave_request = db.session.scalars(select(LeaveRequest)).one()
    assert (leave_request.amount, leave_request.study_points) == (Decimal("12.00"), Decimal("3.0"))
