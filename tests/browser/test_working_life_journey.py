"""A working life that changes, in a real Chromium: the admin lowers Sarah's regime from 80 % to 50 % from next
month on her person's screen; Sarah's balance page shows the recalculation row naming that change and the new
right (rounded down); a request over Easter Monday shows the skipped holiday, to her and to her approver."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from ila_sme.employers import services as employers
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from tests import factories
from tests.browser._support import skip_without_chromium

skip_without_chromium()

SARAH = "sarah@example.be"


def _add_sarah(server) -> None:
    """Sarah works 80 % (30.4 h, Monday to Friday); the employer counted 25 FTE in 2026: 5 days per FTE."""
    with server.app.app_context():
        employer = db.session.query(Employer).filter_by(name=server.employer_name).one()
        manager = next(u for u in employer.memberships if u.role == "manager").user
        sarah = factories.user(SARAH, name="Sarah Shop", roles={employer: "employee"})
        record = factories.employee(employer, first_name="Sarah", last_name="Shop", email=SARAH, user_id=sarah.id,
                           approver_id=manager.id, employment_pct=Decimal("80"), hours_per_week=Decimal("30.4"),
                           contract_start=date(2021, 2, 1))
        factories.allocate(record, date(2026, 3, 2))  # as set-up does: this year's right is in the ledger
        employers.set_headcount(actor=None, employer=employer, year=2026, average_fte=Decimal("25"), reason=None,
                                today=date(2026, 3, 2))
        db.session.commit()
        db.session.remove()


def test_a_regime_change_recalculates_and_a_holiday_is_skipped(live_server, new_context, sign_in):
    server = live_server
    _add_sarah(server)

    # Before: 5 days × 80 % = 4.00 days of training right in 2026.
    sarah = new_context().new_page()
    sign_in(sarah, email=SARAH, password=factories.PASSWORD)
    sarah.goto(f"{server.url}/leave/balances")
    expect(sarah.locator("#main")).to_contain_text("Entitlement: 4 days")

    # The admin records 50 % (19 h, Monday to Friday) from 1 April on Sarah's screen.
    admin = new_context().new_page()
    sign_in(admin, "admin")
    admin.goto(f"{server.url}/people")
    admin.locator("tr", has_text="Sarah Shop").get_by_role("link", name="Working life").click()
    expect(admin.locator("h1")).to_contain_text("Sarah Shop")
    admin.get_by_text("Change the terms from a day on").click()
    admin.fill("#valid_from", "2026-04-01")
    admin.fill("#employment_pct", "50")
    for weekday in range(5):
        admin.fill(f"#day_{weekday}", "3.8")
    admin.get_by_role("button", name="Save the new terms").click()
    expect(admin.locator("#history")).to_contain_text("50")

    # Sarah's balance: a recalculation row names the change; the right is 5 × (3 × 80 % + 9 × 50 %) / 12 =
    # 2.875 days, rounded down to 2.87 (never up).
    sarah.goto(f"{server.url}/leave/balances")
    main = sarah.locator("#main")
    expect(main).to_contain_text("Recalculated")
    expect(main).to_contain_text("work regime 50 %")
    expect(main).to_contain_text("1,13 days")  # en_BE writes a decimal comma
    expect(main).to_contain_text("Entitlement: 2,87 days")

    # A request from Friday 3 April to Tuesday 7 April: the weekend is no working day and Easter Monday a
    # public holiday; two days are counted, and the form says which were skipped and why.
    sarah.goto(f"{server.url}/leave/new")
    sarah.select_option("#leave_type_id", label="Career guidance · Federal training right")
    sarah.fill("#start_date", "2026-04-03")
    sarah.fill("#end_date", "2026-04-07")
    sarah.locator("#end_date").blur()
    expect(sarah.locator("#preview-amount")).to_have_text("2 days")
    skipped = sarah.locator("#preview-skipped")
    expect(skipped).to_contain_text("Easter Monday")
    expect(skipped).to_contain_text("not a working day")
    sarah.get_by_role("button", name="Send the request").click()
    expect(sarah.locator("#main")).to_contain_text("Waiting for approval")

    # Her approver sees the skipped holiday in the inbox too.
    manager = new_context().new_page()
    sign_in(manager, "manager")
    manager.goto(f"{server.url}/approvals")
    row = manager.locator("tr[id^=request-]", has_text="Sarah Shop")
    expect(row).to_contain_text("2 days")
    expect(row).to_contain_text("Easter Monday")
