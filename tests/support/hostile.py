"""The hostile-input walk: a small world with every role, the hostile values, and one walker that sends them
to a route of ``app.url_map`` and records every 5xx (or exception) and every rejected request that changed
a table.

Which form fields and query parameters a route reads is found out, not listed: the requests are made with a
``parameter_storage_class`` that records every name a view or a WTForms form asks for (``in``, ``get``,
``getlist``, ``[]``). The values around the hostile one come from the route's form as a GET page renders it,
so one bad field is tried with the others valid.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import quote

from flask import url_for
from sqlalchemy import select, text
from werkzeug.datastructures import ImmutableMultiDict

from ila_sme.accounts import services as accounts
from ila_sme.calendar import services as calendar
from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from ila_sme.funding import services as funding
from ila_sme.leave.assessments import FinalAssessment
from ila_sme.mail.outbox import queue_mail
from ila_sme.notifications.models import Notification
from ila_sme.worktime import services as worktime
from tests import factories

HOSTILE = (
    "99999999999999999999",  # 20 digits: beyond every integer column
    "-99999999999999999999",
    "-1",
    "0",
    "1e308",
    "-1e308",
    "1e-308",
    "NaN",
    "Infinity",
    "-Infinity",
    " ",
    "\x00",
    "ab\x00cd",
    "line\r\nBcc: someone@example.com",
    "2026-02-30",
    "99999-12-31",
    "9999-12-31",
    "0001-01-01",
    "\u0663\u0664",  # Arabic-Indic digits: int() takes them
    "1_000",
    "x" * 60_000,  # over SQLite's LIKE pattern limit, under the form size limit
    "y" * 1_000_000,  # 1 MB
)
# The same value in every name: what passes for "given" and then for blank, a number too large, a NUL.
HOSTILE_EVERYWHERE = (" ", "1e308", "99999999999999999999", "ab\x00cd")
# One name at a time, the others valid: the values a form must stop before they reach the database.
HOSTILE_ONE_BY_ONE = (" ", "1e308", "99999999999999999999", "ab\x00cd", "line\r\nBcc: someone@example.com",
                      "9999-12-31")
HOSTILE_IDS = ("99999999999999999999", "2147483648", "9223372036854775808", "-1", "0")
HOSTILE_TOKENS = ("x" * 5000, "%00", "a%0D%0Ab", "..%2F..%2Fsecret", "99999999999999999999")


def hostile_files() -> list[tuple[bytes, str]]:
    """Uploads no importer should choke on: an over-long CSV field, binary, empty, deep JSON, bad UTF-8."""
    return [
        (b"first_name,last_name\n" + b"a" * 200_000 + b",b\n", "long-field.csv"),
        (b"\x00\x01\x02\xff\xfe" * 1000, "binary.json"),
        (b"", "empty.csv"),
        (b"[" * 100_000 + b"]" * 100_000, "deep.json"),
        (b"\xff\xfeb\x00a\x00d\x00", "bad-utf8.csv"),
    ]


# The world --------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, str]  # role name -> e-mail
    ids: dict[str, int]  # url parameter name -> a real id
    tokens: dict[str, str]  # endpoint -> a real token


def build_world(today: date) -> World:
    """Two employers; the first with an admin+manager, a manager, an employee (with an account), an
    accountant, and one of everything the routes name by id."""
    bakery, other = factories.employer(name="Bakery"), factories.employer(name="Elsewhere")
    boss = factories.user(roles={bakery: ["admin", "manager"]})
    manager = factories.user(roles={bakery: ["manager", "employee"]})
    worker = factories.user(roles={bakery: "employee"})
    accountant = factories.user(roles={bakery: "accountant", other: "accountant"})
    factories.user(roles={other: ["admin", "manager"]})
    record = factories.employee(bakery, user_id=worker.id, approver_id=manager.id, email=worker.email, team="Shop")
    factories.employee(bakery, user_id=manager.id, approver_id=boss.id, email=manager.email, team="Bakehouse")
    factories.employee(other)
    training = factories.training()
    factories.training(bakery, title="Own training")
    leave = factories.leave_request(record, worker)
    funding.set_policy(actor=boss, employer=bakery, year=today.year, budget=Decimal("10000"),
                       cap_per_employee=Decimal("1500"), max_share_pct=Decimal("80"), gives_top_up=True,
                       gives_course_fee=True, admin_approval_above=Decimal("1000"))
    cofunding = factories.funding_request(record, worker, year=today.year, asked_on=today)
    run = factories.reconciliation_run(bakery)
    difference = factories.difference(bakery, first_run_id=run.id, last_run_id=run.id)
    credential = factories.credential(record)
    assessment = FinalAssessment(employer_id=bakery.id, employee_id=record.id, training_id=training.id,
                                 taken_on=today, proof=b"%PDF-1.4", proof_content_type="application/pdf",
                                 proof_filename="proof.pdf", recorded_by_id=worker.id)
    db.session.add(assessment)
    invitation = accounts.invite(actor=boss, employer=bakery, email="invitee@example.be", name="Invitee",
                                 role="employee")
    _feed, feed_token = calendar.create_feed(actor=worker, employer=bakery)
    db.session.add(Notification(user_id=worker.id, employer_id=bakery.id, message="Hello", link="/"))
    mail = queue_mail("someone@example.be", "Hello", "A message.", employer_id=bakery.id)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == manager.id,
                                                            Membership.employer_id == bakery.id).limit(1))
    db.session.flush()
    leave_type_id = leave.leave_type_id
    closing_day = worktime.add_closing_days(actor=boss, employer=bakery, first=today, last=None, name="Closed",
                                            today=today)[0]
    reset = accounts._serializer("password-reset").dumps({"u": worker.id, "h": (worker.password_hash or "")[-16:]})
    world = World(
        users={"admin": boss.email, "manager": manager.email, "employee": worker.email,
               "accountant": accountant.email, "anonymous": ""},
        ids={"employee_id": record.id, "request_id": leave.id, "credential_id": credential.id,
             "funding_id": cofunding.id, "invitation_id": invitation.id, "difference_id": difference.id,
             "reconciliation_run_id": run.id, "leave_type_id": leave_type_id, "training_id": training.id,
             "mail_id": mail.id, "membership_id": membership.id, "closing_day_id": closing_day.id,
             "assessment_id": assessment.id},
        tokens={"accounts.accept_invitation": accounts.invitation_token(invitation),
                "accounts.reset_password": reset, "calendar.feed": feed_token, "static": "htmx.min.js"},
    )
    db.session.commit()
    db.session.remove()
    return world


# Finding out what a route reads ------------------------------------------------------------------


class RecordingMultiDict(ImmutableMultiDict):
    """Request args, form and files that note every name asked for."""

    read: set[str] = set()

    def __contains__(self, key):
        RecordingMultiDict.read.add(key)
        return super().__contains__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        RecordingMultiDict.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        RecordingMultiDict.read.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        RecordingMultiDict.read.add(key)
        return super().__getitem__(key)


def record_reads(app) -> None:
    app.request_class = type("RecordingRequest", (app.request_class,),
                             {"parameter_storage_class": RecordingMultiDict})


class _Forms(HTMLParser):
    """Every form of a page: its action, method and the values its controls would send."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                               "fields": {}, "files": set()})
        if not self.forms:
            return
        fields, name = self.forms[-1]["fields"], attrs.get("name")
        if tag == "option" and self._select:
            if self._select not in fields or "selected" in attrs:
                fields[self._select] = attrs.get("value") or ""
        if not name:
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind == "file":
                self.forms[-1]["files"].add(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    fields.setdefault(name, attrs.get("value") or "y")
            elif kind not in ("submit", "button", "image", "reset"):
                fields[name] = attrs.get("value") or ""
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def page_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


# The walk ---------------------------------------------------------------------------------------


def table_counts() -> dict[str, int]:
    """Committed rows of every table, read on a connection of its own (what another request would see)."""
    tables = db.metadata.sorted_tables
    query = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t.name})" for t in tables)
    with db.engine.connect() as connection:
        row = connection.execute(text(query)).one()
    return dict(zip((t.name for t in tables), row, strict=True))


