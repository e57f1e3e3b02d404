"""Every page a demo login can reach, found as a person finds it: the menu and the home page's links, then the
links of each of those pages, one level deep. Shared by the phone-width browser crawl
(tests/browser/test_every_page_on_a_phone.py) and the untranslated-text crawl (tests/test_untranslated_text.py).

The crawl runs on Flask's test client (fast); the browser test then opens the same list in Chromium.

* Followed: ``<a href>`` GET links to the same origin. Left out: downloads (``.csv``, ``.xlsx``, ``.pdf``,
  ``.ics``, a ``download`` attribute, ``format=csv|xlsx|pdf|ics``), static files, sign-out and the language
  switch (both forms, listed in case a link ever points there), and any answer that is not an HTML page.
* Sampled: a list of 330 trainings or 60 ledger rows is one screen with other data. Pages are grouped by the
  route they match and the names of their query arguments (``trainings.detail``, ``calendar.month?month``);
  the first ``PER_ROUTE`` of each group are kept, in the order they were found (menu first, so the rows a
  screen lists first). Every screen of every role is visited; only more rows of the same screen are not.
* A link whose answer is not 200 (after redirects) is kept with its status: a broken link is a finding too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from werkzeug.exceptions import HTTPException

from ila_sme.config import TestConfig
from ila_sme.demo.data import DEMO_PASSWORD, EMPLOYERS, REGISTER_DEV_TOKEN, USERS
from ila_sme.employers.models import Employer
from ila_sme.extensions import babel, db
from ila_sme.factory import create_app
from ila_sme.register import devprocess

ORIGIN = "http://localhost"
PER_ROUTE = 3
DOWNLOAD_SUFFIXES = (".csv", ".xlsx", ".pdf", ".ics", ".eml", ".zip", ".json", ".png", ".svg")
DOWNLOAD_FORMATS = {"csv", "xlsx", "pdf", "ics"}
NEVER_FOLLOWED = ("/logout", "/language", "/static/")
# The demo's clock: a Friday, so "this week", pending requests and the year's history all have something to show.
DEMO_TODAY = date(2026, 11, 27)

# The six logins of the README's table (ila_sme/demo/data.py USERS, the first six): every role of the demo.
README_LOGINS = [email for email, *_ in USERS[:6]]
NAMES = {email: name for email, name, *_ in USERS}
LANGUAGES = {email: language for email, _name, language, _roles in USERS}
EMPLOYER_NAMES = {spec["key"]: spec["name"] for spec in EMPLOYERS}


@dataclass(frozen=True)
class Login:
    """A demo user signed in at one of their employers (Koen, the accountant, serves two)."""

    email: str
    employer_key: str

    @property
    def label(self) -> str:
        first = NAMES[self.email].split()[0]
        return f"{first}@{self.employer_key}"


def demo_logins() -> list[Login]:
    """Every README login at every employer they belong to."""
    logins = []
    for email, _name, _language, roles in USERS[:6]:
        for key in dict.fromkeys(key for key, _role in roles):
            logins.append(Login(email, key))
    return logins


# The demo, seeded into a folder of its own, with the development register answering ---------------------------


def demo_settings(folder: Path, **overrides) -> dict:
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    settings.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'demo.sqlite3'}",
        MAIL_OUTBOX=str(folder / "outbox"),
        MAIL_SERVER=None,
        PASSWORD_HASH_FAST=True,
        RATELIMIT_STORAGE_URI="memory://",
        TODAY=DEMO_TODAY,
    )
    settings.update(overrides)
    return settings


@contextmanager
def seeded_demo(folder: Path, *, today: date | None = DEMO_TODAY) -> Iterator:
    """The app on a fresh SQLite file in ``folder`` with ``flask demo seed`` run, and the development register
    (``python -m devregister``, its store in ``folder``) answering at LEDGER_URL while the block runs: the
    learning-account pages ask it for figures, as they do in ``make run``."""
    folder.mkdir(parents=True, exist_ok=True)
    with devprocess.started(store=folder / "dev-register.sqlite3", today=today,
                            dev_token=REGISTER_DEV_TOKEN) as register_url:
        app = create_app(demo_settings(folder, TODAY=today, LEDGER_URL=register_url, LEDGER_TOKEN=""))
        app.instance_path = str(folder / "instance")
        Path(app.instance_path).mkdir(exist_ok=True)
        with app.app_context():
            babel.domain_instance.cache.clear()  # a test that ran before the .mo files existed cached empty ones
            db.create_all()
            result = app.test_cli_runner().invoke(args=["demo", "seed"])
            assert result.exit_code == 0, result.output
            db.session.remove()
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


# Signing in with the test client --------------------------------------------------------------------------------

CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')


def _csrf(client) -> str:
    match = CSRF_IN_PAGE.search(client.get("/login").get_data(as_text=True))
    assert match, "no CSRF token on the sign-in page"
    return match.group(1)


def signed_in_client(app, login: Login, language: str | None = None):
    """A test client signed in as ``login`` through the real form, at the login's employer, in ``language``
    (default: the user's own)."""
    client = app.test_client()
    response = client.post("/login", data={"email": login.email, "password": DEMO_PASSWORD,
                                           "csrf_token": _csrf(client)})
    assert response.status_code == 302, f"{login.email} could not sign in ({response.status_code})"
    with app.app_context():
        number = next(spec["enterprise_number"] for spec in EMPLOYERS if spec["key"] == login.employer_key)
        employer_id = db.session.scalar(db.select(Employer.id).where(Employer.enterprise_number == number))
        db.session.remove()
    with client.session_transaction() as session:
        session["employer_id"] = employer_id
        session["language"] = language or LANGUAGES[login.email]
    return client


# Links -----------------------------------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href") and "download" not in attributes:
            self.links.append(attributes["href"])


def links_in(html: str, page_url: str) -> list[str]:
    """The same-origin page links of ``html`` (read at ``page_url``), as paths with their query, in page order."""
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.links:
        target = followable(urljoin(ORIGIN + page_url, href.strip()))
        if target and target not in found:
            found.append(target)
    return found


def followable(absolute: str) -> str | None:
    """``absolute`` as ``/path?query`` when the crawl follows it, else None."""
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != ORIGIN:
        return None
    path = parts.path or "/"
    if path.lower().endswith(DOWNLOAD_SUFFIXES) or path.startswith(NEVER_FOLLOWED):
        return None
    if any(value.lower() in DOWNLOAD_FORMATS for key, value in parse_qsl(parts.query) if key in ("format", "as")):
        return None
    return urlunsplit(("", "", path, parts.query, ""))


# The crawl --------------------------------------------------------------------------------------------------------


@dataclass
class Page:
    url: str  # as linked: /path?query
    status: int
    final_url: str  # after redirects
    html: str
    found_on: str  # the page that links to it ("" for the home page)


@dataclass
class Crawl:
    login: Login
    pages: list[Page] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sampled away: the same screen with other rows
    not_html: list[str] = field(default_factory=list)

    @property
    def ok(self) -> list[Page]:
        return [page for page in self.pages if page.status == 200]

    @property
    def broken(self) -> list[Page]:
        return [page for page in self.pages if page.status != 200]


def route_of(app, url: str) -> str:
    """The screen a URL shows: its endpoint and the names of its query arguments."""
    parts = urlsplit(url)
    try:
        endpoint, _args = app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        endpoint = f"?{parts.path}"
    keys = sorted({key for key, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return endpoint + (f"?{'&'.join(keys)}" if keys else "")


def fetch(client, url: str) -> tuple[int, str, str, bool]:
    """(status, final url, html, is_html) of a GET that follows redirects."""
    response = client.get(url, follow_redirects=True)
    final = response.request.path + (f"?{response.request.query_string.decode()}"
                                      if response.request.query_string else "")
    is_html = response.mimetype == "text/html"
    return response.status_code, final, response.get_data(as_text=True) if is_html else "", is_html


def crawl(app, client, login: Login, *, per_route: int = PER_ROUTE,
          get: Callable = fetch) -> Crawl:
    """The home page, every page it links to (menu included), and every page those link to."""
    result = Crawl(login)
    seen: set[str] = set()
    per_group: dict[str, int] = {}

    def visit(url: str, found_on: str) -> Page | None:
        if url in seen:
            return None
        seen.add(url)
        group = route_of(app, url)
        if per_group.get(group, 0) >= per_route:
            result.skipped.append(url)
            return None
        status, final, html, is_html = get(client, url)
        if not is_html and status == 200:
            result.not_html.append(url)
            return None
        per_group[group] = per_group.get(group, 0) + 1
        page = Page(url, status, final, html, found_on)
        result.pages.append(page)
        return page

    home = visit("/", "")
    assert home is not None and home.status == 200, f"{login.label}: the home page answered {home and home.status}"
    first_level = [page for url in links_in(home.html, home.final_url) if (page := visit(url, "/"))]
    for page in first_level:
        if page.status == 200:
            for url in links_in(page.html, page.final_url):
                visit(url, page.url)
    return result
