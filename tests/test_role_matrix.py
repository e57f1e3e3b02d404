"""The role matrix over every route of ``app.url_map``: which roles get in, and which are refused.

``MATRIX`` has one line per endpoint: the method the matrix checks (GET for a page, POST for an action that
has no page) and the roles it lets in; every other role is refused (signed out: sent to the sign-in page;
signed in: 403 or 404). A refused POST, on every route that takes one, must change no row. The table's keys
must be the app's endpoints, so a new route fails here until someone decides who may use it.

The roles are single roles of one employer (no one is both admin and manager here). ``other-manager`` is a
manager who is not the approver of the employee the URLs name: what a manager sees of any staff member, and
what only their own approver sees. The app has no platform superuser: the job runs are an admin's page (of
any employer). Being let in through a route's door is what is checked; whether the action then succeeds
(an approval by someone who is not the request's approver is refused with a message) is its feature's test.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import request_started, url_for
from sqlalchemy import select, text

from ila_sme.accounts import services as accounts
from ila_sme.calendar import services as calendar
from ila_sme.employers.models import Membership
from ila_sme.extensions import db
from ila_sme.factory import create_app
from ila_sme.funding import services as funding
from ila_sme.leave.assessments import FinalAssessment
from ila_sme.mail.outbox import queue_mail
from ila_sme.people.history import ContractPeriod
from ila_sme.worktime import services as worktime
from tests import factories
from tests.conftest import _fresh_g_per_request, settings
from tests.support import database, hostile

TODAY = date(2026, 3, 2)
ROLES = ("signed-out", "employee", "manager", "other-manager", "accountant", "admin")
ANYONE = " ".join(ROLES)
MEMBERS = "employee manager other-manager accountant admin"
MANAGERS = "manager other-manager admin"
FINANCE = "accountant admin"
DECIDERS = "manager other-manager accountant admin"  # the approvals inbox: a leave type may ask an accountant

MATRIX = {
    # endpoint: (method checked, roles let in)
    "static": ("GET", ANYONE),
    "home.healthz": ("GET", ANYONE),
    "home.index": ("GET", MEMBERS),
    # signing in and out, invitations, passwords, language
    "accounts.login": ("GET", ANYONE),  # a signed-in user is sent home
    "accounts.logout": ("POST", MEMBERS),  # answers with the sign-in page: test_signing_out below
    "accounts.forgot_password": ("GET", ANYONE),
    "accounts.reset_password": ("GET", ANYONE),  # the token says who
    "accounts.accept_invitation": ("GET", ANYONE),  # the token says who
    "accounts.change_password": ("GET", MEMBERS),
    "accounts.set_language": ("POST", ANYONE),
    "accounts.switch_employer": ("POST", MEMBERS),  # to one of one's own employers
    "accounts.access": ("GET", "admin"),
    "accounts.remove_access": ("POST", "admin"),
    # the employer and its people
    "employers.settings": ("GET", "admin"),
    "worktime.calendar": ("GET", "admin"),
    "worktime.add_closing_days": ("POST", "admin"),
    "worktime.remove_closing_day": ("POST", "admin"),
    "employers.record_headcount": ("POST", "admin"),
    "people.index": ("GET", MANAGERS),
    "people.create": ("GET", MANAGERS),
    "people.edit": ("GET", MANAGERS),
    "people.show": ("GET", MANAGERS),
    "people.change_terms": ("POST", MANAGERS),
    "people.add_contract": ("POST", MANAGERS),
    "people.correct_contract": ("POST", MANAGERS),
    "people.import_csv": ("GET", "admin"),
    "people.invite": ("GET", MANAGERS),
    "people.invite_employee": ("POST", MANAGERS),
    "people.resend_invitation": ("POST", MANAGERS),
    "people.revoke_invitation": ("POST", MANAGERS),
    "people.link_account": ("POST", "admin"),  # who may sign in as whom: the admin, as for access
    "people.unlink_account": ("POST", "admin"),
    "audit.index": ("GET", "admin"),
    "scheduler.runs": ("GET", "admin"),
    "scheduler.retry_mail": ("POST", "admin"),
    "scheduler.run_now": ("POST", "admin"),  # queues a run only; the scheduler process carries it out
    "scheduler.run_progress": ("GET", "admin"),
    "notifications.index": ("GET", MEMBERS),
    "notifications.badge": ("GET", MEMBERS),
    "notifications.mark_read": ("POST", MEMBERS),
    # leave: one's own (the employee role), the employee's balances (themself, their approver, an admin)
    "leave.my_balances": ("GET", "employee"),
    "leave.my_requests": ("GET", "employee"),
    "leave.my_assessments": ("GET", "employee"),
    "leave.record_assessment": ("POST", "employee"),
    "leave.assessment_proof": ("GET", "employee accountant admin"),  # the employee's own, and finance
    "leave.new_request": ("GET", "employee"),
    "leave.preview": ("GET", "employee"),
    "leave.cofunding_fields": ("GET", "employee"),
    "leave.training_options": ("GET", "employee"),
    "leave.withdraw": ("POST", "employee"),
    "leave.ask_cancellation": ("POST", "employee"),
    "leave.employee_balances": ("GET", "employee manager admin"),
    "leave.correct_balance": ("POST", "admin"),
    "schemes.settings": ("GET", "admin"),
    "schemes.new_version": ("GET", "admin"),
    "schemes.update_leave_type": ("POST", "admin"),
    "approvals.inbox": ("GET", DECIDERS),
    "approvals.approve": ("POST", DECIDERS),
    "approvals.reject": ("POST", DECIDERS),
    "approvals.bulk_approve": ("POST", DECIDERS),
    "approvals.badge": ("GET", DECIDERS),
    "approvals.approve_funding": ("POST", MANAGERS),  # co-funding: managers and admins decide it
    "approvals.reject_funding": ("POST", MANAGERS),
    "calendar.month": ("GET", MEMBERS),
    "calendar.feeds": ("GET", MEMBERS),
    "calendar.create_feed": ("POST", MEMBERS),
    "calendar.revoke_feed": ("POST", MEMBERS),
    "calendar.feed": ("GET", ANYONE),  # the feed's secret token is the key (a calendar app has no session)
    # trainings
    "trainings.index": ("GET", MEMBERS),
    "trainings.detail": ("GET", MEMBERS),
    "trainings.new": ("GET", "admin"),
    "trainings.sync_runs": ("GET", "admin"),
    # co-funding: employees ask for themselves, managers and admins grant top-ups and decide
    "funding.new": ("GET", "employee manager other-manager admin"),
    "funding.new_preview": ("GET", "employee manager other-manager admin"),
    "funding.training_options": ("GET", "employee"),  # a course fee is asked for oneself
    "funding.requests": ("GET", "employee manager other-manager admin"),
    "funding.approve": ("POST", MANAGERS),
    "funding.reject": ("POST", MANAGERS),
    "funding.cancel": ("POST", "employee admin"),  # whoever is involved withdraws, an admin cancels
    "funding.budget": ("GET", DECIDERS),
    "funding.policy": ("GET", "admin"),
    # learning accounts: one's own, or an employee's (themself, their approver, an admin)
    "learning_accounts.mine": ("GET", MEMBERS),
    "learning_accounts.refresh": ("POST", MEMBERS),
    "learning_accounts.employee": ("GET", "employee manager admin"),
    "learning_accounts.refresh_employee": ("POST", "employee manager admin"),
    # micro-credentials: the employee and an admin manage them; any manager sees what is shared (skills)
    "credentials.mine": ("GET", MEMBERS),
    "credentials.employee": ("GET", "employee manager other-manager admin"),
    "credentials.detail": ("GET", "employee manager other-manager admin"),
    "credentials.original": ("GET", "employee manager other-manager admin"),
    "credentials.new": ("GET", "employee admin"),
    "credentials.upload": ("POST", "employee admin"),
    "credentials.share": ("POST", "employee admin"),
    "credentials.unshare": ("POST", "employee admin"),
    "credentials.skills": ("GET", MANAGERS),
    "credentials.skills_csv": ("GET", MANAGERS),
    # the accountants' work: reconciliation, refunds, statements
    "reconciliation.index": ("GET", FINANCE),
    "reconciliation.runs": ("GET", FINANCE),
    "reconciliation.run": ("GET", FINANCE),
    "reconciliation.run_status": ("GET", FINANCE),
    "reconciliation.start": ("POST", FINANCE),
    "reconciliation.differences": ("GET", FINANCE),
    "reconciliation.accept": ("POST", FINANCE),
    "reconciliation.ask_reversal": ("POST", FINANCE),
    "reconciliation.link": ("POST", FINANCE),
    "reconciliation.record_outside": ("POST", FINANCE),
    "reconciliation.resubmit": ("POST", FINANCE),
    "reconciliation.write_off": ("POST", FINANCE),
    "refunds.vov": ("GET", FINANCE),
    "refunds.record_assessment": ("POST", FINANCE),
    "statements.index": ("GET", FINANCE),
    "statements.log": ("GET", FINANCE),
    "statements.close_confirm": ("GET", FINANCE),
    "statements.close": ("POST", FINANCE),
    "statements.download": ("POST", FINANCE),
    "statements.audit_log": ("POST", FINANCE),
    "statements.training_account": ("POST", FINANCE),
    "statements.vov_claims": ("POST", FINANCE),
}

# The query string that takes a GET to the page a role would open (the form's kind, the period to close).
QUERIES = {"funding.training_options": {"kind": "course-fee"}, "statements.close_confirm": {"period": "2026-02"}}
# An allowed role's POSTs, one endpoint after the other, in this order: the roles that only pass the door first,
# so the one whose action changes the row (the approver, the employee) still finds it as the others left it.
ALLOWED_ORDER = ("signed-out", "accountant", "other-manager", "admin", "manager", "employee")


# The world: one employer, one user per role, one row behind every url parameter --------------------------------


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory, sqlite_template):
    """An app and database of the module's own: the world is built once and every role walks it."""
    url = os.environ.get("TEST_DATABASE_URL")
    folder = tmp_path_factory.mktemp("role-matrix")
    if not database.is_postgresql(url):
        database.copy_sqlite_template(sqlite_template, folder / "matrix.sqlite3")
        url = f"sqlite:///{folder / 'matrix.sqlite3'}"
    app = create_app(settings(SQLALCHEMY_DATABASE_URI=url, MAIL_OUTBOX=str(folder / "outbox"), TODAY=TODAY))
    app.instance_path = str(folder / "instance")
    request_started.connect(_fresh_g_per_request, app)
    with app.app_context():
        if database.is_postgresql(url):
            database.reset_postgresql()
        yield app
        db.session.remove()
        db.engine.dispose()


