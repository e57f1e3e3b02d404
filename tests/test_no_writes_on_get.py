"""A GET never writes: every GET route of ``app.url_map``, as every role, changes no row.

A world built with the factories (an employer with an admin, a manager, an employee whose period
is not allocated yet, an accountant, and data behind every url parameter) is visited route by
route; the row count of every table must stay the same and no flush may carry a change. The
guard (``ila_sme.readonly``) refuses such a write in tests: it is tested here too, and so are the
few views allowed to write on GET by design (``@writes_on_get`` with a reason).
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Blueprint, has_request_context, request, url_for
from sqlalchemy import event, func, select

from ila_sme import readonly
from ila_sme.accounts.models import Invitation
from ila_sme.accounts.services import invitation_token
from ila_sme.calendar import services as calendar
from ila_sme.extensions import db
from ila_sme.leave.assessments import FinalAssessment
from ila_sme.leave.models import LedgerEntry
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind, LeaveType
from tests import factories

TODAY = date(2026, 3, 2)
ROLES = ("admin", "manager", "employee", "accountant", None)  # None: signed out
# The views that write on GET by design, each with its reason in the code: adding one is a decision.
EXEMPT = {"calendar.feed", "learning_accounts.mine", "learning_accounts.employee"}


@pytest.fixture
def world(app):
    app.config["TODAY"] = TODAY
    employer = factories.employer("Bakkerij Leest", average_fte=Decimal("12"))
    admin = factories.user("admin@leest.be", roles={employer: ["admin", "manager"]})
    manager = factories.user("manager@leest.be", roles={employer: ["manager", "employee"]})
    worker = factories.user("worker@leest.be", roles={employer: "employee"})
    accountant = factories.user("accountant@leest.be", roles={employer: "accountant"})
    boss = factories.employee(employer, user_id=manager.id, approver_id=admin.id)
    employee = factories.employee(employer, user_id=worker.id, approver_id=manager.id)  # not allocated yet
    training = factories.training(starts_on=date(2026, 3, 16), ends_on=date(2026, 3, 18))
    own_training = factories.training(employer, title="Ovenveiligheid")
    factories.leave_request(employee, worker)
    factories.funding_request(employee, worker)
    run = factories.reconciliation_run(employer)
    factories.difference(employer)
    credential = factories.credential(employee)
    assessment = FinalAssessment(employer_id=employer.id, employee_id=employee.id, training_id=own_training.id,
                                 taken_on=date(2026, 3, 18), proof=b"%PDF-1.4", proof_content_type="application/pdf",
                                 proof_filename="proof.pdf", recorded_by_id=worker.id)
    db.session.add(assessment)
    invitation = Invitation(employer_id=employer.id, email="new@leest.be", name="Nieuw", role="employee",
                            invited_by_id=admin.id)
    db.session.add(invitation)
    _feed, token = calendar.create_feed(actor=worker, employer=employer)
    db.session.commit()
    static = next(path for path in sorted(Path(app.static_folder).rglob("*")) if path.is_file())
    return {
        "users": {"admin": admin, "manager": manager, "employee": worker, "accountant": accountant},
        "employer": employer, "employee": employee, "boss": boss, "training": training,
        "own_training": own_training,
        "args": {
            "employee_id": employee.id, "credential_id": credential.id, "reconciliation_run_id": run.id,
            "training_id": training.id, "assessment_id": assessment.id,
            "filename": static.relative_to(app.static_folder).as_posix(), "job_name": "registry-sync",
        },
        "tokens": {"calendar.feed": token, "accounts.accept_invitation": invitation_token(invitation),
                   "accounts.reset_password": "not-a-valid-token"},
    }


def _queries(world) -> dict[str, list[dict]]:
    """Query strings that take a GET down its other paths (a preview, another period, a search)."""
    employer = world["employer"]
    types = {t.kind: t for t in schemes.leave_types(employer)}
    vov = {"leave_type_id": types[LeaveKind.TRAINING].id, "training_id": world["training"].id,
           "start_date": "2026-03-16", "end_date": "2026-03-18", "hours_per_day": "8"}
    next_year = {"leave_type_id": types[LeaveKind.CAREER_GUIDANCE].id, "start_date": "2027-01-11",
                 "end_date": "2027-01-12"}
    return {
        "leave.preview": [vov, next_year],
        "leave.new_request": [vov],
        "leave.cofunding_fields": [vov],
        "leave.training_options": [{"q": "oven"}],
        "leave.my_balances": [{"scheme": "vov", "period": "2024-25"}],
        "leave.employee_balances": [{"scheme": "training_right", "period": "2025"}],
        "funding.new_preview": [{"training_id": world["training"].id, "cost": "1200", "employer_share": "50"}],
        "people.index": [{"q": "Last"}],
        "trainings.index": [{"q": "oven", "page": "2"}],
        "statements.index": [{"period": "2026-Q1"}],
        "credentials.skills": [{"group": "eqf", "expiring": "y"}],
    }


def _urls(app, world) -> list[tuple[str, str]]:
    urls = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
            if "GET" not in rule.methods:
                continue
            values = {name: world["tokens"][rule.endpoint] if name == "token" else world["args"][name]
                      for name in rule.arguments}
            base = url_for(rule.endpoint, **values)
            urls.append((rule.endpoint, base))
            urls += [(rule.endpoint, f"{base}?{urlencode(query)}") for query in _queries(world).get(rule.endpoint, [])]
    return urls


def _row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


@pytest.fixture
def flushes(app):
    """Every flush that carried a change, with the request it happened in."""
    seen: list[str] = []

    def listener(session, _context, _instances):
        if session.new or session.deleted or any(session.is_modified(obj) for obj in session.dirty):
            seen.append(f"{request.method} {request.full_path}" if has_request_context() else "outside a request")

    event.listen(db.session, "before_flush", listener)
    yield seen
    event.remove(db.session, "before_flush", listener)


@pytest.mark.parametrize("role", ROLES)
def test_no_get_route_writes_for_any_role(app, world, auth, client, flushes, role):
    if role:
        auth.login(world["users"][role])
    urls = _urls(app, world)
    assert {endpoint for endpoint, _url in urls} >= {"home.index", "leave.my_balances", "leave.preview",
                                                       "schemes.settings", "calendar.feed"}
    visited, writers = 0, []
    for endpoint, url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            db.session.expire_all()
            before, flushed = _row_counts(), len(flushes)
            try:
                response = client.get(url, headers=headers)
            except readonly.WriteOnSafeRequest as error:
                writers.append(f"{url}: {error}")
                db.session.rollback()
                continue
            assert response.status_code < 500, url
            visited += 1
            if endpoint in EXEMPT:
                continue
            db.session.expire_all()
            if _row_counts() != before or len(flushes) != flushed:
                changed = {name for name, count in _row_counts().items() if before[name] != count}
                writers.append(f"{url}: tables {sorted(changed)}, flushes {flushes[flushed:]}")
    assert writers == []
    assert visited >= 2 * len(urls)


def test_the_exemptions_are_these_and_say_why(app):
    found = readonly.exemptions(app)
    assert set(found) == EXEMPT
    assert all(len(reason) > 30 for reason in found.values())
    with pytest.raises(ValueError):
        readonly.writes_on_get(" ")


def test_the_balances_of_a_period_not_allocated_are_read_without_writing(app, world, auth, client):
    """The finding of issue 11: home and balances allocated on first sight. Now they show what is missing."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    auth.login(world["users"]["employee"])
    before = _row_counts()
    home = client.get("/").get_data(as_text=True)
    balances = client.get("/leave/balances").get_data(as_text=True)
    assert _row_counts() == before
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)
                             .where(LedgerEntry.employee_id == world["employee"].id)) == 0
    assert "125 hours not allocated yet" in home  # full time: 125 h of VOV
    assert 'id="vov-unallocated"' in balances