def _short(value) -> str:
    value = repr(value)
    return value if len(value) <= 40 else value[:30] + f"…({len(value)} chars)"


@dataclass
class Walk:
    """One route (rule + method), walked as one user. ``problems`` says what went wrong, readably."""

    client: object
    method: str
    csrf: str
    problems: list[str] = field(default_factory=list)

    counts: dict | None = None  # after the last request: what the next one starts from

    def send(self, url: str, *, args=None, data=None, label: str = "", htmx: bool = False) -> object | None:
        counts = self.counts or table_counts()
        RecordingMultiDict.read = set()
        headers = {"HX-Request": "true"} if htmx else {}
        try:
            if self.method == "GET":
                response = self.client.get(url, query_string=args or {}, headers=headers)
            else:
                response = self.client.open(url, method=self.method, query_string=args or {}, headers=headers,
                                            data={"csrf_token": self.csrf, **(data or {})},
                                            content_type="multipart/form-data")
        except Exception as error:  # noqa: BLE001 - any exception is a 500 in production
            db.session.rollback()
            self.counts = None
            self.problems.append(f"{self.method} {url} {label}: {type(error).__name__}: {str(error)[:200]}")
            return None
        finally:
            db.session.remove()  # a real server gives every request a fresh session
        after = self.counts = table_counts()
        changed = {name: (count, after[name]) for name, count in counts.items() if after[name] != count}
        if response.status_code >= 500:
            self.problems.append(f"{self.method} {url} {label}: status {response.status_code}")
        elif changed and rejected(self.method, response):  # (a GET that writes: readonly.py raises, a 5xx here)
            self.problems.append(f"{self.method} {url} {label}: refused ({response.status_code}) but wrote {changed}")
        return response


ERROR_MARKERS = ('aria-invalid="true"', 'class="field-error"', 'class="errors-list"')


