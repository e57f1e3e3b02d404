"""The foundation's commands: demo seed (idempotent, with trainings and a year of leave history) and
users create-admin."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.accounts.models import User
from ila_sme.accounts.services import authenticate
from ila_sme.audit.models import AuditEvent
from ila_sme.credentials.models import Credential
from ila_sme.demo.data import TRAININGS as DEMO_TRAININGS
from ila_sme.employers.models import Employer, Membership
from ila_sme.extensions import db
from ila_sme.funding import reports
from ila_sme.funding import services as funding
from ila_sme.funding.models import BudgetEntry, CofundingPolicy, Contribution, FundingPart, FundingRequest
from ila_sme.leave import request_lists
from ila_sme.leave.models import LeaveRequest, LedgerEntry
from ila_sme.notifications.models import Notification
from ila_sme.people.models import EmployeeRecord
from ila_sme.schemes.models import SchemeParameter
from ila_sme.trainings.models import Training


def _counts():
    return [db.session.scalar(select(func.count()).select_from(model))
            for model in (Employer, User, Membership, EmployeeRecord, Credential, AuditEvent)]


def test_demo_seed_is_idempotent_and_realistic(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0
    assert _counts() == counts
    bakery = db.session.scalar(select(Employer).where(Employer.name.like("Bakkerij%")))
    staff = db.session.scalars(select(EmployeeRecord).where(EmployeeRecord.employer_id == bakery.id)).all()
    assert 10 <= len(staff) <= 14
    assert any(person.employment_pct < 100 for person in staff), "part-timers among the staff"
    accountant = db.session.scalar(select(User).where(User.email == "koen@boekhouding-maes.be"))
    assert {m.role for m in accountant.memberships} == {"accountant"}
    assert len(accountant.employers()) == 2
    assert "els@bakkerij-vandamme.be" in first.output and "demo-password-2026" in first.output
    assert authenticate("tom@bakkerij-vandamme.be", "demo-password-2026") is not None


def test_create_admin_makes_the_employer_and_the_user(app):
    result = app.test_cli_runner().invoke(args=[
        "users", "create-admin", "--email", "Owner@Example.be", "--name", "Owner", "--password", "a long password",
        "--employer", "0403.170.701", "--employer-name", "Nieuw BV",
    ])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "owner@example.be"))
    employer = db.session.scalar(select(Employer).where(Employer.enterprise_number == "0403170701"))
    assert user.roles_in(employer.id) == {"admin"}
    assert authenticate("OWNER@example.be", "a long password") == user


def test_create_admin_refuses_bad_input(app):
    runner = app.test_cli_runner()
    bad_number = runner.invoke(args=["users", "create-admin", "--email", "a@b.be", "--name", "A",
                                     "--password", "a long password", "--employer", "0403170702",
                                     "--employer-name", "X"])
    assert bad_number.exit_code != 0 and "ondernemingsnummer" in bad_number.output  # CLI speaks BABEL_DEFAULT_LOCALE
    no_name = runner.invoke(args=["users", "create-admin", "--email", "a@b.be", "--name", "A",
                                  "--password", "a long password", "--employer", "0403170701"])
    assert no_name.exit_code != 0 and "--employer-name" in no_name.output
    assert _counts()[:3] == [0, 0, 0]


# The demo's trainings and year of leave history ------------------------------------------------

def _leave_counts():
    return [db.session.scalar(select(func.count()).select_from(model))
            for model in (LeaveRequest, LedgerEntry, Training, SchemeParameter, Notification, AuditEvent)]


def _negative_balances():
    sums = db.session.execute(
        select(LedgerEntry.employee_id, LedgerEntry.scheme, LedgerEntry.period, func.sum(LedgerEntry.amount))
        .group_by(LedgerEntry.employee_id, LedgerEntry.scheme, LedgerEntry.period)
    ).all()
    assert sums, "the seed made no ledger rows"
    return [row for row in sums if row[3] < 0]


def test_demo_seed_builds_trainings_and_a_year_of_leave_history(app, outbox):
    app.config["TODAY"] = date(2026, 11, 27)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    counts = _leave_counts()
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert _leave_counts() == counts, "a second run adds nothing"
    assert re.search(r"^32 leave requests exist \(approved \d+, cancellation_requested 1, cancelled 1, "
                     r"pending \d+, rejected \d+, withdrawn 1\)", first.output, re.MULTILINE), first.output
    assert _negative_balances() == []
    kinds = set(db.session.scalars(select(LedgerEntry.kind).distinct()))
    assert kinds >= {"allocation", "reservation", "release", "consumption", "restoration", "carry_over", "expiry"}

    requests = db.session.scalars(select(LeaveRequest)).all()
    statuses = [r.status for r in requests]
    assert statuses.count("pending") >= 3 and statuses.count("approved") >= 10
    assert all(r.decision_reason for r in requests if r.status == "rejected")
    for employer in db.session.scalars(select(Employer)).all():
        mine = [r for r in requests if r.employer_id == employer.id]
        assert {r.scheme for r in mine} == {"vov", "training_right"}, employer.name
        assert {r.leave_type.kind for r in mine} >= {"training", "career_guidance"}
        pending_now = [r for r in mine if r.status == "pending"]
        assert all(r.start_date > date(2026, 11, 27) for r in pending_now), "pending requests lie ahead"
    vov = [r for r in requests if r.scheme == "vov"]
    assert all(r.employee.employment_pct >= 80 and r.training.eligible_paid_leave for r in vov if r.training)
    tom = db.session.scalar(select(User).where(User.email == "tom@bakkerij-vandamme.be"))
    bakery = db.session.scalar(select(Employer).where(Employer.name.like("Bakkerij%")))
    assert len(request_lists.decidable_requests(tom, bakery, date(2026, 11, 27))) >= 3, "the manager's inbox has work"
    assert outbox() == [], "the history's mails are not sent"

    everything = db.session.scalars(select(Training).where(Training.employer_id.is_(None))).all()
    assert len(everything) == 330, "the development register's whole registry, mirrored"
    assert all(re.fullmatch(r"ODB-1\d{5}", t.registry_id) for t in everything)
    registry = [t for t in everything if t.registry_id in {spec[1] for spec in DEMO_TRAININGS}]
    assert len(registry) == len(DEMO_TRAININGS)
    assert all(Decimal("16") <= t.hours <= Decimal("120") for t in registry)
    assert {t.language for t in registry} == {"nl", "fr", "en"}
    assert sum(t.withdrawn for t in registry) == 2
    assert any(t.study_points for t in registry) and any(not t.eligible_paid_leave for t in registry)
    titles = {t.title for t in registry}
    assert {"Boekhouden voor KMO's", "Voedselveiligheid en HACCP", "Excel gevorderd", "Communication client",
            "Leadership for team leads", "Elektrische installaties: AREI-update",
            "Bakkerij: zuurdesem en lange rijs"} <= titles


@pytest.mark.parametrize("today", ["2026-12-31", "2027-01-01", "2027-08-31", "2027-09-01", "2028-02-29"])
def test_demo_seed_history_holds_on_any_day(app, today):
    """Dates come from today: on the edges of calendar and school years nothing is refused or negative."""
    app.config["TODAY"] = date.fromisoformat(today)
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "32 leave requests exist" in result.output
    assert _negative_balances() == []
    assert "26 co-funding requests exist" in result.output
    assert _budgets_below_zero() == []


# The demo's co-funding: policies, register tokens and a year of history ---------------------------

def _cofunding_counts():
    return [db.session.scalar(select(func.count()).select_from(model))
            for model in (CofundingPolicy, FundingRequest, FundingPart, BudgetEntry, Contribution, AuditEvent)]


def _budgets_below_zero():
    positions = []
    for policy in db.session.scalars(select(CofundingPolicy)).all():
        position = funding.budget_position(db.session.get(Employer, policy.employer_id), policy.year)
        positions.append((policy.employer_id, policy.year, position))
    assert positions, "the seed made no co-funding policy"
    return [(employer_id, year) for employer_id, year, p in positions
            if p.remaining < 0 or p.reserved < 0 or p.booked < 0]


def test_demo_seed_builds_policies_and_a_year_of_cofunding(app, auth, client):
    today = date(2026, 11, 27)
    app.config["TODAY"] = today
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    counts = _cofunding_counts()
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert _cofunding_counts() == counts, "a second run adds nothing"
    assert re.search(r"^26 co-funding requests exist \(approved 17, cancelled 2, pending 4, rejected 2, "
                     r"second_step 1\); 29 funding parts; 4 co-funding policies; 17 contributions \(12 booked\)\.$",
                     first.output, re.MULTILINE), first.output
    assert _budgets_below_zero() == []

    bakery = db.session.scalar(select(Employer).where(Employer.name.like("Bakkerij%")))
    installer = db.session.scalar(select(Employer).where(Employer.name.like("Peeters%")))
    for employer, budget, cap, share, above in ((bakery, "6000", "1500", "50", "750"),
                                                (installer, "3000", "1000", "60", "500")):
        assert employer.register_token == f"demo-token-{employer.enterprise_number}"
        for year in (2025, 2026):
            policy = funding.policy_for(employer, year)
            assert (policy.budget, policy.cap_per_employee, policy.max_share_pct, policy.admin_approval_above) == (
                Decimal(budget), Decimal(cap), Decimal(share), Decimal(above))
            assert policy.gives_top_up and policy.gives_course_fee
        assert funding.budget_position(employer, 2026).booked > 0, "the budget shows booked money"

    requests = db.session.scalars(select(FundingRequest)).all()
    for request in requests:
        parts = {part.source: part.amount_cents for part in request.parts}
        assert sum(parts.values()) <= request.cost_cents, request.id
        assert parts.get("employer", 0) == request.employer_cents
        assert not ("vouchers" in parts and ("employer" in parts or "sme_wallet" in parts))
        if request.kind == "course-fee":
            policy = funding.policy_for(db.session.get(Employer, request.employer_id), request.year)
            assert request.employer_cents * 100 <= request.cost_cents * policy.max_share_pct
        assert request.created_at.date() <= today and (request.decided_at is None or request.decided_at.date() < today)
    assert all(r.decision_reason for r in requests if r.status == "rejected")
    assert {r.kind for r in requests} == {"top-up", "course-fee"}
    sources = {part.source for r in requests for part in r.parts}
    assert {"employer", "vouchers", "sme_wallet"} <= sources
    linked = [r for r in requests if r.leave_request_id]
    assert len(linked) >= 5
    assert all(r.leave_request.status == "approved" and r.leave_request.training_id == r.training_id
               and r.training.cost_cents > 0 and r.employee_id == r.leave_request.employee_id for r in linked)

    contributions = db.session.scalars(select(Contribution)).all()
    assert len({(c.employer_id, c.reference) for c in contributions}) == len(contributions)
    booked = [c for c in contributions if c.status == "booked"]
    assert booked and all(c.entry_id.startswith("L-") and c.booked_at.date() < today for c in booked)
    assert {c.status for c in contributions} == {"booked", "pending", "cancelled"}
    assert all("2025-11" <= c.period <= "2026-11" for c in contributions), "periods the register accepts"

    tom = db.session.scalar(select(User).where(User.email == "tom@bakkerij-vandamme.be"))
    decidable = [r for r in requests if r.employer_id == bakery.id and funding.may_decide(tom, r)]
    assert len(decidable) >= 2, "the manager has co-funding to decide"

    report = reports.budget_report(bakery, 2026)
    auth.login("tom@bakkerij-vandamme.be", "demo-password-2026")
    html = client.get("/funding/budget?year=2026").get_data(as_text=True)
    assert html.count('class="bar-group"') == len(report.spent_months) >= 5
    assert "Bram De Smet" in html and "Tom Claes" in html
