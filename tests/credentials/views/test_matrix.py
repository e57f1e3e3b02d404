"""The skills matrix: staff × credentials and its groupings, the filters, htmx, the CSV export, and above all
that a credential neither shared nor employer-funded never appears."""

from __future__ import annotations

import csv
import io

import pytest

from tests import factories
from tests.credentials.views.conftest import htmx, text, utc

PRIVATE = "Salsa dancing for beginners"


@pytest.fixture
def staff(world):
    """Wim: a shared verified badge expiring within 90 days, a shared one valid for longer, a private one.
    Cora: co-funded unverified, and a shared expired one whose title and issuer look like formulas."""
    course = factories.training(title="Forklift course", registry_id="ODB-555555")
    funding = factories.funding_request(world.cora, world.cora_user, status="approved")
    world.held(title="Digital bookkeeping", awarding_body="Syntra", eqf_level=5, state="verified",
               valid_until=utc(2026, 5, 1))
    world.held(title="Excel for accountants", awarding_body="Syntra", eqf_level=4, state="verified",
               valid_until=utc(2026, 7, 1))
    world.held(title=PRIVATE, awarding_body="Dance school", shared=False, state="verified")
    world.held(world.cora, title="Forklift driver", awarding_body="VDAB", eqf_level=2, shared=False,
               funding_request_id=funding.id, training_id=course.id, state="unverified")
    world.held(world.cora, title='=HYPERLINK("http://evil.example","x")', awarding_body="+cmd", state="expired",
               valid_until=utc(2025, 12, 31))
    factories.db.session.commit()
    return world


def _page(client, query: str = "", **headers):
    response = client.get(f"/credentials/skills{query}", headers=headers)
    assert response.status_code == 200
    return response


def test_rows_are_staff_and_columns_credentials_with_their_state(client, auth, staff):
    auth.login(staff.manager)
    html = _page(client).get_data(as_text=True)
    page = text(html)
    assert "2 people · 4 credentials" in page
    # columns by title: =HYPERLINK…, Digital bookkeeping, Excel for accountants, Forklift driver
    assert "Forklift driver VDAB" in page
    assert "Cora Colleague Shop Expired none none Unverified" in page
    assert "Wim Worker Bakery none Verified Verified none" in page
    assert page.index("Cora Colleague") < page.index("Wim Worker")  # by last name
    assert PRIVATE not in html and "Dance school" not in html
    assert "Export to CSV" in page


def test_an_htmx_request_gets_only_the_table_region(client, auth, staff):
    auth.login(staff.manager)
    response = _page(client, "?team=Shop", **htmx())
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="skills-matrix"') and "<html" not in body
    assert "HX-Request" in response.headers["Vary"]
    assert "Cora Colleague" in body and "Wim Worker" not in body


@pytest.mark.parametrize(("query", "present", "absent"), [
    ("?team=Bakery", ["Digital bookkeeping", "Excel for accountants"], ["Forklift driver", "HYPERLINK"]),
    ("?team=Shop", ["Forklift driver", "HYPERLINK"], ["Digital bookkeeping"]),
    ("?verified=y", ["Digital bookkeeping", "Excel for accountants"], ["Forklift driver", "HYPERLINK"]),
    ("?expiring=y", ["Digital bookkeeping"], ["Excel for accountants", "Forklift driver", "HYPERLINK"]),
    ("?team=Shop&verified=y", [], ["Digital bookkeeping", "Forklift driver"]),
])
def test_filters(client, auth, staff, query, present, absent):
    auth.login(staff.admin)
    html = _page(client, query).get_data(as_text=True)
    for title in present:
        assert title in html
    for title in [*absent, PRIVATE]:
        assert title not in html
    if not present:
        assert "No credential matches these filters." in text(html)


def test_an_unknown_team_or_grouping_is_ignored(client, auth, staff):
    auth.login(staff.manager)
    page = text(_page(client, "?team=Nowhere&group=salary").get_data(as_text=True))
    assert "2 people · 4 credentials" in page


