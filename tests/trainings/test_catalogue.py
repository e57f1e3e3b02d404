"""The catalogue: registry trainings and the employer's own, active search, filters, pages, detail."""

from __future__ import annotations

import re

import pytest
from flask import request

from ila_sme.extensions import db
from ila_sme.trainings.forms import CatalogueFilterForm
from tests.support.statements import count_statements
from tests.support.world import ROLES
from tests.trainings.conftest import training


def _titles(html: str) -> list[str]:
    return re.findall(r'<a href="/trainings/\d+">([^<]+)</a>', html)


def _get(client, query: str = "", htmx: bool = True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(f"/trainings{query}", headers=headers)


def test_catalogue_lists_registry_and_own_trainings(shop, auth, client):
    auth.login("employee@example.be")
    response = _get(client, htmx=False)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert sorted(_titles(html)) == sorted(["Excel voor gevorderden", "Heftruckchauffeur", "Français des affaires",
                                            "Ovenveiligheid intern"])
    assert "Geheime cursus" not in html  # another employer's own training
    assert "Oude boekhoudcursus" not in html  # withdrawn: hidden unless asked for
    own_row = re.search(r"Ovenveiligheid intern</a>(.*?)</tr>", html, re.S).group(1)
    assert "own (not in the registry)" in own_row
    assert html.count("own (not in the registry)") == 1
    excel_row = re.search(r"Excel voor gevorderden</a>(.*?)</tr>", html, re.S).group(1)
    assert shop["excel"].registry_id in excel_row
    assert "learning account, paid training leave" in excel_row
    assert "4 trainings found." in html
    assert "Add a training" not in html  # only admins add


def test_active_search_is_debounced_htmx_on_title_and_provider(shop, auth, client):
    auth.login("employee@example.be")
    page = _get(client, htmx=False).get_data(as_text=True)
    assert re.search(r'<input type="search" id="q" name="q"[^>]*hx-get="/trainings"[^>]*'
                     r'hx-trigger="input changed delay:300ms, search"[^>]*hx-target="#training-results"', page, re.S)
    assert 'hx-push-url="true"' in page

    response = _get(client, "?q=EXCEL")
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<body" not in html
    assert html.lstrip().startswith('<div id="training-results"')
    assert "Training catalogue" not in html and 'id="catalogue-filters"' not in html
    assert _titles(html) == ["Excel voor gevorderden"]
    assert "HX-Request" in response.headers.get("Vary", "")

    by_provider = _get(client, "?q=syntra").get_data(as_text=True)
    assert _titles(by_provider) == ["Excel voor gevorderden"]  # the withdrawn Syntra course stays hidden
    assert "No training matches these filters." in _get(client, "?q=nothing-like-this").get_data(as_text=True)


def test_search_treats_wildcards_as_text(shop, auth, client):
    training(title="100% online veiligheid", delivery="online")
    db.session.commit()
    auth.login("employee@example.be")
    assert _titles(_get(client, "?q=100%25").get_data(as_text=True)) == ["100% online veiligheid"]
    assert _titles(_get(client, "?q=%25").get_data(as_text=True)) == ["100% online veiligheid"]
    assert _titles(_get(client, "?q=_").get_data(as_text=True)) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?language=fr", ["Français des affaires"]),
        ("?delivery=online", ["Excel voor gevorderden"]),
        ("?delivery=onsite", ["Heftruckchauffeur", "Ovenveiligheid intern"]),
        ("?ila=1", ["Excel voor gevorderden", "Heftruckchauffeur"]),
        ("?paid_leave=1", ["Excel voor gevorderden", "Français des affaires"]),
        ("?microcredential=1", ["Heftruckchauffeur"]),
        ("?eqf=5", ["Français des affaires"]),
        ("?withdrawn=1&q=boekhoud", ["Oude boekhoudcursus"]),
        ("?paid_leave=1&withdrawn=1", ["Excel voor gevorderden", "Français des affaires", "Oude boekhoudcursus"]),
        ("?language=nl&ila=1&eqf=4&q=excel", ["Excel voor gevorderden"]),
    ],
)
def test_filters(shop, auth, client, query, expected):
    auth.login("employee@example.be")
    assert sorted(_titles(_get(client, query).get_data(as_text=True))) == sorted(expected)


def test_withdrawn_trainings_are_flagged_when_shown(shop, auth, client):
    auth.login("employee@example.be")
    html = _get(client, "?withdrawn=1").get_data(as_text=True)
    row = re.search(r"Oude boekhoudcursus</a>(.*?)</tr>", html, re.S).group(1)
    assert "<mark>withdrawn</mark>" in row
    assert html.count("<mark>withdrawn</mark>") == 1


@pytest.mark.parametrize("query", ["?eqf=abc", "?eqf=9", "?language=xx", "?delivery=moon", "?page=0", "?page=x"])
def test_bad_filter_values_are_ignored(shop, auth, client, query):
    auth.login("employee@example.be")
    response = _get(client, query)
    assert response.status_code == 200
    assert len(_titles(response.get_data(as_text=True))) == 4


def test_filters_are_kept_in_the_full_page(shop, auth, client):
    auth.login("employee@example.be")
    html = _get(client, "?q=excel&language=nl&ila=1&eqf=4", htmx=False).get_data(as_text=True)
    assert 'value="excel"' in html
    assert re.search(r'<option selected value="nl">|<option value="nl" selected>', html)
    assert re.search(r'<input checked id="ila"|<input[^>]*id="ila"[^>]*checked', html)
    assert re.search(r'<option selected value="4">|<option value="4" selected>', html)
    assert _titles(html) == ["Excel voor gevorderden"]


