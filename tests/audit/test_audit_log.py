"""The audit log is append-only: the ORM refuses, and so does the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from ila_sme.audit.models import AuditEvent, AuditLogIsAppendOnly
from ila_sme.audit.services import record
from ila_sme.extensions import db
from tests import factories


@pytest.fixture
def event(app):
    employer = factories.employer()
    saved = record("employer.created", employer_id=employer.id, obj=employer, after={"name": employer.name})
    db.session.commit()
    return saved


def test_the_orm_refuses_to_update_an_event(event):
    event.action = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).action == "employer.created"


def test_the_orm_refuses_to_delete_an_event(event):
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id) is not None


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"])
def test_the_database_refuses_raw_changes(event, statement):
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).action == "employer.created"


def test_record_keeps_who_what_and_when(app, event):
    assert event.object_type == "Employer"
    assert event.object_id is not None
    assert event.occurred_at.tzinfo is not None
    assert event.after == {"name": event.after["name"]}


def test_admin_sees_the_log_and_its_htmx_pages(client, auth, app):
    employer = factories.employer("Logged BV")
    admin = factories.user("a@example.be", roles={employer: "admin"})
    for n in range(55):
        record(f"test.event{n}", actor=admin, employer_id=employer.id)
    other = factories.employer("Other BV")
    record("secret.other", employer_id=other.id)
    db.session.commit()
    auth.login(admin)
    page = client.get("/audit").get_data(as_text=True)
    assert "test.event54" in page and "secret.other" not in page
    assert 'href="/audit?from=50" rel="next" hx-get="/audit?from=50" hx-target="closest tr"' in page
    fragment = client.get("/audit?from=50", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "<table" not in fragment and fragment.lstrip().startswith("<tr id=")
    assert "test.event0" in fragment and "test.event54" not in fragment  # the older events, alone
    assert 'rel="next"' not in fragment  # 55 events and the sign-in: the last ones


def test_each_event_reads_as_a_dutch_sentence_with_a_link_and_the_data_on_demand(client, auth, app):
    employer = factories.employer("Zinnen BV")
    admin = factories.user("els@example.be", name="Els Van Damme", roles={employer: "admin"}, language="nl")
    sarah = factories.employee(employer, first_name="Sarah", last_name="Janssens")
    record("employee.created", actor=admin, employer_id=employer.id, obj=sarah, after={"first_name": "Sarah"})
    gone = record("leave.requested", actor=admin, employer_id=employer.id, after={"days": "2"})
    gone.object_type, gone.object_id = "LeaveRequest", "999999"  # an object that no longer exists
    db.session.commit()
    auth.login(admin)
    page = client.get("/audit", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert (f'Els Van Damme heeft <a href="/people/{sarah.id}">Sarah Janssens</a> toegevoegd aan het personeel'
            in page)
    assert "Els Van Damme diende opleidingsverlofaanvraag 999999 in" in page  # no link: it is gone
    sentence_cell = page.split('class="audit-sentence"')[1].split("</td>")[0]
    assert "employee.created" not in sentence_cell and "{" not in sentence_cell
    assert "<details>" in page and "<code>employee.created</code>" in page  # the codes and JSON on demand
