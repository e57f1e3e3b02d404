"""The training-leave journey in a real Chromium: an employee asks, the manager approves inline from
the inbox, the employee sees the reduced balance, and the decision mail is in the outbox."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser._support import fill_training_leave, sign_in, skip_without_chromium
from tests.browser.conftest import TRAINING_TITLE

skip_without_chromium()

pytestmark = pytest.mark.on_the_move  # at phone width too (tests/browser/conftest.py)


def test_request_approve_and_see_the_balance(live_server, new_context):
    server = live_server
    employee = new_context().new_page()
    sign_in(employee, server, "employee")

    # The employee asks 3 days × 8 h of Flemish training leave for a registry training.
    fill_training_leave(employee, server, TRAINING_TITLE)
    employee.locator("#hours_per_day").blur()
    # The live preview (htmx) shows what the request draws and leaves, before sending.
    expect(employee.locator("#preview-amount")).to_have_text("24 hours")
    expect(employee.locator("#preview-remaining-after")).to_have_text("101 hours")
    employee.get_by_role("button", name="Send the request").click()
    expect(employee.locator("#main")).to_contain_text("Waiting for approval")

    # The manager approves it inline: the row changes without a page load.
    manager = new_context().new_page()
    sign_in(manager, server, "manager")
    manager.goto(f"{server.url}/approvals")
    row = manager.locator("tr[id^=request-]", has_text="Emma Employee")
    expect(row).to_contain_text("24 hours")
    manager.evaluate("window.__noReload = true")
    row.get_by_role("button", name="Approve").click()
    expect(manager.locator("tr[id^=request-]", has_text="Emma Employee")).to_contain_text("Approved")
    assert manager.evaluate("window.__noReload") is True, "the inbox reloaded the whole page"
    # The decision goes on top of "Recently decided" (out of band, with the row's answer alone)
    expect(manager.locator("#recently-decided-rows tr").first).to_contain_text("Emma Employee")
    expect(manager.locator("#recently-decided table")).to_be_visible()

    # The employee's balance now shows the 24 hours as used, 101 remaining.
    employee.goto(f"{server.url}/leave/balances")
    balances = employee.locator("#main")
    expect(balances).to_contain_text("101 hours")
    expect(balances).to_contain_text("24 hours")
    employee.goto(f"{server.url}/leave/requests")
    expect(employee.locator("#main")).to_contain_text("Approved")

    # The decision went out by mail (the development outbox), in the employer's language (Dutch).
    message = server.mail_to("emma@example.be")
    subject = " ".join(message["Subject"].split())  # a long header is folded
    assert subject == "Je opleidingsverlof werd goedgekeurd: Boekhouden voor KMO's, 3–5 mrt 2026"
    assert "24 uur opleidingsverlof van 3 maart 2026 tot 5 maart 2026: Goedgekeurd." in message.get_content()
