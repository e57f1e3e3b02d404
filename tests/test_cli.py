"""The foundation's commands: demo seed (idempotent) and users create-admin."""

from __future__ import annotations

from sqlalchemy import func, select

from ila_sme.accounts.models import User
from ila_sme.accounts.services import authenticate
from ila_sme.audit.models import AuditEvent
from ila_sme.employers.models import Employer, Membership
from ila_sme.extensions import db
from ila_sme.people.models import EmployeeRecord


def _counts():
    return [db.session.scalar(select(func.count()).select_from(model))
            for model in (Employer, User, Membership, EmployeeRecord, AuditEvent)]


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
