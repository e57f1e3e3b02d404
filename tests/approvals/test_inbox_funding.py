"""Co-funding in the approvals inbox: listed for those who may decide it and nobody else, decided from the inbox
(with htmx or without), and counted in the menu's badge as the inbox lists it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from ila_sme.extensions import db
from ila_sme.funding import rules
from ila_sme.funding import services as funding
from ila_sme.funding.models import FundingStatus
from tests import factories
from tests.approvals.conftest import MONDAY, TODAY

HTMX = {"HX-Request": "true"}
ROW = re.compile(r'<tr id="funding-(\d+)"')


def set_policy(world, budget: str = "10000.00", admin_above: str | None = None):
    funding.set_policy(actor=world.admin, employer=world.employer, year=2026, budget=Decimal(budget),
                       cap_per_employee=Decimal("1500.00"), max_share_pct=Decimal("50"), gives_top_up=True,
                       gives_course_fee=True,
                       admin_approval_above=None if admin_above is None else Decimal(admin_above))


def top_up(world, record, amount: str = "200.00", actor=None):
    """A top-up granted by the other manager (so Mia, the deputy and the admin may decide it), committed."""
    request = funding.ask(actor=actor or world.other_manager, employee=record, kind="top-up", cost=Decimal(amount),
                          split=rules.Split(employer=amount), training=None, leave_request=None, today=TODAY)
    db.session.commit()
    return request


def funding_rows(html: str) -> list[int]:
    return [int(found) for found in ROW.findall(html)]


def badge(html: str) -> str:
    """The count beside Approvals in the menu ('' when nothing waits)."""
    match = re.search(r'id="approvals-menu".*?<span class="badge"[^>]*>([^<]*)</span>', html, re.S)
    assert match, "no Approvals entry in the menu"
    return match.group(1).strip()


@pytest.fixture
def policy(world):
    set_policy(world)
    db.session.commit()


@pytest.mark.parametrize(("who", "listed"), [
    ("manager", True), ("deputy", True), ("admin", True),
    ("other_manager", False),  # granted it: four eyes
    ("accountant", False),  # decides no co-funding
])
def test_a_top_up_waits_for_every_manager_but_the_one_who_granted_it(world, auth, client, policy, who, listed):
    asked = top_up(world, world.zoe_record)
    auth.login(getattr(world, who))
    html = client.get("/approvals").get_data(as_text=True)
    assert (asked.id in funding_rows(html)) is listed
    if listed:
        assert 'id="funding-decisions"' in html and "Zoë Peeters" in html
        assert f'action="/approvals/funding/{asked.id}/approve"' in html


def test_the_employee_it_is_for_never_sees_it(world, auth, client, policy):
    top_up(world, world.zoe_record)
    auth.login(world.zoe)
    assert client.get("/approvals").status_code == 403


def test_the_second_step_waits_for_an_admin_only(world, auth, client):
    set_policy(world, admin_above="100.00")
    asked = top_up(world, world.zoe_record, "500.00")
    funding.approve(actor=world.manager, funding=asked, today=TODAY)
    db.session.commit()
    assert asked.status == FundingStatus.SECOND_STEP
    auth.login(world.deputy)
    assert asked.id not in funding_rows(client.get("/approvals").get_data(as_text=True))
    auth.logout()
    auth.login(world.admin)
    html = client.get("/approvals").get_data(as_text=True)
    assert asked.id in funding_rows(html) and "Second step" in html


def test_co_funding_asked_with_a_leave_is_decided_on_the_leave_row(world, auth, client, policy):
    leave = world.ask(world.zoe_record, MONDAY)
    with_leave = factories.funding_request(world.zoe_record, world.zoe, leave_request_id=leave.id, kind="course-fee")
    db.session.commit()
    auth.login(world.manager)
    html = client.get("/approvals").get_data(as_text=True)
    assert f'id="request-{leave.id}"' in html and f'data-funding="{with_leave.id}"' in html
    assert with_leave.id not in funding_rows(html)
    assert badge(html) == "1"
    refused = auth.post(f"/approvals/funding/{with_leave.id}/approve", headers=HTMX)
    assert refused.status_code == 409 and "decided with the leave" in refused.get_data(as_text=True)


def test_approve_from_the_inbox_with_htmx(world, auth, client, policy):
    asked = top_up(world, world.zoe_record)
    auth.login(world.manager)
    response = auth.post(f"/approvals/funding/{asked.id}/approve", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "fundingDecided"
    assert html.strip().startswith(f'<tr id="funding-{asked.id}"') and "<html" not in html
    assert "Approved" in html and "<form" not in html
    db.session.refresh(asked)
    assert asked.status == FundingStatus.APPROVED and asked.decided_by_id == world.manager.id
    assert asked.id not in funding_rows(client.get("/approvals").get_data(as_text=True))


def test_approve_without_javascript_goes_back_to_the_inbox(world, auth, client, policy):
    asked = top_up(world, world.zoe_record)
    auth.login(world.manager)
    response = auth.post(f"/approvals/funding/{asked.id}/approve")
    assert response.status_code == 302 and response.headers["Location"].endswith("/approvals")
    db.session.refresh(asked)
    assert asked.status == FundingStatus.APPROVED
    page = client.get("/approvals").get_data(as_text=True)
    assert "Co-funding of Zoë Peeters: Approved." in page


def test_refuse_needs_a_reason_and_then_refuses(world, auth, client, policy):
    asked = top_up(world, world.zoe_record)
    auth.login(world.manager)
    empty = auth.post(f"/approvals/funding/{asked.id}/reject", data={"reason": "  "}, headers=HTMX)
    assert empty.status_code == 422 and "A rejection needs a reason." in empty.get_data(as_text=True)
    assert 'aria-invalid="true"' in empty.get_data(as_text=True)
    db.session.refresh(asked)
    assert asked.status == FundingStatus.PENDING
    response = auth.post(f"/approvals/funding/{asked.id}/reject", data={"reason": "Not this year"}, headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "fundingDecided"
    assert "Not this year" in response.get_data(as_text=True)
    db.session.refresh(asked)
    assert asked.status == FundingStatus.REJECTED and asked.decision_reason == "Not this year"


def test_one_may_not_decide_what_one_granted(world, auth, client, policy):
    asked = top_up(world, world.zoe_record)
    auth.login(world.other_manager)
    response = auth.post(f"/approvals/funding/{asked.id}/approve", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Nobody decides on their own co-funding." in html
    assert html.count("Nobody decides on their own co-funding.") == 1
    db.session.refresh(asked)
    assert asked.status == FundingStatus.PENDING


def test_another_employers_co_funding_does_not_exist(world, auth, client, policy):
    other = factories.employer("Elders BV")
    record = factories.employee(other, first_name="Eva", last_name="Elders")
    elsewhere = factories.funding_request(record, world.admin)
    db.session.commit()
    auth.login(world.manager)
    assert auth.post(f"/approvals/funding/{elsewhere.id}/approve", headers=HTMX).status_code == 404


def test_the_menu_counts_what_the_inbox_lists(world, auth, client, policy):
    auth.login(world.admin)
    assert badge(client.get("/").get_data(as_text=True)) == ""
    assert client.get("/approvals/badge").get_data(as_text=True) == ""
    world.ask(world.otto_record, MONDAY)  # Otto's approver is Olga; the admin does not decide it
    world.ask(world.zoe_record, MONDAY)
    top_up(world, world.zoe_record)
    top_up(world, world.wim_record, "300.00", actor=world.manager)
    inbox = client.get("/approvals").get_data(as_text=True)
    listed = len(re.findall(r'<tr id="request-\d+"', inbox)) + len(funding_rows(inbox))
    assert listed == 2  # the two top-ups: leave goes to the employees' approvers
    assert badge(inbox) == "2" and badge(client.get("/").get_data(as_text=True)) == "2"
    assert client.get("/approvals/badge").get_data(as_text=True) == "2"
    auth.logout()
    auth.login(world.manager)
    inbox = client.get("/approvals").get_data(as_text=True)
    assert len(re.findall(r'<tr id="request-\d+"', inbox)) == 1 and len(funding_rows(inbox)) == 1
    assert badge(inbox) == "2"


def test_refuse_without_a_reason_and_without_javascript_shows_the_inbox_again(world, auth, client, policy):
    asked = top_up(world, world.zoe_record)
    auth.login(world.manager)
    response = auth.post(f"/approvals/funding/{asked.id}/reject", data={"reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" in html
    assert f'id="funding-reason-{asked.id}"' in html and 'aria-invalid="true"' in html
    db.session.refresh(asked)
    assert asked.status == FundingStatus.PENDING


def test_an_accountant_decides_no_co_funding(world, auth, client, policy):
    asked = top_up(world, world.zoe_record)
    auth.login(world.accountant)
    assert auth.post(f"/approvals/funding/{asked.id}/approve", headers=HTMX).status_code == 403
    assert auth.post(f"/approvals/funding/{asked.id}/reject", data={"reason": "No"}, headers=HTMX).status_code == 403
    db.session.refresh(asked)
    assert asked.status == FundingStatus.PENDING