def test_twenty_at_a_time_and_show_more_keeps_the_filters(shop, auth, client):
    for n in range(45):
        training(title=f"Veiligheid module {n:02d}", language="en", delivery="online")
    db.session.commit()
    auth.login("employee@example.be")
    first = _get(client, "?language=en").get_data(as_text=True)
    assert _titles(first) == [f"Veiligheid module {n:02d}" for n in range(20)]
    assert "45 trainings found." in first
    assert re.search(r'<a href="/trainings\?language=en&amp;from=20" rel="next" '
                     r'hx-get="/trainings\?language=en&amp;from=20" hx-target="closest tr" hx-swap="outerHTML">'
                     r'Show more', first)

    # htmx: the next twenty rows alone (appended in place of the link), with the link to the rest.
    more = _get(client, "?language=en&from=20").get_data(as_text=True)
    assert more.lstrip().startswith("<tr>") and "<table" not in more and "trainings found" not in more
    assert _titles(more) == [f"Veiligheid module {n:02d}" for n in range(20, 40)]
    assert 'href="/trainings?language=en&amp;from=40"' in more
    last = _get(client, "?language=en&from=40").get_data(as_text=True)
    assert _titles(last) == [f"Veiligheid module {n:02d}" for n in range(40, 45)] and 'rel="next"' not in last

    without_js = _get(client, "?language=en&from=20", htmx=False).get_data(as_text=True)
    assert "<html" in without_js and "45 trainings found." in without_js
    assert _titles(without_js) == [f"Veiligheid module {n:02d}" for n in range(20, 40)]
    assert _titles(_get(client, "?language=en&from=99999999999999999999").get_data(as_text=True)) == _titles(first)


def test_the_statement_count_does_not_grow_with_the_catalogue(shop, auth, client):
    auth.login("employee@example.be")

    def statements() -> int:
        db.session.commit()
        with count_statements(db.engine) as sent:
            assert client.get("/trainings").status_code == 200
        return len(sent)

    for n in range(10):
        training(title=f"Module {n:02d}")
    small = statements()
    for n in range(50):
        training(title=f"Extra module {n:02d}", eqf_level=4)
    assert statements() == small


@pytest.mark.parametrize("role", ROLES)
def test_every_member_sees_the_catalogue(shop, auth, client, role):
    auth.login(shop["users"][role])
    html = _get(client, htmx=False).get_data(as_text=True)
    assert "Excel voor gevorderden" in html
    assert ('href="/trainings/new"' in html) == (role == "admin")
    assert 'href="/trainings"' in html  # in the navigation


def test_signed_out_visitors_are_sent_to_sign_in(shop, client):
    response = client.get("/trainings")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# Detail ------------------------------------------------------------------------------------------


def test_detail_shows_every_field(shop, auth, client):
    auth.login("employee@example.be")
    response = client.get(f"/trainings/{shop['excel'].id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("Excel voor gevorderden", "Syntra West", shop["excel"].registry_id, "Dutch", "Online",
                 "36 hours", "3.0", "450,00\xa0€", "Mar 3, 2026", "May 26, 2026", "Sep 1, 2025", "Aug 31, 2026"):
        assert text in html, text
    assert re.search(r"<dt>EQF level</dt><dd>4</dd>", html)
    assert re.search(r"<dt>Eligible for the learning account</dt><dd>yes</dd>", html)
    assert re.search(r"<dt>Eligible for paid training leave</dt><dd>yes</dd>", html)
    assert re.search(r"<dt>Leads to a micro-credential</dt><dd>no</dd>", html)
    assert "own (not in the registry)" not in html


def test_detail_of_an_own_training_says_so(shop, auth, client):
    auth.login("manager@example.be")
    html = client.get(f"/trainings/{shop['own'].id}").get_data(as_text=True)
    assert "own (not in the registry)" in html and "none (own training)" in html
    assert "0,00\xa0€" in html


def test_detail_of_a_withdrawn_training_warns(shop, auth, client):
    auth.login("employee@example.be")
    html = client.get(f"/trainings/{shop['withdrawn'].id}").get_data(as_text=True)
    assert "This training was withdrawn from the registry" in html


@pytest.mark.parametrize("role", ROLES)
def test_another_employers_own_training_is_a_404(shop, auth, client, role):
    auth.login(shop["users"][role])
    response = client.get(f"/trainings/{shop['others_own'].id}")
    assert response.status_code == 404
    assert "Geheime cursus" not in response.get_data(as_text=True)
    assert client.get("/trainings/999999").status_code == 404


def test_a_registry_training_is_visible_to_every_employer(shop, auth, client):
    auth.login("other-admin@example.be")
    html = client.get(f"/trainings/{shop['excel'].id}").get_data(as_text=True)
    assert "Excel voor gevorderden" in html
    assert client.get(f"/trainings/{shop['own'].id}").status_code == 404  # but not the first one's own
    catalogue = _get(client).get_data(as_text=True)
    assert "Geheime cursus van Other" in catalogue and "Ovenveiligheid intern" not in catalogue


@pytest.mark.parametrize("eqf", [" ", "99999999999999999999", "NaN"])
def test_a_blank_or_bogus_level_filter_is_ignored(app, eqf):
    with app.test_request_context(f"/trainings?eqf={eqf}"):
        form = CatalogueFilterForm(request.args)
        form.validate()
        assert form.value("eqf") is None  # never compared with the integer column (PostgreSQL would refuse " ")
