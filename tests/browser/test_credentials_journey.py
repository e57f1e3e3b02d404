"""Micro-credentials in a real Chromium: an employee uploads an Open Badges 3.0 file (signed by the test's own
issuer key), sees it verified and shares it; the manager opens the skills matrix and sees it there, verified."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from ila_sme.credentials import issuing
from ila_sme.credentials.elements import Learner
from tests.browser._support import menu, sign_in, skip_without_chromium
from tests.support.credentials import sample_elements, signed_ob3

skip_without_chromium()

pytestmark = pytest.mark.on_the_move  # at phone width too (tests/browser/conftest.py)

TITLE = "Digital bookkeeping with e-invoices"


def _badge_file(tmp_path, server):
    user = server.users["employee"]
    elements = sample_elements()
    elements.learner = Learner(name=user.name, emails=(user.email,))
    path = tmp_path / "open-badge.json"
    path.write_text(json.dumps(signed_ob3(issuing.new_ed25519_key(), elements=elements)), encoding="utf-8")
    return path


def test_an_employee_shares_a_verified_badge_and_the_manager_sees_it(live_server, new_context, tmp_path):
    server = live_server
    badge = _badge_file(tmp_path, server)

    employee = new_context().new_page()
    sign_in(employee, server, "employee")
    menu(employee).get_by_role("link", name="My credentials").click()  # the menu, not the home card
    expect(employee.locator("main h1")).to_have_text("My credentials")
    employee.set_input_files("#file", str(badge))
    employee.get_by_role("button", name="Upload").click()

    expect(employee.locator("#imported-credential")).to_contain_text(TITLE)
    expect(employee.locator("#imported-credential")).to_contain_text("Every mandatory EU element is there.")
    row = employee.locator("table.credentials tbody tr", has_text=TITLE)
    expect(row.locator(".credential-state")).to_have_text("Verified")
    expect(row).to_contain_text("Not shared: only you see it")

    row.get_by_role("button", name="Share with my employer").click()  # htmx swaps only the control
    expect(row).to_contain_text("Shared with the employer")
    expect(row.get_by_role("button", name="Stop sharing")).to_be_visible()
    expect(employee.locator("#flashes")).to_contain_text(f"“{TITLE}” is shared with {server.employer_name}.")

    manager = new_context().new_page()
    sign_in(manager, server, "manager")
    menu(manager).get_by_role("link", name="Skills", exact=True).click()
    expect(manager.locator("main h1")).to_have_text("Skills matrix")
    matrix_row = manager.locator("table.skills-matrix tbody tr", has_text="Emma Employee")
    expect(matrix_row.locator(".credential-state")).to_have_text("Verified")
    expect(manager.locator("table.skills-matrix thead")).to_contain_text(TITLE)

    manager.get_by_label("Verified only").check()  # htmx: the table region, the URL pushed
    expect(manager).to_have_url(f"{server.url}/credentials/skills?group=credential&team=&verified=y")
    expect(matrix_row.locator(".credential-state")).to_have_text("Verified")
