"""The co-funding policy screen: the year's form, saving it, its refusals, and the budget position."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.funding import services as funding
from ila_sme.funding.models import CofundingPolicy
from tests.funding.views.conftest import TODAY, eur, htmx, snapshot, text, token, users_by_role


def _policy(world, year=2026) -> CofundingPolicy | None:
    db.session.expire_all()
    return funding.policy_for(world.employer, year)


FORM = {"budget": "12.500,50", "cap_per_employee": "750", "max_share_pct": "40,5", "gives_top_up": "y",
        "admin_approval_above": "400,00"}


def test_policy_page_shows_the_years_form_and_the_position(world, auth, client):
    world.ask(employer=Decimal("300.00"))
    funding.approve(actor=world.manager, funding=world.ask(world.colleague, employer=Decimal("200.00")), today=TODAY)
    db.session.commit()
    auth.login(world.admin)
    response = client.get("/funding/policy?year=2026")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert re.search(r'<form method="post" action="/funding/policy\?year=2026"', html)
    assert 'hx-post="/funding/policy?year=2026" hx-target="#funding-policy"' in html
    assert 'value="1000,00"' in html and 'value="600,00"' in html and 'value="50,00"' in html
    assert re.search(r'id="gives_top_up"[^>]*checked', html) or re.search(r'checked[^>]*id="gives_top_up"', html)
    page = text(html)
    # approved: €200 reserved; pending (Wim's €300) does not count until approved
    assert f"Annual budget {eur('1000.00')}" in page
    assert f"Granted {eur('200.00')}" in page
    assert f"of which reserved (approved, not booked yet) {eur('200.00')}" in page
    assert f"of which booked by the register {eur('0.00')}" in page
    assert f"Remaining {eur('800.00')}" in page
    assert 'href="/funding/policy?year=2025"' in html and 'href="/funding/policy?year=2027"' in html


def test_a_year_without_policy_says_so_and_starts_from_last_year(world, auth, client):
    auth.login(world.admin)
    html = client.get("/funding/policy?year=2027").get_data(as_text=True)
    page = text(html)
    assert "There is no co-funding policy for 2027 yet" in page
    assert "The form starts from the policy of 2026." in page
    assert 'value="1000,00"' in html
    assert f"Annual budget {eur('0.00')}" in page and f"Remaining {eur('0.00')}" in page


def test_policy_fragment_for_htmx(world, auth, client):
    auth.login(world.admin)
    response = client.get("/funding/policy?year=2026", headers=htmx())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="funding-policy">')
    assert "Budget position 2026" in html and 'name="budget"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_saving_the_policy_with_decimal_commas(world, auth, client):
    auth.login(world.admin)
    response = auth.post("/funding/policy?year=2026", FORM)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/funding/policy?year=2026")
    policy = _policy(world)
    assert policy.budget_cents == 1250050
    assert policy.cap_per_employee_cents == 75000
    assert policy.max_share_pct == Decimal("40.5")
    assert policy.gives_top_up is True and policy.gives_course_fee is False
    assert policy.admin_approval_above_cents == 40000
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cofunding_policy.saved")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.actor_id == world.admin.id
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "The co-funding policy of 2026 was saved." in page
    assert f"Annual budget {eur('12500.50')}" in page and f"Remaining {eur('12500.50')}" in page


def test_a_new_years_policy_is_created(world, auth, client):
    auth.login(world.admin)
    assert _policy(world, 2027) is None
    auth.post("/funding/policy?year=2027", {**FORM, "admin_approval_above": ""})
    policy = _policy(world, 2027)
    assert policy.budget_cents == 1250050 and policy.admin_approval_above_cents is None
    assert _policy(world).budget_cents == 100000  # 2026 untouched


def test_saving_with_htmx_answers_the_fragment_and_an_event(world, auth, client):
    auth.login(world.admin)
    response = auth.post("/funding/policy?year=2026", FORM, headers=htmx())
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "fundingPolicySaved"
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="funding-policy">')
    assert 'id="flashes" role="status" aria-live="polite" hx-swap-oob="true"' in html
    assert "The co-funding policy of 2026 was saved." in html
    assert f"Annual budget {eur('12500.50')}" in text(html)
    assert _policy(world).budget_cents == 1250050


@pytest.mark.parametrize(("field", "value", "message"), [
    ("budget", "12,345", "At most two decimals."),
    ("budget", "-5", "An amount cannot be negative."),
    ("budget", "lots", "Not an amount: type it like 1250,50."),
    ("max_share_pct", "100,01", "At most 100."),
    ("cap_per_employee", "", "This field is required."),
])
def test_bad_amounts_are_refused_beside_the_field(world, auth, client, field, value, message):
    auth.login(world.admin)
    csrf = token(client)
    before = snapshot()
    response = client.post("/funding/policy?year=2026", data={**FORM, field: value, "csrf_token": csrf})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'<small id="{field}-error" class="field-error">{re.escape(message)}</small>', html)
    assert f'value="{value}"' in html  # what was typed stays
    assert snapshot() == before
    assert _policy(world).budget_cents == 100000


def test_the_budget_cannot_drop_below_what_is_reserved(world, auth, client):
    approved = world.ask(employer=Decimal("300.00"))
    funding.approve(actor=world.manager, funding=approved, today=TODAY)
    db.session.commit()
    auth.login(world.admin)
    csrf = token(client)
    before = snapshot()
    response = client.post("/funding/policy?year=2026", data={**FORM, "budget": "299,99", "csrf_token": csrf},
                           headers=htmx())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The policy was not saved:" in html
    assert f"{eur('300.00')} is already reserved or booked this year: the budget cannot be lower." in text(html)
    assert snapshot() == before
    assert _policy(world).budget_cents == 100000
    # exactly the reserved amount is fine
    response = client.post("/funding/policy?year=2026", data={**FORM, "budget": "300,00", "csrf_token": csrf})
    assert response.status_code == 302
    assert _policy(world).budget_cents == 30000


@pytest.mark.parametrize(("role", "allowed"), [("employee", False), ("manager", False), ("accountant", False),
                                               ("admin", True)])
def test_only_admins_set_the_policy(world, auth, client, role, allowed):
    auth.login(users_by_role(world)[role])
    assert client.get("/funding/policy").status_code == (200 if allowed else 403)
    response = auth.post("/funding/policy?year=2026", FORM)
    assert response.status_code == (302 if allowed else 403)
    assert _policy(world).budget_cents == (1250050 if allowed else 100000)


def test_a_year_out_of_range_does_not_exist(world, auth, client):
    auth.login(world.admin)
    assert client.get("/funding/policy?year=1900").status_code == 404
    assert text(client.get("/funding/policy?year=x").get_data(as_text=True)).count("Policy 2026") == 1