@pytest.mark.parametrize(("group", "columns"), [
    ("eqf", ["EQF 2", "EQF 4", "EQF 5", "No EQF level"]),
    ("issuer", ["+cmd", "Syntra", "VDAB"]),
    ("training", ["Forklift course ODB-555555", "No linked training"]),
])
def test_groupings(client, auth, staff, group, columns):
    auth.login(staff.manager)
    html = _page(client, f"?group={group}").get_data(as_text=True)
    head = text(html.split("<thead>")[1].split("</thead>")[0])
    assert head == " ".join(["Employee", *columns])
    body = text(html.split("<tbody>")[1].split("</tbody>")[0])
    assert "Digital bookkeeping Verified" in body
    assert PRIVATE not in html


def _csv(client, query: str = ""):
    response = client.get(f"/credentials/skills.csv{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="skills-matrix-2026-03-02.csv"'
    return response.data


def test_the_csv_has_a_bom_semicolons_and_neutralised_formulas(client, auth, staff):
    auth.login(staff.manager)
    data = _csv(client)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:2] == ["Employee", "Team"]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\") — +cmd" in header  # only a cell's start counts
    assert "Digital bookkeeping — Syntra" in header
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"Wim Worker", "Cora Colleague"}
    assert by_name["Wim Worker"]["Digital bookkeeping — Syntra"] == "Verified"
    assert by_name["Cora Colleague"]["Forklift driver — VDAB"] == "Unverified"
    assert by_name["Cora Colleague"]["Digital bookkeeping — Syntra"] == ""
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert PRIVATE.encode() not in data and b"Dance school" not in data


@pytest.mark.parametrize(("value", "written"), [
    ("=1+2", "'=1+2"), ("+32 470", "'+32 470"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("Syntra", "Syntra"), ("a=b", "a=b"), (None, ""),
])
def test_every_formula_start_is_neutralised(value, written):
    from ila_sme.credentials.matrix import neutralise

    assert neutralise(value) == written


def test_the_csv_exports_the_current_view(client, auth, staff):
    auth.login(staff.manager)
    html = _page(client, "?group=issuer&team=Shop").get_data(as_text=True)
    assert 'href="/credentials/skills.csv?group=issuer&amp;team=Shop"' in html
    rows = list(csv.reader(io.StringIO(_csv(client, "?group=issuer&team=Shop").decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Employee", "Team", "'+cmd", "VDAB"]
    assert rows[1] == ["Cora Colleague", "Shop", "'=HYPERLINK(\"http://evil.example\",\"x\") (Expired)",
                       "Forklift driver (Unverified)"]
    assert len(rows) == 2


def test_unsharing_removes_a_credential_from_the_matrix(client, auth, staff):
    auth.login(staff.worker)
    from ila_sme.credentials.models import Credential

    badge = factories.db.session.query(Credential).filter_by(title="Digital bookkeeping").one()
    assert auth.post(f"/credentials/{badge.id}/unshare").status_code == 302
    auth.logout()
    auth.login(staff.manager)
    assert "Digital bookkeeping" not in _page(client).get_data(as_text=True)
    assert b"Digital bookkeeping" not in _csv(client)


@pytest.mark.parametrize("who", ["worker", "cora_user"])
def test_employees_cannot_see_the_matrix(client, auth, staff, who):
    auth.login(getattr(staff, who))
    assert client.get("/credentials/skills").status_code == 403
    assert client.get("/credentials/skills.csv").status_code == 403


def test_an_accountant_cannot_see_the_matrix(client, auth, staff):
    accountant = factories.user("acc@example.be", roles={staff.employer: "accountant"})
    factories.db.session.commit()
    auth.login(accountant)
    assert client.get("/credentials/skills").status_code == 403
    assert "Skills" not in text(client.get("/").get_data(as_text=True)).split("Sign out")[0].split("Home")[1]


def test_the_navigation_shows_skills_to_managers_and_my_credentials_to_employees(client, auth, staff):
    auth.login(staff.manager)
    nav = client.get("/").get_data(as_text=True).split("</nav>")[0]
    assert 'href="/credentials/skills"' in nav and 'href="/credentials/mine"' not in nav
    auth.logout()
    auth.login(staff.worker)
    nav = client.get("/").get_data(as_text=True).split("</nav>")[0]
    assert 'href="/credentials/mine"' in nav and 'href="/credentials/skills"' not in nav
