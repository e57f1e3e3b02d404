"""The home page shows a section for each of the user's roles at the current employer, and no other."""

from __future__ import annotations

import pytest

from ila_sme.extensions import db
from tests import factories

SECTIONS = {"employee-home": {"employee"}, "manager-home": {"manager", "admin"}, "accountant-home": {"accountant"}}


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


@pytest.mark.parametrize("roles", [["employee"], ["manager"], ["admin"], ["accountant"], ["manager", "accountant"]],
                         ids="+".join)
def test_each_role_gets_its_section(app, auth, client, roles):
    employer = factories.employer("Bakkerij Thuis")
    user = factories.user("home@example.be", roles={employer: roles})
    factories.user("elsewhere@example.be", roles={factories.employer("Other BV"): ["employee", "admin"]})
    db.session.commit()
    auth.login(user)
    html = client.get("/").get_data(as_text=True)
    for section, shown_to in SECTIONS.items():
        assert (f'id="{section}"' in html) is bool(shown_to & set(roles)), section
