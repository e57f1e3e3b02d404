"""No English on a Dutch or French page: every page every demo login reaches (tests/support/crawl.py), rendered in
Dutch and in French, holds no message id left untranslated, no English-only word and no number written the English
way (tests/support/untranslated.py says exactly what is looked for).

Why Flask's test client and not the browser: the text is the server's (the pages render without JavaScript;
htmx only swaps fragments the server renders the same way), so the test client sees every word a person reads,
and reads the ~220 pages in two languages in about a minute. The browser crawl
(tests/browser/test_every_page_on_a_phone.py) visits the same list for the layout.

The demo is seeded once for the module (``flask demo seed``, the development register answering), and the test
asserts once, with every finding: the text it was found in, and the pages (login, URL) that show it.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from ila_sme.demo.credentials import CREDENTIALS
from ila_sme.demo.data import TRAININGS
from tests.support.crawl import crawl, demo_logins, links_in, route_of, seeded_demo, signed_in_client
from tests.support.untranslated import english_in
from tests.test_translations import compile_catalogs

LANGUAGES = ("nl", "fr")

# Data that is English on purpose, left out wherever it stands. Kept to what the demo itself declares English:
# the titles of its English-language trainings (the register's titles, as the provider wrote them), the texts of
# its English micro-credentials (the issuer's signed badge: the app may not translate it), and a language's own
# name in a list of languages ("English", as "Nederlands" and "Français" stand beside it).
ENGLISH_DATA = frozenset(
    {title for _key, _id, title, _provider, language, *_rest in TRAININGS if language == "en"}
    | {text for *_spec, elements in CREDENTIALS if elements.get("language") == "en"
       for key, value in elements.items() if key != "language"
       for text in (value if isinstance(value, list) else [value]) if isinstance(text, str) and len(text) >= 5}
    | {"English"}
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    compile_catalogs()
    with seeded_demo(tmp_path_factory.mktemp("demo")) as app:
        yield app


@pytest.fixture(scope="module")
def pages(demo):
    """login -> the crawl's HTML pages (200), found in Dutch."""
    return {login: crawl(demo, signed_in_client(demo, login, "nl"), login).ok for login in demo_logins()}


def test_the_crawl_reaches_every_screen_of_every_role(demo, pages):
    """The list the text test (and the phone crawl) reads is the whole app a role sees, not a home page."""
    reached = {login.label: {route_of(demo, page.url).split("?")[0] for page in found}
               for login, found in pages.items()}
    assert {"approvals.inbox", "people.index", "schemes.settings", "audit.index", "scheduler.runs",
            "credentials.skills", "people.show"} <= reached["Els@bakery"]
    assert {"leave.new_request", "leave.my_balances", "learning_accounts.mine", "credentials.mine",
            "trainings.detail"} <= reached["Sarah@bakery"]
    assert {"reconciliation.index", "statements.index"} <= reached["Koen@bakery"] & reached["Koen@installer"]
    assert "people.index" not in reached["Sarah@bakery"] | reached["Lucas@installer"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_on_any_page_of_any_role(demo, pages, language):
    where: dict[str, list[str]] = defaultdict(list)
    for login, found in pages.items():
        client = signed_in_client(demo, login, language) if language != "nl" else None
        for page in found:
            html = page.html  # the crawl read the pages in Dutch
            if client is not None:
                response = client.get(page.url, follow_redirects=True)
                assert response.status_code == 200, f"{login.label} {page.url}: {response.status_code} in {language}"
                html = response.get_data(as_text=True)
            for finding in english_in(html, language, ENGLISH_DATA):
                where[str(finding)].append(f"{login.label} {page.url}")
    report = "\n".join(f"  {finding}\n      on {len(on)} page(s): {', '.join(on[:4])}{' …' if len(on) > 4 else ''}"
                       for finding, on in sorted(where.items()))
    assert not where, f"{len(where)} English texts on {language} pages:\n{report}"


# The detectors and the link filter on small pages (no demo needed) ---------------------------------------------


def _page(body: str, language: str = "nl") -> str:
    return f'<!doctype html><html lang="{language}"><head><title>Start</title></head><body>{body}</body></html>'


@pytest.mark.parametrize(("body", "language", "expected"), [
    ("<nav><a href='/approvals'>Approvals</a></nav>", "nl", {("message", "Approvals"), ("word", "approvals")}),
    ("<button>Sign out</button>", "fr", {("message", "Sign out")}),
    ("<td>Opleidingsverlof <strong>from 2025</strong></td>", "nl", {("word", "from")}),
    ("<input placeholder='Search the catalogue'>", "fr", {("message", "Search the catalogue"), ("word", "the")}),
    ("<p>Sarah werkt 30.4 uur per week</p>", "nl", {("number", "30.4 uur")}),
    ("<p>40.0 heures par semaine</p>", "fr", {("number", "40.0 heures")}),
    ("<p>Pagina 2 van 3</p><p>page suivante</p>", "fr", set()),
    ("<p>Volgende page</p>", "nl", {("word", "page")}),
    ("<h1>Goedkeuringen</h1><p>Sarah werkt 30,4 uur: € 6.000,00 of meer is in orde</p>", "nl", set()),
    ("<p><code>flask --app app scheduler run</code> <span lang='en'>English</span></p>", "nl", set()),
    ("<p>elke dag om 08.00 uur</p><td><code>leave.approved</code></td>", "nl", {("code", "leave.approved")}),
    ("<p>Els keurde het verlof goed</p><p>Code: <span translate='no'><code>leave.approved</code></span></p>", "nl",
     set()),
    ("<p>Budget van € 500,00 of € 1.000,00 in 2026</p>", "nl", set()),
])
def test_the_detectors_find_english_and_leave_dutch_and_french_alone(body, language, expected):
    compile_catalogs()
    found = {(finding.kind, finding.what) for finding in english_in(_page(body, language), language)}
    assert found == expected


def test_data_declared_english_is_left_out_wherever_it_stands():
    html = _page("<h1>Leadership for team leads</h1><p>Counts towards the Vlerick Certificate in Management</p>")
    assert english_in(html, "nl", ENGLISH_DATA) == []
    assert {finding.what for finding in english_in(html, "nl")} == {"the"}


def test_the_crawl_follows_page_links_of_this_site_only():
    html = ('<a href="/leave/requests">a</a> <a href="calendar?month=2026-12#today">b</a> <a href="/leave/requests">'
            'c</a>'
            '<a href="/statements/2026-Q3.xlsx">d</a> <a href="/export?format=csv">e</a> <a href="/x" download>f</a>'
            '<a href="https://example.org/">g</a> <a href="mailto:els@example.be">h</a> <a href="/logout">i</a>'
            '<a href="/static/app.css">j</a>')
    assert links_in(html, "/leave/") == ["/leave/requests", "/leave/calendar?month=2026-12"]
