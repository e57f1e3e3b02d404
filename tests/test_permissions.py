"""The role matrix: what each role may open, and which buttons it is shown."""

from __future__ import annotations

import pytest

from ila_sme import permissions
from ila_sme.extensions import db
from tests import factories

ROLES = ["employee", "manager", "accountant", "admin"]

# endpoint path -> roles that get the page (the others get 403)
MATRIX = {
    "/": {"employee", "manager", "accountant", "admin"},
    "/people": {"manager", "admin"},
    "/people/new": {"manager", "admin"},
    "/people/invite": {"manager", "admin"},
    "/people/import": {"admin"},
    "/audit": {"admin"},
    "/employer/settings": {"admin"},
    "/statements": {"accountant", "admin"},
    "/statements/log": {"accountant", "admin"},
}

# what the navigation and the people page show to each role
NAV_LINKS = {"/people": {"manager", "admin"}, "/audit": {"admin"}, "/employer/settings": {"admin"},
             "/statements": {"accountant", "admin"}}


@pytest.fixture
def users(app):
    employer = factories.employer("Bakkerij Matrix")
    made = {role: factories.user(f"{role}@example.be", roles={employer: role}) for role in ROLES}
    factories.employee(employer, email="staff@example.be")
    db.session.commit()
    return employer, made


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(MATRIX))
def test_role_matrix(client, auth, users, role, path):
    _employer, made = users
    auth.login(made[role])
    response = client.get(path)
    expected = 200 if role in MATRIX[path] else 403
    assert response.status_code == expected, f"{role} on {path}"


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_only_what_the_role_may_open(client, auth, users, role):
    _employer, made = users
    auth.login(made[role])
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for link, allowed in NAV_LINKS.items():
        assert (f'href="{link}"' in page) == (role in allowed), f"{role}: link {link}"


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_people_page_buttons_follow_the_predicates(client, auth, users, role):
    _employer, made = users
    auth.login(made[role])
    page = client.get("/people").get_data(as_text=True)
    assert ('href="/people/import"' in page) == (role == "admin")
    assert 'href="/people/new"' in page


def test_invitable_roles(app, users):
    employer, made = users
    assert permissions.invitable_roles(made["admin"], employer) == ["employee", "manager", "accountant", "admin"]
    assert permissions.invitable_roles(made["manager"], employer) == ["employee"]
    assert permissions.invitable_roles(made["employee"], employer) == []
    assert permissions.invitable_roles(made["accountant"], employer) == []
    assert not permissions.can_invite(made["manager"], employer, "admin")


def test_a_role_elsewhere_gives_nothing_here(app, users):
    employer, _made = users
    other = factories.employer("Elsewhere")
    outsider = factories.user(roles={other: "admin"})
    for name, predicate in permissions.PREDICATES.items():
        if name in ("can_view_balances_of", "can_manage_credentials_of"):
            continue  # about an employee or a request: tested with its feature
        if name == "invitable_roles":
            assert predicate(outsider, employer) == []
        else:
            assert predicate(outsider, employer) is False, name
