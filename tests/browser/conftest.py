"""Real-browser tests: the app served by werkzeug in a thread, driven by Playwright's Chromium.

* ``live_server``: a fresh app per test on a temporary SQLite *file* (the server thread and the test
  share it), seeded through ``tests.factories``, on 127.0.0.1 and a free port.
* Playwright comes from pytest-playwright's fixtures (``page``, ``new_context``), with the launch
  arguments overridden to use the system Chromium (``CHROMIUM_PATH`` or /usr/bin/chromium); no
  browser is ever downloaded.
* The translation catalogs are compiled once per session (.mo files are not in git).
* Widths: every test that opens a page runs at desktop width (1280 × 800), and the journeys people make on the
  move (module marked ``on_the_move``: leave, co-funding and approvals, credentials) at phone width (390 × 844)
  too; its id says which. ``BROWSER_VIEWPORTS=desktop,phone`` runs every test at both (about 3 min more on the
  2-core machine), ``BROWSER_VIEWPORTS=phone`` only at phone width.

Every security feature stays on: CSRF, the rate limiter (memory storage), session protection.
Only the password hash is cheap (``PASSWORD_HASH_FAST``).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from ila_sme.config import TestConfig
from ila_sme.extensions import db
from ila_sme.factory import create_app
from ila_sme.mail import MailState, OutboxMail, outbox_messages, send_outbox
from ila_sme.schemes.services import install_defaults
from tests import factories
from tests.browser._support import CHROMIUM_ARGS, CHROMIUM_PATH, TRANSLATIONS

# Generous on purpose: they only cost time when a test fails. On the 2-core machine with both xdist workers
# busy, a sign-in's redirect once took more than 10 s to be followed.
EXPECT_TIMEOUT_MS = 10_000
ACTION_TIMEOUT_MS = 30_000


VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: real-browser end-to-end test (Playwright + system Chromium)")
    config.addinivalue_line("markers", "on_the_move: a journey people make on a phone: runs at phone width too")


def pytest_generate_tests(metafunc):
    """A test that opens pages (``page``, ``context``, ``new_context``) runs at each of its widths."""
    if "viewport" not in metafunc.fixturenames:
        return
    chosen = os.environ.get("BROWSER_VIEWPORTS")
    if chosen is None:
        widths = ["desktop", "phone"] if metafunc.definition.get_closest_marker("on_the_move") else ["desktop"]
    else:
        widths = [name.strip() for name in chosen.split(",") if name.strip()]
    if not widths or set(widths) - set(VIEWPORTS):
        raise pytest.UsageError(f"BROWSER_VIEWPORTS={chosen!r}: use desktop, phone or desktop,phone")
    metafunc.parametrize("viewport", widths)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


# Translations --------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> list[str]:
    """Compile every ila_sme/translations/<lang>/LC_MESSAGES/messages.po that exists; the languages."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po_path in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        language = po_path.parent.parent.name
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
        # written aside and renamed: another xdist worker may be reading the same catalog right now
        partial = po_path.with_suffix(f".mo.{os.getpid()}")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(partial, po_path.with_suffix(".mo"))
        compiled.append(language)
    return compiled


# Playwright ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "args": CHROMIUM_ARGS,
        "headless": browser_type_launch_args.get("headless", True),
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # English first, so that switching to Dutch is a visible change.
    return {**browser_context_args, "locale": "en-GB"}


@pytest.fixture(autouse=True)
def _playwright_timeouts():
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture
def new_context(new_context, viewport):
    """pytest-playwright's context factory at the test's width, with a short default timeout (fail fast, not at
    30 s)."""

    def make(**kwargs):
        context = new_context(**{"viewport": VIEWPORTS[viewport], **kwargs})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
        return context

    return make


# The live server -----------------------------------------------------------------------------


@dataclass
class SeededUser:
    email: str
    name: str
    password: str = factories.PASSWORD


