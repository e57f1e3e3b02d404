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
from tests.support.world import one_user_per_role

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["TODAY"] = TODAY
    return TODAY


@pytest.fixture
def setup(app):
    employer = factories.employer("Bakkerij Settings")
    users = one_user_per_role(employer)
    other = factories.employer("Concurrent NV")
    other_admin = factories.user("admin@concurrent.be", roles={other: "admin"})
    schemes.add_employer_version(actor=other_admin, employer=other, scheme=Scheme.TRAINING_RIGHT,
                                 valid_from=date(2026, 1, 1), valid_until=None,
                                 values={"employer_extra_days_per_fte": "7"}, note="Secret sector deal 999")
    db.session.commit()
    return {"employer": employer, "users": users, "admin": users["admin"], "other": other}