def _build_world(app) -> dict:
    """Users by role, the values of every url parameter, and the body of a POST that needs one to get in."""
    bakery = factories.employer("Bakkerij Matrix")
    users = {role: factories.user(f"{role}@matrix.be", roles={bakery: role.removeprefix("other-")})
             for role in ROLES if role != "signed-out"}
    spare = factories.user("spare@matrix.be", roles={bakery: "employee"})  # whose role the admin withdraws
    record = factories.employee(bakery, user_id=users["employee"].id, approver_id=users["manager"].id)
    leave = factories.leave_request(record, users["employee"])
    funding.set_policy(actor=users["admin"], employer=bakery, year=TODAY.year, budget=Decimal("10000"),
                       cap_per_employee=Decimal("1500"), max_share_pct=Decimal("80"), gives_top_up=True,
                       gives_course_fee=True, admin_approval_above=Decimal("1000"))
    cofunding = factories.funding_request(record, users["employee"], year=TODAY.year, asked_on=TODAY)
    run = factories.reconciliation_run(bakery)
    assessment = FinalAssessment(employer_id=bakery.id, employee_id=record.id, training_id=factories.training().id,
                                 taken_on=TODAY, proof=b"%PDF-1.4", proof_content_type="application/pdf",
                                 proof_filename="proof.pdf", recorded_by_id=users["employee"].id)
    db.session.add(assessment)
    invitation = accounts.invite(actor=users["admin"], employer=bakery, email="invitee@matrix.be", name="Invitee",
                                 role="employee")
    _feed, feed_token = calendar.create_feed(actor=users["employee"], employer=bakery)
    mail = queue_mail("someone@matrix.be", "Hello", "A message.", employer_id=bakery.id)
    db.session.flush()
    static = next(path for path in sorted(Path(app.static_folder).rglob("*")) if path.is_file())
    values = {
        "employee_id": record.id, "request_id": leave.id, "funding_id": cofunding.id, "invitation_id": invitation.id,
        "credential_id": factories.credential(record).id, "reconciliation_run_id": run.id,
        "difference_id": factories.difference(bakery, first_run_id=run.id, last_run_id=run.id).id,
        "leave_type_id": leave.leave_type_id, "training_id": factories.training().id,
        "mail_id": mail.id, "period_id": db.session.scalar(select(ContractPeriod.id).where(
            ContractPeriod.employee_id == record.id)),
        "assessment_id": assessment.id,
        "membership_id": db.session.scalar(select(Membership.id).where(Membership.user_id == spare.id)),
        "closing_day_id": worktime.add_closing_days(actor=users["admin"], employer=bakery, first=TODAY, last=None,
                                                    name="Closed", today=TODAY)[0].id,
        "filename": static.relative_to(app.static_folder).as_posix(),
        "job_name": "registry-sync",
    }
    tokens = {"accounts.accept_invitation": accounts.invitation_token(invitation), "calendar.feed": feed_token,
              "accounts.reset_password": accounts._serializer("password-reset").dumps(
                  {"u": record.user_id, "h": users["employee"].password_hash[-16:]})}
    world = {"emails": {role: user.email for role, user in users.items()} | {"signed-out": ""},
             "values": values, "tokens": tokens, "bodies": {"accounts.switch_employer": {"employer_id": bakery.id}}}
    db.session.commit()
    db.session.remove()
    return world


