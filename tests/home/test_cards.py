"""Each home card reads the query of the screen it links to: change the data the screen shows, and the card
changes with it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ila_sme.extensions import db
from ila_sme.funding import services as funding
from ila_sme.funding.models import ClosedPeriod
from ila_sme.learning_accounts.models import AccountSnapshot
from ila_sme.statements.models import StatementExport
from tests import factories

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["TODAY"] = TODAY


@dataclass
class Bakery:
    employer: object
    manager: object  # Mia: manager, Sarah's approver
    admin: object
    accountant: object
    sarah: object
    sarah_record: object


@pytest.fixture
def bakery(app) -> Bakery:
    employer = factories.employer("Bakkerij Kaart", average_fte=Decimal("25"))
    manager = factories.user("mia@example.be", roles={employer: "manager"}, name="Mia Manager", language="en")
    admin = factories.user("ada@example.be", roles={employer: "admin"}, name="Ada Admin", language="en")
    accountant = factories.user("koen@example.be", roles={employer: "accountant"}, name="Koen Cijfers",
                                language="en")
    sarah = factories.user("sarah@example.be", roles={employer: "employee"}, name="Sarah Janssens", language="en")
    record = factories.employee(employer, first_name="Sarah", last_name="Janssens", user_id=sarah.id,
                                email=sarah.email, approver_id=manager.id)
    db.session.commit()
    return Bakery(employer, manager, admin, accountant, sarah, record)


def card(html: str, card_id: str) -> str:
    """The text of one card (tags dropped, spaces folded)."""
    match = re.search(rf'<article id="{card_id}">(.*?)</article>', html, re.S)
    assert match, f"no card {card_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_credentials_card_counts_what_the_credentials_page_lists(bakery, auth, client):
    auth.login(bakery.sarah)
    before = card(home(client), "card-my-credentials")
    assert "You have no micro-credentials here yet." in before and "/credentials/mine" in home(client)
    private = factories.credential(bakery.sarah_record, shared=False)
    db.session.commit()
    assert "You hold 1 micro-credential." in card(home(client), "card-my-credentials")
    shared = factories.credential(bakery.sarah_record)
    db.session.commit()
    assert "You hold 2 micro-credentials." in card(home(client), "card-my-credentials")
    page = client.get("/credentials/mine", follow_redirects=True).get_data(as_text=True)
    assert private.title in page and shared.title in page  # the page the card links to lists both


def test_requests_card_counts_my_requests_and_those_waiting(bakery, auth, client):
    auth.login(bakery.sarah)
    assert "You have no training-leave requests." in card(home(client), "card-my-requests")
    factories.leave_request(bakery.sarah_record, bakery.sarah)
    factories.leave_request(bakery.sarah_record, bakery.sarah, status="approved", start_date=date(2026, 2, 2),
                            end_date=date(2026, 2, 2))
    db.session.commit()
    text = card(home(client), "card-my-requests")
    assert "2 requests" in text and "1 waits for a decision" in text


def test_learning_account_card_shows_the_figures_last_fetched(bakery, auth, client):
    auth.login(bakery.sarah)
    assert "No figures from the register yet." in card(home(client), "card-learning-account")
    db.session.add(AccountSnapshot(employer_id=bakery.employer.id, employee_id=bakery.sarah_record.id,
                                   balance_cents=123456, public_credit_cents=123456, employer_contributions_cents=0,
                                   spent_cents=0))
    db.session.commit()
    text = card(home(client), "card-learning-account")
    assert "1.234,56 €" in text and "No figures" not in text


def test_budget_card_shows_the_budget_the_budget_page_shows(bakery, auth, client):
    auth.login(bakery.manager)
    before = card(home(client), "card-budget")
    assert "No co-funding budget has been set for 2026." in before
    funding.set_policy(actor=bakery.admin, employer=bakery.employer, year=2026, budget=Decimal("6000.00"),
                       cap_per_employee=Decimal("1500.00"), max_share_pct=Decimal("50"), gives_top_up=True,
                       gives_course_fee=True, admin_approval_above=None)
    db.session.commit()
    after = card(home(client), "card-budget")
    assert "6.000,00 € left of 6.000,00 € in 2026" in after
    page = client.get("/funding/budget").get_data(as_text=True)
    remaining = re.search(r'id="budget-remaining"><strong>([^<]+)</strong>', page).group(1)
    assert " ".join(remaining.split()) == "6.000,00 €"  # the figure the card shows


def test_team_card_counts_everyone_the_manager_approves_for(bakery, auth, client):
    auth.login(bakery.manager)
    assert "You approve for 1 person." in card(home(client), "card-team")
    for n in range(9):
        factories.employee(bakery.employer, first_name=f"Person{n}", last_name="Team", approver_id=bakery.manager.id)
    factories.employee(bakery.employer, first_name="Mehmet", last_name="Elsewhere")
    db.session.commit()
    text = card(home(client), "card-team")
    assert "You approve for 10 people." in text and "All 11 staff" in text


def test_decisions_card_counts_the_inbox(bakery, auth, client):
    auth.login(bakery.manager)
    assert "Nothing waits for your decision." in card(home(client), "card-decisions")
    factories.leave_request(bakery.sarah_record, bakery.sarah)
    factories.funding_request(bakery.sarah_record, bakery.admin)
    db.session.commit()
    text = card(home(client), "card-decisions")
    assert "2 decisions wait for you." in text
    assert "1 training-leave request" in text and "1 co-funding request" in text


def test_reconciliation_card_shows_the_last_run_and_open_differences(bakery, auth, client):
    auth.login(bakery.accountant)
    assert "No reconciliation has run yet." in card(home(client), "card-reconciliation")
    run = factories.reconciliation_run(bakery.employer, finished_at=datetime(2026, 3, 1, 22, 30, tzinfo=UTC))
    factories.difference(bakery.employer)
    factories.difference(bakery.employer, state="resolved")
    db.session.commit()
    text = card(home(client), "card-reconciliation")
    assert f"Run {run.id}: Done" in text and "1 open difference." in text
    assert "No reconciliation has run yet." not in text
    assert "1 difference." in client.get("/reconciliation/").get_data(as_text=True)


def test_a_queued_run_is_not_a_comparison(bakery, auth, client):
    auth.login(bakery.accountant)
    run = factories.reconciliation_run(bakery.employer, state="queued", phase="waiting")
    db.session.commit()
    text = card(home(client), "card-reconciliation")
    assert f"Run {run.id}" in text and "No run has compared the app with the register yet." in text


def test_statements_card_shows_the_export_log_and_closed_months(bakery, auth, client):
    auth.login(bakery.accountant)
    before = card(home(client), "card-statements")
    assert "No statement has been exported yet." in before and "No period is closed yet." in before
    db.session.add(StatementExport(employer_id=bakery.employer.id, kind="cofunding", format="csv", parameters={},
                                   line_count=3, sha256="0" * 64, size_bytes=10, created_by_id=bakery.accountant.id))
    db.session.add(ClosedPeriod(employer_id=bakery.employer.id, month="2026-01", closed_by_id=bakery.accountant.id))
    db.session.commit()
    text = card(home(client), "card-statements")
    assert "1 export logged." in text and "by Koen Cijfers" in text and "Closed up to 2026-01." in text


def test_an_accountant_sees_the_second_steps_waiting_for_them(bakery, auth, client):
    auth.login(bakery.accountant)
    assert 'id="card-decisions"' not in home(client)  # nothing to decide: no card
    request = factories.leave_request(bakery.sarah_record, bakery.sarah, status="second_step",
                                      first_decided_by_id=bakery.manager.id)
    request.leave_type.second_step_role = "accountant"
    db.session.commit()
    html = home(client)
    assert "1 decision waits for you." in card(html, "card-decisions")
    assert f'id="request-{request.id}"' in client.get("/approvals").get_data(as_text=True)
