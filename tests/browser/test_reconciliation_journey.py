"""Reconciliation in a real Chromium, against a REAL development register and a REAL scheduler process.

The accountant opens the reconciliation page while no scheduler runs: the page says so. She starts a
run; it waits. The scheduler is started (``flask --app app scheduler run``, as an operator would): the
page, without being reloaded, shows the run going and then done, the runs table with its counts and,
in the queue, the entry someone booked through the register's portal. She writes it off with a reason
and sees it resolved."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from devregister.store import Store
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.people.models import EmployeeRecord
from ila_sme.reconciliation.models import Difference
from tests.browser._support import menu, sign_in, skip_without_chromium
from tests.devregister.conftest import FLASK, PROJECT, Register, start_register
from tests.funding.submit.conftest import make_contribution, this_period

skip_without_chromium()

RUN_TIMEOUT_MS = 30_000  # a scheduler process starts (imports, app, lease), polls every second, runs


@dataclass
class Pair:
    """The register (running) and the scheduler (started on demand), both real processes."""

    register: Register
    database_url: str
    instance: Path
    scheduler: subprocess.Popen | None = None

    def start_scheduler(self) -> None:
        env = {**os.environ, "DATABASE_URL": self.database_url, "LEDGER_URL": self.register.url,
               "SCHEDULER_POLL_SECONDS": "1", "ILA_INSTANCE_PATH": str(self.instance), "LEDGER_FAULTS": ""}
        env.pop("TEST_DATABASE_URL", None)
        self.scheduler = subprocess.Popen([FLASK, "--app", "app", "scheduler", "run"], cwd=PROJECT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.poll() is None:
            self.scheduler.terminate()
            try:
                self.scheduler.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.scheduler.kill()
                self.scheduler.wait(timeout=5)
        self.register.stop()


@pytest.fixture
def pair(live_server, tmp_path):
    """The seeded bakery known to the register: its staff employed there, three co-fundings pending in
    the app, and one entry for Emma booked through the register's portal (the app does not know it)."""
    app = live_server.app
    store = Store(tmp_path / "register.sqlite3")
    with app.app_context():
        employer = db.session.scalar(db.select(Employer))
        employer.register_token = f"token-{employer.enterprise_number}"
        manager = next(m.user for m in employer.memberships if m.role == "manager")
        staff = {e.first_name: e for e in db.session.scalars(db.select(EmployeeRecord))}
        store.add_employer(employer.enterprise_number, employer.name, employer.register_token)
        for person in staff.values():
            store.add_person(person.national_number, Decimal("1500.00"))
            store.add_employment(employer.enterprise_number, person.national_number, date(2020, 1, 1))
        for first, cents in (("Jan", 15000), ("Piet", 25000), ("Sofie", 8000)):
            make_contribution(staff[first], manager, amount_cents=cents)
        store.portal_book(employer_id=employer.enterprise_number, person_id=staff["Emma"].national_number,
                          amount_cents=12345, period=this_period(), reference="PORTAL-EMMA")
        db.session.commit()
        db.session.remove()
    store.close()
    register = start_register(tmp_path / "register.sqlite3", "--no-seed")
    app.config.update(LEDGER_URL=register.url, LEDGER_TOKEN="")
    running = Pair(register, app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "scheduler-instance")
    yield running
    running.stop()


def test_the_accountant_reconciles_and_resolves_a_difference(live_server, new_context, pair):
    server = live_server
    page = new_context().new_page()
    sign_in(page, server, "accountant")
    menu(page).get_by_role("link", name="Reconciliation").click()  # the menu (a home card links there too)
    expect(page.locator("main h1")).to_have_text("Reconciliation with the register")
    current = page.locator("#reconciliation-current")
    expect(current).to_contain_text("No scheduler process is running.")
    # Before any run the page claims no agreement: it says nothing was compared yet.
    expect(page.locator("#reconciliation-differences")).to_contain_text("No run has compared the app with the register")

    page.select_option("#period", "")  # every open period
    page.get_by_role("button", name="Start a run").click()
    status = page.locator("#run-status")
    expect(status).to_have_attribute("data-state", "queued")
    expect(status.locator("progress")).to_be_visible()
    expect(status).to_contain_text("Waiting to start")
    expect(status).to_contain_text("Runs started here wait until it runs again")
    page.evaluate("window.reconciliationPage = 'not reloaded'")  # gone if the page were loaded again

    pair.start_scheduler()
    expect(status).to_have_attribute("data-state", "done", timeout=RUN_TIMEOUT_MS)
    expect(status.locator("progress")).to_have_attribute("value", "100")
    expect(status).to_contain_text("Done")
    expect(status).to_contain_text("3 booked, 0 refused, 0 left for the next run")
    expect(page.locator("#reconciliation-current")).not_to_contain_text("No scheduler process is running.")
    expect(page.locator("#start-run")).to_be_visible()  # the section refreshed: another run may start
    run = page.locator("#reconciliation-runs tbody tr").first
    expect(run).to_contain_text("Done")
    expect(run).to_contain_text("Anna Accountant")
    # the queue refreshed when the run finished: Emma's portal entry, unknown here
    row = page.locator("#reconciliation-differences tr.difference", has_text="PORTAL-EMMA")
    expect(row).to_contain_text("Unknown here")
    expect(row).to_contain_text("Emma Employee")
    expect(row).to_contain_text("123,45")
    assert page.evaluate("window.reconciliationPage") == "not reloaded"

    row.locator("summary", has_text="Write off").click()
    row.locator("input[name=reason][id^=write_off-]").fill("Emma's own test booking at the portal")
    row.locator("details", has_text="Write off").get_by_role("button", name="Write off").click()
    row = page.locator("#reconciliation-differences tr.difference", has_text="PORTAL-EMMA")
    expect(row).to_contain_text("Written off")
    expect(row).to_contain_text("Emma's own test booking at the portal")
    expect(row).to_contain_text("Anna Accountant")
    expect(row.locator("form")).to_have_count(0)
    expect(page.locator("#flashes")).to_contain_text("The difference is written off")

    with server.app.app_context():
        difference = db.session.scalar(db.select(Difference).where(Difference.reference == "PORTAL-EMMA"))
        assert (difference.state, difference.resolution) == ("resolved", "written_off")
        assert difference.note == "Emma's own test booking at the portal"
        db.session.remove()
