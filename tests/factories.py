"""Test data: employers, users with roles, employee records. Every number is valid and unique."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from ila_sme.accounts.models import User
from ila_sme.employers import services as employers
from ila_sme.employers.models import Employer, Membership
from ila_sme.extensions import db
from ila_sme.identifiers import make_insz, make_kbo
from ila_sme.people.history import start_history
from ila_sme.people.models import EmployeeRecord

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


def employer(name: str | None = None, **fields) -> Employer:
    n = next(_sequence)
    values = {
        "name": name or f"Employer {n}",
        "enterprise_number": make_kbo(1_000_000 + n),
        "region": "flanders",
        "average_fte": Decimal("12"),
        "joint_committee": "200",
        "default_language": "nl",
    }
    values.update(fields)
    obj = Employer(**values)
    db.session.add(obj)
    db.session.flush()
    employers.set_up(obj, date.today())  # as every real employer is: its default leave types
    return obj


def user(email: str | None = None, *, roles: dict | None = None, password: str = PASSWORD, **fields) -> User:
    """``roles``: {employer: "manager"} or {employer: ["manager", "employee"]}."""
    n = next(_sequence)
    obj = User(email=email or f"user{n}@example.be", name=fields.pop("name", f"User {n}"), **fields)
    obj.set_password(password)
    db.session.add(obj)
    db.session.flush()
    for emp, wanted in (roles or {}).items():
        for role in [wanted] if isinstance(wanted, str) else wanted:
            db.session.add(Membership(user_id=obj.id, employer_id=emp.id, role=role))
    db.session.flush()
    db.session.refresh(obj)
    return obj


def employee(employer_obj: Employer, **fields) -> EmployeeRecord:
    """An employee record as stored, not yet allocated: run ``allocate`` (set-up does) when a test needs it."""
    n = next(_sequence)
    values = {
        "employer_id": employer_obj.id,
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "national_number": make_insz(date(1980 + n % 20, 1 + n % 12, 1 + n % 28), n % 997 + 1),
        "employment_pct": Decimal("100"),
        "hours_per_week": Decimal("38"),
        "contract_start": date(2020, 1, 1),
    }
    values.update(fields)
    pattern = values.pop("pattern", None)
    obj = EmployeeRecord(**values)
    db.session.add(obj)
    db.session.flush()
    start_history(obj, pattern=pattern)
    return obj


def allocate(employee_obj: EmployeeRecord, today: date) -> None:
    """What set-up does for a new employee: the current period's leave allocation."""
    from ila_sme.leave.jobs import allocate_employee

    allocate_employee(employee_obj, employee_obj.employer, today)


def training(employer_obj: Employer | None = None, **fields):
    """A training: a registry one (employer None, eligible for paid leave) or an employer's own."""
    from ila_sme.trainings.models import Training

    n = next(_sequence)
    values = {
        "employer_id": employer_obj.id if employer_obj else None,
        "registry_id": None if employer_obj else f"ODB-{100000 + n}",
        "title": f"Training {n}",
        "provider_name": "Syntra",
        "hours": Decimal("40"),
        "eligible_paid_leave": employer_obj is None,
        "eligible_ila": employer_obj is None,
        "valid_from": date(2020, 1, 1),
    }
    values.update(fields)
    obj = Training(**values)
    db.session.add(obj)
    db.session.flush()
    return obj


def leave_request(employee_obj: EmployeeRecord, requested_by: User, **fields):
    """A pending leave request row as it is stored (use leave.services.submit to test the rules)."""
    from ila_sme.leave.models import LeaveRequest
    from ila_sme.schemes.services import leave_types

    leave_type = next(t for t in leave_types(employee_obj.employer) if t.kind == "career_guidance")
    values = {
        "employer_id": employee_obj.employer_id, "employee_id": employee_obj.id, "leave_type_id": leave_type.id,
        "scheme": leave_type.scheme, "period": "2026", "start_date": date(2026, 3, 2), "end_date": date(2026, 3, 2),
        "amount": Decimal("1"), "requested_by_id": requested_by.id,
    }
    values.update(fields)
    obj = LeaveRequest(**values)
    db.session.add(obj)
    db.session.flush()
    return obj


def funding_request(employee_obj: EmployeeRecord, requested_by: User, **fields):
    """A pending co-funding request row as stored (use funding.services.ask to test the rules)."""
    from ila_sme.funding.models import FundingPart, FundingRequest

    values = {
        "employer_id": employee_obj.employer_id, "employee_id": employee_obj.id, "year": 2026,
        "asked_on": date(2026, 3, 2), "kind": "top-up", "cost_cents": 10000, "employer_cents": 10000,
        "requested_by_id": requested_by.id,
    }
    values.update(fields)
    obj = FundingRequest(**values)
    db.session.add(obj)
    db.session.flush()
    db.session.add(FundingPart(funding_request_id=obj.id, source="employer", amount_cents=obj.employer_cents))
    db.session.flush()
    return obj


def reconciliation_run(employer_obj: Employer, **fields):
    """A reconciliation run row as stored (use reconciliation.engine to test a real run)."""
    from ila_sme.reconciliation.models import ReconciliationRun

    values = {"employer_id": employer_obj.id, "trigger": "web", "state": "done", "phase": "finished"}
    values.update(fields)
    obj = ReconciliationRun(**values)
    db.session.add(obj)
    db.session.flush()
    return obj


def difference(employer_obj: Employer, **fields):
    """An open difference as a run stores it (default: an entry the register holds and the app does not)."""
    from ila_sme.reconciliation.models import Difference

    n = next(_sequence)
    values = {"employer_id": employer_obj.id, "kind": "unknown_in_register", "key": f"unknown:L-TEST{n:06d}",
              "reference": f"PORTAL-{n:06d}", "entry_id": f"L-TEST{n:06d}", "entry_kind": "top-up",
              "period": "2026-03", "register_cents": 12345, "state": "open"}
    values.update(fields)
    obj = Difference(**values)
    db.session.add(obj)
    db.session.flush()
    return obj


def credential(employee_obj: EmployeeRecord, **fields):
    """A held credential row as stored (shared, unverified; use credentials.services to test the import)."""
    from ila_sme.credentials.models import Credential

    n = next(_sequence)
    values = {
        "employer_id": employee_obj.employer_id, "employee_id": employee_obj.id, "title": f"Credential {n}",
        "awarding_body": "Syntra", "issuer_country": "BE", "issued_on": date(2026, 1, 15), "format": "ob3-json",
        "original": b'{"type": ["VerifiableCredential"]}', "original_filename": f"credential-{n}.json",
        "fingerprint": f"{n:064x}", "state": "unverified", "shared": True,
    }
    values.update(fields)
    obj = Credential(**values)
    db.session.add(obj)
    db.session.flush()
    return obj