@dataclass
class LiveServer:
    url: str
    app: object
    outbox: Path
    employer_name: str
    users: dict[str, SeededUser] = field(default_factory=dict)
    staff: list[str] = field(default_factory=list)

    def mail_to(self, address: str) -> EmailMessage:
        """The newest mail to ``address``, once what the requests queued is sent.

        The request that queued a mail sends it when the server closes its response; werkzeug's server skips
        that close when the browser has already reset the connection (it drains the socket first). The
        scheduler's ``mail-outbox`` job sends such a mail in a real set-up; here the test plays that part
        when the after-response sending has not happened within a second. So mail may leave out of the order
        it was queued in: a test asks for the mail of one recipient."""
        deadline, fallback = time.monotonic() + 10, time.monotonic() + 1
        with self.app.app_context():
            while self._pending() and time.monotonic() < deadline:
                if time.monotonic() > fallback:
                    send_outbox()
                time.sleep(0.05)
            db.session.remove()
        messages = [message_from_bytes(path.read_bytes(), policy=policy.default)
                    for path in outbox_messages(self.outbox)]
        mine = [message for message in messages if message["To"] == address]
        assert mine, f"no mail to {address} in {self.outbox} (to: {[m['To'] for m in messages]})"
        return mine[-1]

    @staticmethod
    def _pending() -> int:
        db.session.rollback()  # a fresh read: the server thread commits on its own connection
        return db.session.scalar(select(func.count()).select_from(OutboxMail)
                                 .where(OutboxMail.state == MailState.PENDING))


EMPLOYER_NAME = "Bakkerij Browser"
USERS = {
    "employee": SeededUser("emma@example.be", "Emma Employee"),
    "manager": SeededUser("mats@example.be", "Mats Manager"),
    "accountant": SeededUser("anna@example.be", "Anna Accountant"),
    "admin": SeededUser("ada@example.be", "Ada Admin"),
}
STAFF = [  # first name, last name, team
    ("Jan", "Janssens", "Bakery"),
    ("Piet", "Peeters", "Shop"),
    ("Sofie", "Smet", "Office"),
]


TODAY = date(2026, 3, 2)  # a Monday in school year 2025-26: the browser tests pin the app's date
TRAINING_TITLE = "Boekhouden voor KMO's"


def _seed() -> None:
    install_defaults()
    employer = factories.employer(EMPLOYER_NAME, default_language="nl")
    factories.training(title=TRAINING_TITLE, provider_name="Syntra Vlaanderen", hours=Decimal("40"),
                       starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 13), valid_until=date(2026, 8, 31),
                       cost_cents=45000)
    users = {role: factories.user(u.email, name=u.name, roles={employer: role}) for role, u in USERS.items()}
    for first, last, team in STAFF:
        factories.employee(employer, first_name=first, last_name=last, team=team, approver_id=users["manager"].id)
    factories.employee(
        employer,
        first_name="Emma",
        last_name="Employee",
        team="Bakery",
        email=USERS["employee"].email,
        user_id=users["employee"].id,
        approver_id=users["manager"].id,
    )
    db.session.commit()


@pytest.fixture
def live_server(tmp_path, monkeypatch, compiled_catalogs):
    monkeypatch.setenv("ILA_INSTANCE_PATH", str(tmp_path / "instance"))
    outbox = tmp_path / "outbox"
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'browser.sqlite3'}",
        MAIL_OUTBOX=str(outbox),
        MAIL_SERVER=None,
        PASSWORD_HASH_FAST=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_ENABLED=True,
        WTF_CSRF_ENABLED=True,
        TODAY=TODAY,
    )
    app = create_app(config)
    with app.app_context():
        db.create_all()
        _seed()
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"  # the links in mail open this server
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{server.server_port}",
            app=app,
            outbox=outbox,
            employer_name=EMPLOYER_NAME,
            users=dict(USERS),
            staff=[f"{first} {last}" for first, last, _ in STAFF],
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def sign_in(live_server):
    """Sign in through the real form: sign_in(page, role) or sign_in(page, email=..., password=...)."""
    from playwright.sync_api import expect

    def _sign_in(page, role: str | None = None, *, email: str | None = None, password: str | None = None):
        if role is not None:
            email, password = live_server.users[role].email, live_server.users[role].password
        page.goto(f"{live_server.url}/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(f"{live_server.url}/")
        expect(page.locator("main h1")).to_be_visible()

    return _sign_in
