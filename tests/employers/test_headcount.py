"""The average FTE headcount per reference year: a new row each time (the latest of a year counts), audited,
signalled with ``headcount_changed``; the settings screen lists them and records one, with htmx or without."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.employers import services
from ila_sme.employers.models import EmployerHeadcount
from ila_sme.extensions import db
from ila_sme.messages import say
from tests import factories

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def in_english(english):
    """Assertions read English."""


@pytest.fixture
def admin(app):
    employer = factories.employer("Bakkerij Telling", average_fte=Decimal("8"))
    user = factories.user("admin@telling.be", roles={employer: "admin"}, name="Ada Admin")
    db.session.commit()
    return user, employer


@pytest.fixture
def sent():
    calls = []

    def receiver(employer, **kwargs):
        calls.append((employer.id, kwargs["year"], say(kwargs["change"]), kwargs["actor"], kwargs["today"]))

    services.headcount_changed.connect(receiver)
    yield calls
    services.headcount_changed.disconnect(receiver)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(EmployerHeadcount))


def test_a_headcount_is_a_new_row_and_the_latest_of_a_year_counts(admin, sent):
    user, employer = admin
    assert services.average_fte_in(employer, 2025) == Decimal("8")  # no row: the set-up figure
    services.set_headcount(actor=user, employer=employer, year=2025, average_fte=Decimal("12.5"), reason="Payroll",
                           today=TODAY)
    services.set_headcount(actor=user, employer=employer, year=2025, average_fte=Decimal("9.75"),
                           reason="Corrected", today=TODAY)
    db.session.commit()
    assert _count() == 2
    assert services.average_fte_in(employer, 2025) == Decimal("9.75")
    assert services.average_fte_in(employer, 2024) == Decimal("8")
    assert [(row.year, row.average_fte) for row in services.headcounts(employer)] == [
        (2025, Decimal("9.75")), (2025, Decimal("12.50"))]
    assert sent == [(employer.id, 2025, "average headcount 2025: 12,5 FTE (was 8)", user, TODAY),
                    (employer.id, 2025, "average headcount 2025: 9,75 FTE (was 12,5)", user, TODAY)]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "employer.headcount_set")
                                .order_by(AuditEvent.id)).all()
    assert [(e.before["average_fte"], e.after["average_fte"], e.after["reason"]) for e in events] == [
        ("8.00", "12.50", "Payroll"), ("12.50", "9.75", "Corrected")]


@pytest.mark.parametrize(("year", "fte", "field", "message"), [
    (1999, "5", "year", "Choose a year from 2000 to 2027."),
    (2028, "5", "year", "Choose a year from 2000 to 2027."),
    (2025, "-1", "average_fte", "The headcount cannot be negative."),
    (2025, "x", "average_fte", "The headcount is a number of full-time equivalents."),
])
def test_a_bad_headcount_is_refused(admin, sent, year, fte, field, message):
    user, employer = admin
    with pytest.raises(services.EmployerError, match=message) as refused:
        services.set_headcount(actor=user, employer=employer, year=year, average_fte=fte, reason=None, today=TODAY)
    assert refused.value.field == field and _count() == 0 and sent == []


def test_the_settings_screen_lists_the_headcounts(admin, auth, client):
    user, employer = admin
    services.set_headcount(actor=user, employer=employer, year=2024, average_fte=Decimal("11"), reason="First",
                           today=TODAY)
    services.set_headcount(actor=user, employer=employer, year=2024, average_fte=Decimal("10.5"), reason=None,
                           today=TODAY)
    db.session.commit()
    auth.login(user)
    html = client.get("/employer/settings").get_data(as_text=True)
    assert "Average headcount per reference year" in html
    assert "<s>11,00</s> <small>(replaced)</small>" in html and "<td>10,50</td>" in html
    assert 'action="/employer/settings/headcounts"' in html


def test_recording_a_headcount_without_htmx_redirects(admin, auth):
    user, employer = admin
    auth.login(user)
    response = auth.post("/employer/settings/headcounts", {"year": "2025", "average_fte": "12,5", "reason": "Payroll"})
    assert response.status_code == 303
    assert services.average_fte_in(employer, 2025) == Decimal("12.50")


def test_recording_a_headcount_with_htmx_answers_the_table(admin, auth):
    user, employer = admin
    auth.login(user)
    response = auth.post("/employer/settings/headcounts", {"year": "2025", "average_fte": "12,5", "reason": ""},
                         headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="headcounts">') and "<td>12,50</td>" in html
    assert "The headcount of 2025 was recorded." in html


@pytest.mark.parametrize(("data", "message"), [
    ({"year": "2025", "average_fte": "-3"}, "It cannot be negative."),
    ({"year": "1999", "average_fte": "3"}, "A whole number from 2000 to 2100."),
    ({"year": "2090", "average_fte": "3"}, "Choose a year from 2000 to "),
])
def test_a_refused_headcount_answers_422_with_the_message(admin, auth, data, message):
    user, _employer = admin
    auth.login(user)
    response = auth.post("/employer/settings/headcounts", data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True) and _count() == 0


def test_only_admins_record_a_headcount(admin, auth):
    _user, employer = admin
    factories.user("manager@telling.be", roles={employer: "manager"})
    db.session.commit()
    auth.login("manager@telling.be")
    assert auth.post("/employer/settings/headcounts", {"year": "2025", "average_fte": "3"}).status_code == 403
    assert _count() == 0
