"""National numbers never come back: not in a redisplayed form, a duplicate message, a URL or a search page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from ila_sme.extensions import db
from ila_sme.identifiers import looks_like_insz, make_insz, mask_insz, mask_typed_insz
from ila_sme.people.models import EmployeeRecord
from tests import factories
from tests.people.test_views import _assert_no_full_insz, _edit_form, _employee_form, _field_error

INSZ_PEETERS = make_insz(date(1987, 4, 12), 61)
INSZ_JANSSENS = make_insz(date(2001, 5, 21), 5)
INSZ_NEW = make_insz(date(1992, 3, 14), 42)


def _dotted(insz: str) -> str:
    return f"{insz[:2]}.{insz[2:4]}.{insz[4:6]}-{insz[6:9]}.{insz[9:]}"


def _national_number_input(html: str) -> str:
    match = re.search(r'<input[^>]*id="national_number"[^>]*>', html)
    assert match, "no national number field"
    return match.group(0)


@pytest.fixture
def staff(app):
    employer = factories.employer("Bakkerij Test")
    factories.user("m@example.be", roles={employer: "manager"}, name="Mia Manager")
    peeters = factories.employee(employer, first_name="Zoë", last_name="Peeters", national_number=INSZ_PEETERS,
                                 team="Bakery")
    janssens = factories.employee(employer, first_name="Jan", last_name="Janssens", national_number=INSZ_JANSSENS,
                                  team="Shop")
    other = factories.employer("Other BV")
    factories.employee(other, first_name="Otto", last_name="Outsider", national_number=INSZ_NEW)
    db.session.commit()
    return {"employer": employer, "peeters": peeters, "janssens": janssens}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(EmployeeRecord))


# Helpers in the core -------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("87041206161", True), ("87.04.12-061.61", True), ("87 04 12 061 61", True), ("870412/061-61", True),
    ("8704120616", False), ("870412061611", False), ("peeters", False), ("87.04.12", False), ("", False),
    ("８７０４１２０６１６１", False),  # full-width digits are not a number anyone types here
])
def test_what_looks_like_a_national_number(text, expected):
    assert looks_like_insz(text) is expected


def test_a_typed_number_is_masked_even_when_invalid():
    assert mask_typed_insz(_dotted(INSZ_NEW)) == mask_insz(INSZ_NEW)
    assert mask_typed_insz("85.07.30-033.27") == "••.••.••-•••.27"
    assert mask_typed_insz("x") == "••.••.••-•••.••"


# Redisplayed forms ---------------------------------------------------------------------------


def test_add_form_redisplayed_for_another_error_asks_for_the_number_again(staff, auth):
    auth.login("m@example.be")
    before = _count()
    typed = make_insz(date(1990, 1, 1), 7)
    html = auth.post("/people/new", _employee_form(national_number=_dotted(typed),
                                                   contract_end="2024-08-31")).get_data(as_text=True)
    assert _field_error(html, "contract_end") == "The contract cannot end before it starts."
    assert 'value=""' in _national_number_input(html)
    assert f"The national number you typed ({mask_insz(typed)}) is not shown again: enter it again." in html
    _assert_no_full_insz(html, typed)
    assert 'value="Nora"' in html  # the other fields do come back
    assert _count() == before

    # Sent again without the number: refused, nothing saved.
    html = auth.post("/people/new", _employee_form(national_number="")).get_data(as_text=True)
    assert _field_error(html, "national_number") == "The national number is required."
    assert _count() == before


def test_an_invalid_number_is_not_echoed_either(staff, auth):
    auth.login("m@example.be")
    html = auth.post("/people/new", _employee_form(national_number="85.07.30-033.27")).get_data(as_text=True)
    assert _field_error(html, "national_number") == "Not a valid national number (11 digits with a valid check)."
    assert 'value=""' in _national_number_input(html)
    assert "85.07.30-033.27" not in html and "85073003327" not in html
    assert "(••.••.••-•••.27)" in html


def test_duplicate_says_in_use_without_naming_or_echoing(staff, auth):
    auth.login("m@example.be")
    before = _count()
    html = auth.post("/people/new", _employee_form(national_number=_dotted(INSZ_PEETERS))).get_data(as_text=True)
    assert _field_error(html, "national_number") == "This national number is already in use."
    assert "Peeters" not in html and "Zoë" not in html
    _assert_no_full_insz(html, INSZ_PEETERS)
    assert _count() == before


def test_edit_redisplayed_with_a_new_number_does_not_echo_it(staff, auth):
    auth.login("m@example.be")
    peeters = staff["peeters"]
    typed = make_insz(date(1990, 1, 1), 7)
    html = auth.post(f"/people/{peeters.id}/edit", _edit_form(peeters, national_number=typed,
                                                              first_name="")).get_data(as_text=True)
    assert "This field is required." in html
    assert 'value=""' in _national_number_input(html)
    assert f"({mask_insz(typed)})" in html
    _assert_no_full_insz(html, typed, INSZ_PEETERS)
    db.session.refresh(peeters)
    assert peeters.national_number == INSZ_PEETERS


def test_edit_to_a_colleagues_number_names_nobody(staff, auth):
    auth.login("m@example.be")
    peeters = staff["peeters"]
    html = auth.post(f"/people/{peeters.id}/edit",
                     _edit_form(peeters, national_number=INSZ_JANSSENS)).get_data(as_text=True)
    assert _field_error(html, "national_number") == "This national number is already in use."
    assert "Janssens" not in html
    _assert_no_full_insz(html, INSZ_JANSSENS, INSZ_PEETERS)


# Search --------------------------------------------------------------------------------------


def test_the_search_form_posts_and_never_builds_a_url(staff, auth, client):
    auth.login("m@example.be")
    html = client.get("/people").get_data(as_text=True)
    form = re.search(r'<form[^>]*role="search"[^>]*>.*?</form>', html, re.S).group(0)
    assert 'method="post"' in form and 'name="csrf_token"' in form
    assert "hx-post=" in form
    assert "hx-get" not in form and "hx-push-url" not in form


@pytest.mark.parametrize("typed", [INSZ_PEETERS, _dotted(INSZ_PEETERS), " ".join(
    [INSZ_PEETERS[:2], INSZ_PEETERS[2:4], INSZ_PEETERS[4:6], INSZ_PEETERS[6:9], INSZ_PEETERS[9:]])])
def test_search_by_whole_number_through_a_post(staff, auth, client, typed):
    auth.login("m@example.be")
    response = auth.post("/people", {"q": typed}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="people-results">')
    assert "Zoë Peeters" in html and "Janssens" not in html
    assert f"Searched for the national number {mask_insz(INSZ_PEETERS)}." in html
    _assert_no_full_insz(html, INSZ_PEETERS)


def test_search_by_number_without_javascript_shows_the_page_without_the_number(staff, auth):
    auth.login("m@example.be")
    html = auth.post("/people", {"q": _dotted(INSZ_JANSSENS)}).get_data(as_text=True)
    assert "<html" in html and "Jan Janssens" in html and "Zoë Peeters" not in html
    assert re.search(r'<input[^>]*id="q"[^>]*value=""', html)
    _assert_no_full_insz(html, INSZ_JANSSENS)


@pytest.mark.parametrize("typed", [INSZ_NEW, "85.07.30-033.27"], ids=["another-employers", "invalid-check"])
def test_search_by_an_unknown_number_finds_nobody_and_does_not_echo_it(staff, auth, typed):
    auth.login("m@example.be")
    html = auth.post("/people", {"q": typed}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "No employee has this national number." in html
    assert "Outsider" not in html and "<table>" not in html
    assert typed not in html and typed.replace(".", "").replace("-", "") not in html


def test_part_of_a_number_still_matches_nobody_by_post(staff, auth):
    auth.login("m@example.be")
    html = auth.post("/people", {"q": INSZ_PEETERS[:9]}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Peeters" not in html


def test_search_by_name_through_a_post_keeps_the_text(staff, auth):
    auth.login("m@example.be")
    html = auth.post("/people", {"q": "shop"}).get_data(as_text=True)
    assert "Jan Janssens" in html and "Zoë Peeters" not in html
    assert 'value="shop"' in html


def test_search_post_without_csrf_token_is_refused(staff, auth, client):
    auth.login("m@example.be")
    response = client.post("/people", data={"q": INSZ_PEETERS})
    assert response.status_code == 400
    assert "Peeters" not in response.get_data(as_text=True)


def test_a_number_in_a_url_is_not_searched_and_the_address_drops_it(staff, auth, client):
    auth.login("m@example.be")
    response = client.get(f"/people?q={_dotted(INSZ_PEETERS)}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/people")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Search for a national number with the search field; it is never put in the address." in page
    _assert_no_full_insz(page, INSZ_PEETERS)