def rejected(method: str, response) -> bool:
    """A refusal: a 4xx, or a POST answered with its form again, showing an error (a page that says what was
    done, a redirect or a file is a success)."""
    if response.status_code >= 400:
        return True
    if method == "GET" or response.status_code != 200 or response.mimetype != "text/html":
        return False
    page = response.get_data(as_text=True)
    return any(marker in page for marker in ERROR_MARKERS)


CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')


def sign_in(client, email: str) -> str:
    """Signs ``email`` in (none: stays anonymous) and returns the session's CSRF token."""
    page = client.get("/login").get_data(as_text=True)
    db.session.remove()
    token = CSRF_IN_PAGE.search(page).group(1)
    if email:
        response = client.post("/login", data={"email": email, "password": factories.PASSWORD, "csrf_token": token})
        db.session.remove()
        assert response.status_code == 302, f"{email} could not sign in"
    page = client.get("/login", follow_redirects=True).get_data(as_text=True)
    db.session.remove()
    return CSRF_IN_PAGE.search(page).group(1)


def baseline(client, url: str, method: str, get_urls: list[str]) -> tuple[dict, set]:
    """The values the route's form sends as a page renders it (the same URL's page, or a page near it)."""
    path = url.split("?")[0]
    for page_url in get_urls:
        response = client.get(page_url, follow_redirects=True)
        db.session.remove()
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in page_forms(response.get_data(as_text=True)):
            action = form["action"].split("?")[0] or response.request.path
            if action == path and form["method"] == method.lower():
                fields = {k: v for k, v in form["fields"].items() if k != "csrf_token"}
                return fields, form["files"]
    return {}, set()


def answered(response) -> bool:
    """The route let this user in (not a 401/403/404/405, nor a redirect to the sign-in page)."""
    if response is None:
        return True
    if response.status_code in (401, 403, 404, 405):
        return False
    return not (response.status_code == 302 and "/login" in response.headers.get("Location", ""))


def walk_route(walk: Walk, url: str, hostile_urls: list[str], get_urls: list[str], thorough: bool) -> bool:
    """Hostile values in the names the route reads, and hostile urls (one plain request each). Returns whether
    the route let the user in.

    Every user: a blank in every name, and a few rotations. The first user the route lets in (``thorough``):
    every hostile value in every name, in rotation (request k gives name i value k + i, so the requests cover
    every pair), the same value in every name for the values that pass for blank or number, and one name at
    a time with the others as the page's form has them (so the value reaches past the form into the view),
    plus hostile files in each file field."""
    method = walk.method
    fields, file_names = baseline(walk.client, url, method, get_urls) if method != "GET" else ({}, set())
    first = walk.send(url, data=fields if method != "GET" else None, label="(discovery)")
    names = sorted((RecordingMultiDict.read | set(fields)) - {"csrf_token"})
    let_in = answered(first)
    thorough = thorough and let_in
    for bad_url in hostile_urls:
        walk.send(bad_url, data=fields if method != "GET" else None, label="(hostile url)")

    def request(values: dict, label: str, htmx: bool = False):
        if method == "GET":
            walk.send(url, args={**fields, **values}, label=label, htmx=htmx)
        else:
            walk.send(url, data={**fields, **values}, label=label, htmx=htmx)

    if not names:
        return let_in
    for value in HOSTILE_EVERYWHERE if thorough else HOSTILE_EVERYWHERE[:1]:
        request({name: value for name in names}, f"(every name = {_short(value)})")
    for shift in range(len(HOSTILE)) if thorough else range(0, len(HOSTILE), 8):
        request({name: HOSTILE[(i + shift) % len(HOSTILE)] for i, name in enumerate(names)}, f"(rotation {shift})")
    if thorough:
        for name in names:  # as htmx asks (a fragment): the other code path, and quicker to render
            for value in HOSTILE_ONE_BY_ONE:
                request({name: value}, f"({name} = {_short(value)}, htmx)", htmx=True)
        for name in sorted(file_names | ({"file"} & set(names))) if method != "GET" else ():
            for content, filename in hostile_files():
                request({name: (io.BytesIO(content), filename)}, f"({name} = file {filename})")
    return let_in


def route_urls(rule, world: World) -> tuple[str, list[str]]:
    """The rule's URL with real ids (or token), and the same with hostile ones."""
    if not rule.arguments:
        return url_for(rule.endpoint), []
    real = {}
    hostile: list[str] = []
    for name in rule.arguments:
        if name in world.ids:
            real[name] = world.ids[name]
        elif rule.endpoint in world.tokens:
            real[name] = world.tokens[rule.endpoint]
        else:  # a route newer than the world: the first row of its table, or a token that is none
            real[name] = 1 if type(rule._converters[name]).__name__.endswith(("IdConverter", "IntegerConverter")) \
                else "unknown"
    url = url_for(rule.endpoint, **real)
    for name in rule.arguments:
        bad_values = HOSTILE_IDS if isinstance(real[name], int) else HOSTILE_TOKENS
        for bad in bad_values:
            hostile.append(url.replace(_quoted(real[name]), bad, 1))
    return url, hostile


def _quoted(value) -> str:
    return quote(str(value), safe="/")
