"""The demo world reconciles as the README says: what the demo seed marks booked is in the development
register (the one already answering at LEDGER_URL: the seed books there over HTTP), and the register holds
exactly the two differences the demo makes on purpose (the bakery's portal top-up and the amount the register
corrected)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from ila_sme.accounts.models import User
from ila_sme.demo.data import EMPLOYERS
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.funding.models import Contribution
from ila_sme.reconciliation import actions
from ila_sme.reconciliation.engine import reconcile
from ila_sme.reconciliation.models import Difference, Outcome, RunState
from ila_sme.statements import cofunding
from tests.devregister.conftest import start_register


@pytest.fixture
def demo_register(app, tmp_path):
    register = start_register(tmp_path / "running-register.sqlite3")  # seeds the demo people
    app.config.update(LEDGER_URL=register.url, LEDGER_TOKEN="")
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert not (Path(app.instance_path) / "dev-register.sqlite3").exists(), "the running register was used"
    yield register
    register.stop()


def test_the_demo_reconciles_with_its_two_differences_only(app, demo_register):
    bakery, installer = (db.session.scalar(select(Employer).where(Employer.enterprise_number == spec[
        "enterprise_number"])) for spec in EMPLOYERS)
    run = reconcile(bakery)
    assert run.state == RunState.DONE and run.missing_in_register == 0 and run.reversed == 0
    assert (run.amount_mismatch, run.unknown_in_register) == (1, 1)
    assert run.matched >= 5
    other = reconcile(installer)
    assert other.state == RunState.DONE and other.differences == 0 and other.matched >= 3
    kinds = sorted(d.kind for d in db.session.scalars(select(Difference)))
    assert kinds == [Outcome.AMOUNT_MISMATCH, Outcome.UNKNOWN_IN_REGISTER]
    unknown = db.session.scalar(select(Difference).where(Difference.kind == Outcome.UNKNOWN_IN_REGISTER))
    assert unknown.employee_id is not None and unknown.register_cents == 7500  # a known employee's top-up


def test_koen_records_the_portal_top_up_and_the_statement_says_so(app, demo_register):
    """The issue's journey: Koen records the top-up booked at the register's portal; the statement of its
    period no longer says "Not reconciled yet" for it."""
    bakery = db.session.scalar(select(Employer).where(Employer.enterprise_number == EMPLOYERS[0]["enterprise_number"]))
    koen = db.session.scalar(select(User).where(User.email == "koen@boekhouding-maes.be"))
    reconcile(bakery)
    unknown = db.session.scalar(select(Difference).where(Difference.kind == Outcome.UNKNOWN_IN_REGISTER))
    actions.record_outside(actor=koen, difference=unknown, note=None, today=date.today())
    db.session.commit()
    recorded = db.session.get(Contribution, unknown.contribution_id)
    with app.test_request_context("/"):
        lines = [line for line in cofunding.build(bakery, recorded.period, language="nl").report.rows()
                 if line[1] == recorded.reference]
    assert [line[10] for line in lines] == ["Geregistreerd als buiten de app geboekt"]
