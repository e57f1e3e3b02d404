"""The screens show the per-training refusals: a second request for a training that is already (partly)
funded names the earlier request, on the course-fee form, in its live preview, in Dutch, and on the
training-leave form; nothing is saved. The requests list numbers each request as the message does."""

from __future__ import annotations

import re
from decimal import Decimal

from ila_sme.extensions import db
from ila_sme.funding import services as funding
from ila_sme.funding.models import FundingRequest
from tests.funding.views.conftest import COURSE_END, COURSE_START, eur, htmx, snapshot, text, token

COURSE_FEE = {"kind": "course-fee", "q": "", "part_account": "", "part_employer": "", "part_vouchers": "",
              "part_sme_wallet": "", "part_other": "", "note": ""}


def _form(world, **parts) -> dict:
    return {**COURSE_FEE, "training_id": str(world.course.id), **parts}


def _over_message(first: FundingRequest) -> str:
    return (f"With request #{first.id} of 2 March 2026 ({eur('750.00')}) this training would be funded "
            f"{eur('1250.00')}, {eur('250.00')} above its cost of {eur('1000.00')}.")


def test_the_form_refuses_a_second_request_over_the_cost_and_names_the_first(world, auth, client):
    first = world.ask(employer=Decimal("500.00"), account=Decimal("250.00"))  # Wim, €750 of the €1,000 course
    auth.login(world.worker)
    csrf = token(client)
    before = snapshot()

    response = client.post("/funding/new?kind=course-fee",
                           data={**_form(world, part_other="500"), "csrf_token": csrf})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    refused = text(re.search(r'<div id="funding-refused" role="alert">.*?</div>', html, re.S).group(0))
    assert "This was not asked for, and nothing was saved:" in refused
    assert _over_message(first) in refused
    assert snapshot() == before
    assert re.search(r'name="part_other"[^>]*value="500"', html)  # what was typed stays

    response = client.post("/funding/new?kind=course-fee",
                           data={**_form(world, part_other="250"), "csrf_token": csrf})
    assert response.status_code == 302  # exactly the cost, together


def test_the_live_preview_names_the_earlier_request(world, auth, client):
    first = world.ask(employer=Decimal("500.00"), account=Decimal("250.00"))
    auth.login(world.worker)
    html = client.get("/funding/new/preview", query_string=_form(world, part_other="500"),
                      headers=htmx()).get_data(as_text=True)
    problems = text(re.search(r'<ul class="errors-list" id="preview-problems">.*?</ul>', html, re.S).group(0))
    assert _over_message(first) in problems


def test_what_is_left_to_pay_counts_the_other_requests_for_the_training(world, auth, client):
    world.ask(employer=Decimal("500.00"), account=Decimal("250.00"))
    auth.login(world.worker)
    page = text(client.get("/funding/new/preview", query_string=_form(world, part_other="100"),
                           headers=htmx()).get_data(as_text=True))
    assert f"Cost of the training {eur('1000.00')}" in page
    assert f"In your other requests for this training {eur('750.00')}" in page
    assert f"All sources together {eur('100.00')}" in page
    assert f"Left to pay yourself {eur('150.00')}" in page
    leave = {"leave_type_id": str(world.vov.id), "training_id": str(world.course.id),
             "start_date": COURSE_START.isoformat(), "end_date": COURSE_END.isoformat(), "hours_per_day": "8",
             "exams": "0", "evc_competences": "0", "note": "", "part_account": "", "part_employer": "",
             "part_vouchers": "", "part_sme_wallet": "", "part_other": "100"}
    page = text(client.get("/leave/new/preview", query_string=leave, headers=htmx()).get_data(as_text=True))
    assert f"In your other requests for this training {eur('750.00')}" in page
    assert f"Left to pay yourself {eur('150.00')}" in page


def test_vouchers_after_employer_money_are_refused_on_the_form(world, auth, client):
    first = world.ask(employer=Decimal("300.00"))
    auth.login(world.worker)
    response = auth.post("/funding/new?kind=course-fee", _form(world, part_vouchers="100"))
    assert response.status_code == 422
    assert (f"Training vouchers cannot be used on this training: the employer pays it in request #{first.id} of "
            f"2 March 2026 ({eur('300.00')}).") in text(response.get_data(as_text=True))


def test_the_refusal_reads_dutch_for_a_dutch_reader(world, auth, client):
    first = world.ask(employer=Decimal("500.00"), account=Decimal("250.00"))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    auth.login(world.worker)
    response = auth.post("/funding/new?kind=course-fee", _form(world, part_other="500"))
    assert response.status_code == 422
    page = text(response.get_data(as_text=True))
    assert (f"Met aanvraag #{first.id} van 2 maart 2026 (€ 750,00) zou deze opleiding voor € 1.250,00 "
            f"gefinancierd worden, € 250,00 boven de kostprijs van € 1.000,00.") in page


def test_the_training_leave_form_refuses_the_cofunding_and_saves_neither(world, auth, client):
    first = world.ask(employer=Decimal("500.00"), account=Decimal("250.00"))
    auth.login(world.worker)
    csrf = token(client)
    before = snapshot()
    data = {"leave_type_id": str(world.vov.id), "training_id": str(world.course.id),
            "start_date": COURSE_START.isoformat(), "end_date": COURSE_END.isoformat(), "hours_per_day": "8",
            "exams": "0", "evc_competences": "0", "note": "", "part_account": "", "part_employer": "",
            "part_vouchers": "", "part_sme_wallet": "", "part_other": "500", "csrf_token": csrf}

    response = client.post("/leave/new", data=data)

    html = response.get_data(as_text=True)
    refused = text(re.search(r'<div id="request-refused" role="alert">.*?</div>', html, re.S).group(0))
    assert _over_message(first) in refused
    assert snapshot() == before


def test_the_requests_list_shows_the_number_the_messages_name(world, auth, client):
    first = world.ask(employer=Decimal("300.00"))
    funding.approve(actor=world.manager, funding=first, today=first.asked_on)
    db.session.commit()
    auth.login(world.worker)
    html = client.get("/funding/requests").get_data(as_text=True)
    row = re.search(rf'<tr data-funding="{first.id}".*?</tr>', html, re.S).group(0)
    assert f"#{first.id}" in text(row)