def _probe_app(app):
    """A throwaway blueprint with a GET that writes, one exempt, and a POST that writes."""
    probe = Blueprint("probe", __name__)

    def write():
        db.session.add(LeaveType(employer_id=1, kind="probe", scheme="vov"))
        db.session.flush()
        db.session.rollback()
        return "written"

    probe.add_url_rule("/probe/get", "get", write, methods=["GET"])
    probe.add_url_rule("/probe/exempt", "exempt", readonly.writes_on_get("a probe that writes on purpose")(
        lambda: write()), methods=["GET"])
    probe.add_url_rule("/probe/post", "post", write, methods=["POST"])
    probe.add_url_rule("/probe/update", "update", lambda: (
        db.session.execute(LeaveType.__table__.update().values(active=False)), db.session.rollback(), "updated")[2],
        methods=["GET"])
    app.register_blueprint(probe)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_the_guard_refuses_a_write_on_get_and_lets_others_write(app, world, client):
    _probe_app(app)
    with pytest.raises(readonly.WriteOnSafeRequest, match=r"GET /probe/get \(probe.get\) would write LeaveType"):
        client.get("/probe/get")
    db.session.rollback()  # the test's session outlives the request (a server's would not)
    with pytest.raises(readonly.WriteOnSafeRequest, match="would execute Update"):
        client.get("/probe/update")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(LeaveType).where(LeaveType.kind == "probe")) == 0
    assert db.session.scalar(select(func.count()).select_from(LeaveType).where(LeaveType.active.is_(False))) == 0
    assert client.get("/probe/exempt").get_data(as_text=True) == "written"
    assert client.post("/probe/post").get_data(as_text=True) == "written"
    with app.test_request_context("/probe/get", method="HEAD"):
        assert readonly.request_may_write() is False
    with app.test_request_context("/probe/exempt"):
        assert readonly.request_may_write() is True


def test_in_production_the_guard_logs_instead(app, world, client, caplog):
    _probe_app(app)
    app.config["ENV_NAME"] = "production"
    with caplog.at_level(logging.ERROR, logger="ila_sme.readonly"):
        assert client.get("/probe/get").get_data(as_text=True) == "written"
    assert "GET /probe/get (probe.get) would write LeaveType" in caplog.text