@pytest.fixture(scope="module")
def world(matrix_app) -> dict:
    """The world, and each endpoint's URL with real ids (and the methods it takes)."""
    with matrix_app.test_request_context(method="POST"):  # the invitation's mail needs one
        built = _build_world(matrix_app)
        built["routes"] = {rule.endpoint: (_url(rule, built), rule.methods - {"HEAD", "OPTIONS"})
                           for rule in matrix_app.url_map.iter_rules()}
    return built


def _url(rule, world: dict) -> str:
    """The rule's URL with the world's ids, or its token for the routes that take one."""
    token = world["tokens"].get(rule.endpoint)
    return url_for(rule.endpoint, **{name: token or world["values"][name] for name in rule.arguments})


@pytest.fixture(scope="module")
def clients(matrix_app, world) -> dict:
    """One client per role, signed in (its CSRF token as ``csrf``)."""
    made = {}
    for role in ROLES:
        made[role] = matrix_app.test_client()
        made[role].csrf = hostile.sign_in(made[role], world["emails"][role])
    return made


# Reading the answers ----------------------------------------------------------------------------------------


def let_in(response) -> bool:
    """Past the route's door: anything but 401/403/404 or a redirect to the sign-in page."""
    return response.status_code not in (401, 403, 404) and not sent_to_sign_in(response)


