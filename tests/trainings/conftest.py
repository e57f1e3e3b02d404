"""Two employers, a user of each role at the first, and a catalogue: registry trainings (shared),
each employer's own ones, and a withdrawn one. Texts are asserted in English."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from ila_sme.extensions import db
from ila_sme.trainings.models import Training
from tests import factories
from tests.support.world import one_user_per_role

_registry_numbers = itertools.count(300001)


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


def training(employer=None, **fields) -> Training:
    """A registry training unless ``employer`` is given (then the employer's own)."""
    values = {
        "employer_id": employer.id if employer else None,
        "registry_id": None if employer else f"ODB-{next(_registry_numbers)}",
        "title": "Training", "provider_name": "Syntra", "language": "nl", "delivery": "onsite",
        "hours": Decimal("40"),
    }
    values.update(fields)
    obj = Training(**values)
    db.session.add(obj)
    db.session.flush()
    return obj


@pytest.fixture
def shop(app):
    employer = factories.employer("Bakkerij Catalogus")
    other = factories.employer("Other BV")
    users = one_user_per_role(employer)
    factories.user("other-admin@example.be", roles={other: "admin"})
    items = {
        "excel": training(title="Excel voor gevorderden", provider_name="Syntra West", language="nl",
                          delivery="online", eqf_level=4, eligible_ila=True, eligible_paid_leave=True,
                          hours=Decimal("36"), study_points=Decimal("3.0"), cost_cents=45000,
                          valid_from=date(2025, 9, 1), valid_until=date(2026, 8, 31),
                          starts_on=date(2026, 3, 3), ends_on=date(2026, 5, 26)),
        "forklift": training(title="Heftruckchauffeur", provider_name="VDAB", language="nl", delivery="onsite",
                             eqf_level=2, eligible_ila=True, leads_to_microcredential=True),
        "french": training(title="Français des affaires", provider_name="Alliance Française", language="fr",
                           delivery="blended", eqf_level=5, eligible_paid_leave=True),
        "withdrawn": training(title="Oude boekhoudcursus", provider_name="Syntra West", withdrawn=True,
                              eligible_paid_leave=True),
        "own": training(employer, title="Ovenveiligheid intern", provider_name="Bakkerij Catalogus",
                        hours=Decimal("4"), cost_cents=0),
        "others_own": training(other, title="Geheime cursus van Other", provider_name="Other BV"),
    }
    db.session.commit()
    return {"employer": employer, "other": other, "users": users, **items}
