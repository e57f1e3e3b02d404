"""Co-funding in a real Chromium: an employee asks the employer to co-fund a registry training
within a leave request, the manager approves the leave (and so the co-funding), and the employee
sees the contribution on its way on the learning-account page, next to the register's figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.funding import services as funding
from ila_sme.people.models import EmployeeRecord
from tests.browser._support import fill_training_leave, sign_in, skip_without_chromium
from tests.browser.conftest import TRAINING_TITLE
from tests.support.register_process import register  # noqa: F401 - the register stub as a process

skip_without_chromium()

pytestmark = pytest.mark.on_the_move  # at phone width too (tests/browser/conftest.py)


def _emma_number():
    return db.session.scalar(db.select(EmployeeRecord.national_number).where(EmployeeRecord.first_name == "Emma"))


def _prepare(server, running):
    """The register knows Emma's account; the employer has a token and a co-funding policy."""
    app = server.app
    app.config.update(LEDGER_URL=running.url, LEDGER_TOKEN=running.token)
    with app.app_context():
        employer = db.session.scalar(db.select(Employer))
        employer.register_token = running.token
        admin = next(m.user for m in employer.memberships if m.role == "admin")
        funding.set_policy(actor=admin, employer=employer, year=2026, budget=Decimal("5000"),
                           cap_per_employee=Decimal("1000"), max_share_pct=Decimal("50"), gives_top_up=True,
                           gives_course_fee=True, admin_approval_above=None)
        db.session.commit()
        running.write(accounts={_emma_number(): {
            "balance": "300.00", "public_credit": "300.00", "employer_contributions": "0.00", "spent": "0.00",
            "updated_at": "2026-03-01T02:00:00Z"}})
        db.session.remove()


def test_cofunding_within_a_leave_request(live_server, new_context, register):  # noqa: F811
    server = live_server
    _prepare(server, register)

    employee = new_context().new_page()
    sign_in(employee, server, "employee")
    fill_training_leave(employee, server, TRAINING_TITLE)
    # The co-funding fieldset appears for a training with a cost: the employer pays half (€225).
    expect(employee.locator("#cofunding-fields")).to_be_visible()
    employee.fill("#part_employer", "225")
    employee.locator("#part_employer").blur()
    expect(employee.locator("#cofunding-ok")).to_be_visible()
    employee.get_by_role("button", name="Send the request").click()
    expect(employee.locator("#main")).to_contain_text("Waiting for approval")

    manager = new_context().new_page()
    sign_in(manager, server, "manager")
    manager.goto(f"{server.url}/approvals")
    row = manager.locator("tr[id^=request-]", has_text="Emma Employee")
    expect(row).to_contain_text("Approving the leave approves this co-funding")
    row.get_by_role("button", name="Approve").click()
    expect(manager.locator("tr[id^=request-]", has_text="Emma Employee")).to_contain_text("Approved")

    # The employee's learning account: the register's €300 and the employer's €225 on its way.
    employee.goto(f"{server.url}/account")
    page = employee.locator("#main")
    expect(page).to_contain_text("300,00")
    expect(employee.locator("#account-on-its-way-total")).to_contain_text("225,00")
    expect(page).to_contain_text("C-2026-000001")