def sent_to_sign_in(response) -> bool:
    return 300 <= response.status_code < 400 and response.headers.get("Location", "").startswith("/login")


def refusal_fits(role: str, response) -> bool:
    """Signed out: sent to the sign-in page; signed in: 403, or 404 for what the role may not even know of."""
    if role == "signed-out":
        return sent_to_sign_in(response)
    return response.status_code in (403, 404)


def answer_fits(role: str, expected: bool, response) -> bool:
    if response.status_code >= 500:
        return False
    return let_in(response) if expected else refusal_fits(role, response)


def snapshot() -> str:
    """Every committed row of every table, as one digest: a refused request must leave it as it was."""
    digest = hashlib.sha256()
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = connection.execute(text(f'SELECT * FROM "{table.name}"')).all()
            digest.update(repr((table.name, sorted(map(repr, rows)))).encode())
    return digest.hexdigest()


def allowed(endpoint: str) -> set[str]:
    return set(MATRIX[endpoint][1].split())


def _post(client, world, endpoint: str):
    url = world["routes"][endpoint][0]
    response = client.post(url, data={"csrf_token": client.csrf, **world["bodies"].get(endpoint, {})})
    db.session.remove()  # a real server gives every request a fresh session
    return response


# The tests --------------------------------------------------------------------------------------------------


