"""Fixtures for the leave settings: a Flemish employer of 12 FTE, one of each role, another employer
with a version of its own. Every text is asserted in English."""

from __future__ import annotations

from datetime import date

import pytest

from ila_sme.extensions import db
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme
from ila_sme.trainings import models as _trainings  # noqa: F401 - LeaveRequest.training needs it mapped
from tests import factories

TODAY = date(2026, 3, 2)
ROLES = ["employee", "manager", "accountant", "admin"]


@pytest.fixture(autouse=True)
def english(app, client):
    """Every request of the test client asks for English; the date is pinned."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    app.config["TODAY"] = TODAY
    return client


@pytest.fixture
def setup(app):
    employer = factories.employer("Bakkerij Settings")
    users = {role: factories.user(f"{role}@example.be", roles={employer: role}, name=f"{role.title()} User")
             for role in ROLES}
    other = factories.employer("Concurrent NV")
    other_admin = factories.user("admin@concurrent.be", roles={other: "admin"})
    schemes.add_employer_version(actor=other_admin, employer=other, scheme=Scheme.TRAINING_RIGHT,
                                 valid_from=date(2026, 1, 1), valid_until=None,
                                 values={"employer_extra_days_per_fte": "7"}, note="Secret sector deal 999")
    db.session.commit()
    return {"employer": employer, "users": users, "admin": users["admin"], "other": other}
