"""A Flemish employer whose employees took Flemish training leave (VOV) in two school years, made
through the leave services so that the ledger stays consistent. Texts are asserted in English."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ila_sme.extensions import db
from ila_sme.leave import assessments, services
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind
from ila_sme.trainings.models import Training
from tests import factories
from tests.support.world import one_user_per_role

TODAY = date(2026, 3, 2)  # school year 2025-26


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["TODAY"] = TODAY
    return TODAY


def registry_training(registry_id: str, title: str, start: date, end: date) -> Training:
    """A registry training that meets every VOV condition."""
    school_year = schemes.period_of("vov", start)
    obj = Training(employer_id=None, registry_id=registry_id, title=title, provider_name="Syntra",
                   hours=Decimal("40"), eligible_paid_leave=True, eligible_ila=True, valid_from=school_year.start,
                   valid_until=school_year.end, starts_on=start, ends_on=end)
    db.session.add(obj)
    db.session.flush()
    return obj


def vov_leave(employee, training, start: date, end: date, hours_per_day: str = "8", status: str = "approved"):
    leave_type = next(t for t in schemes.leave_types(employee.employer) if t.kind == LeaveKind.TRAINING)
    data = services.RequestInput(leave_type=leave_type, start_date=start, end_date=end, training=training,
                                 hours_per_day=Decimal(hours_per_day))
    request = services.submit(actor=employee.user, employee=employee, data=data, today=TODAY)
    if status == "approved":
        services.approve(actor=employee.approver, request=request, today=TODAY)
    elif status == "rejected":
        services.reject(actor=employee.approver, request=request, reason="Busy", today=TODAY)
    db.session.commit()
    assert request.status == status and request.scheme == "vov"
    return request


def _employee(employer, first: str, last: str, approver):
    user = factories.user(f"{first.lower()}@example.be", roles={employer: "employee"}, name=f"{first} {last}")
    return factories.employee(employer, first_name=first, last_name=last, user_id=user.id, email=user.email,
                              approver_id=approver.id)


@pytest.fixture
def books(app):
    employer = factories.employer("Drukkerij Terugbetaling", average_fte=Decimal("25"), region="flanders")
    users = one_user_per_role(employer)
    wim = _employee(employer, "Wim", "Worker", users["manager"])
    cleo = _employee(employer, "Cleo", "Colleague", users["manager"])
    this_year = registry_training("ODB-400001", "Boekhouden voor KMO's", date(2026, 3, 3), date(2026, 3, 13))
    last_year = registry_training("ODB-400002", "Digitaal drukwerk", date(2025, 3, 4), date(2025, 3, 14))
    other = factories.employer("Other BV", average_fte=Decimal("25"), region="flanders")
    other_manager = factories.user("other-manager@example.be", roles={other: "manager"})
    outsider = _employee(other, "Bob", "Outsider", other_manager)
    db.session.commit()
    lines = {
        # 3 days × 8 h = 24 h in 2025-26, at €14.91 → €357.84
        "wim": vov_leave(wim, this_year, date(2026, 3, 3), date(2026, 3, 5)),
        # 2 days × 8 h = 16 h in 2024-25, at €21.30 → €340.80
        "wim_last_year": vov_leave(wim, last_year, date(2025, 3, 4), date(2025, 3, 5)),
        # 1 day × 6 h in 2025-26 → €89.46
        "cleo": vov_leave(cleo, this_year, date(2026, 3, 10), date(2026, 3, 10), hours_per_day="6"),
        "cleo_pending": vov_leave(cleo, this_year, date(2026, 3, 12), date(2026, 3, 12), status="pending"),
        "cleo_rejected": vov_leave(cleo, this_year, date(2026, 3, 13), date(2026, 3, 13), status="rejected"),
        "outsider": vov_leave(outsider, this_year, date(2026, 3, 3), date(2026, 3, 4)),
    }
    # Last year's course ended long ago: its final assessment was taken, else its refund would be withdrawn.
    assessments.record_final_assessment(actor=users["accountant"], employee=wim, training=last_year,
                                         taken_on=date(2025, 3, 14), today=TODAY)
    db.session.commit()
    return {"employer": employer, "users": users, "wim": wim, "cleo": cleo, **lines}