def test_the_matrix_has_a_line_for_every_endpoint(matrix_app):
    endpoints = {rule.endpoint: rule.methods for rule in matrix_app.url_map.iter_rules()}
    assert sorted(set(endpoints) - set(MATRIX)) == [], "routes without a line in MATRIX: decide who may use them"
    assert sorted(set(MATRIX) - set(endpoints)) == [], "lines in MATRIX for routes the app no longer has"
    for endpoint, (method, roles) in MATRIX.items():
        assert method == ("GET" if "GET" in endpoints[endpoint] else "POST"), endpoint
        assert set(roles.split()) <= set(ROLES), endpoint


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_the_pages_the_matrix_gives_it(world, clients, role):
    wrong = []
    for endpoint, (method, _roles) in sorted(MATRIX.items()):
        if method != "GET":
            continue
        response = clients[role].get(world["routes"][endpoint][0], query_string=QUERIES.get(endpoint, {}))
        db.session.remove()
        expected = role in allowed(endpoint)
        if not answer_fits(role, expected, response):
            wrong.append(f"{endpoint}: {response.status_code} {response.headers.get('Location', '')}"
                         f" (expected {'in' if expected else 'refused'})")
    assert wrong == [], f"{role}:\n" + "\n".join(wrong)


def test_a_refused_post_is_refused_and_changes_no_row(world, clients):
    """Every route that takes a POST, as every role it refuses (the GET-and-POST forms too)."""
    wrong = []
    before = snapshot()
    for endpoint in sorted(MATRIX):
        url, methods = world["routes"][endpoint]
        if "POST" not in methods:
            continue
        for role in sorted(set(ROLES) - allowed(endpoint)):
            response = _post(clients[role], world, endpoint)
            after = snapshot()
            if not refusal_fits(role, response):
                wrong.append(f"{role} POST {url}: {response.status_code} {response.headers.get('Location', '')}")
            if after != before:
                wrong.append(f"{role} POST {url}: refused but a row changed")
            before = after
    assert wrong == [], "\n".join(wrong)


def test_an_allowed_role_gets_past_the_door_of_each_action(world, clients):
    """The POST-only routes, as each role the matrix lets in (the page routes' forms are their features' tests)."""
    wrong = []
    for endpoint, (method, _roles) in sorted(MATRIX.items()):
        if method != "POST" or endpoint == "accounts.logout":
            continue
        for role in (role for role in ALLOWED_ORDER if role in allowed(endpoint)):
            response = _post(clients[role], world, endpoint)
            if response.status_code >= 500 or not let_in(response):
                wrong.append(f"{role} POST {endpoint}: {response.status_code} {response.headers.get('Location', '')}")
    assert wrong == [], "\n".join(wrong)


def test_signing_out(matrix_app, world):
    """Logout lets every member in and answers with the sign-in page; signed out, there is nothing to end."""
    for role in ROLES:
        client = matrix_app.test_client()
        client.csrf = hostile.sign_in(client, world["emails"][role])
        response = _post(client, world, "accounts.logout")
        assert sent_to_sign_in(response), role
        assert sent_to_sign_in(client.get("/")), role
        db.session.remove()
