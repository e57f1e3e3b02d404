from decimal import Decimal

import pytest

from ila_sme.audit.models import AuditEvent
from ila_sme.employers.models import SizeBand
from ila_sme.extensions import db
from tests import factories

VALID = {"name": "Bakkerij Nieuw BV", "region": "flanders", "country": "BE", "average_fte": "24.5",
         "joint_committee": "118.03", "default_language": "fr"}


@pytest.fixture
def admin(app):
    employer = factories.employer("Bakkerij Oud", average_fte=Decimal("8"))
    user = factories.user("admin@example.be", roles={employer: "admin"})
    db.session.commit()
    return user, employer


@pytest.mark.parametrize(("fte", "band"), [("0", SizeBand.MICRO), ("9.99", SizeBand.MICRO), ("10", SizeBand.SMALL),
                                           ("49.5", SizeBand.SMALL), ("50", SizeBand.MEDIUM),
                                           ("249.99", SizeBand.MEDIUM), ("250", SizeBand.LARGE)])
def test_size_band_follows_the_eu_definition(app, fte, band):
    assert factories.employer(average_fte=Decimal(fte)).size_band == band


def test_admin_updates_the_profile_with_an_audit_event(client, auth, admin):
    user, employer = admin
    auth.login(user)
    response = auth.post("/employer/settings", VALID)
    assert response.status_code == 302
    db.session.refresh(employer)
    assert employer.name == "Bakkerij Nieuw BV" and employer.average_fte == Decimal("24.50")
    assert employer.size_band == SizeBand.SMALL and employer.default_language == "fr"
    event = db.session.query(AuditEvent).filter_by(action="employer.updated").one()
    assert event.before["name"] == "Bakkerij Oud" and event.after["average_fte"] == "24.50"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("joint_committee", "11803", "999.99"),
    ("joint_committee", "118.3", "999.99"),
    ("country", "NL", "country BE"),
    ("average_fte", "-1", "0"),
    ("name", "", "required"),
])
def test_bad_input_is_refused_and_nothing_changes(client, auth, admin, field, value, message):
    user, employer = admin
    auth.login(user)
    response = auth.post("/employer/settings", {**VALID, field: value}, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.refresh(employer)
    assert employer.name == "Bakkerij Oud"
    assert db.session.query(AuditEvent).filter_by(action="employer.updated").count() == 0


def test_another_country_is_allowed_with_region_other(client, auth, admin):
    user, employer = admin
    auth.login(user)
    auth.post("/employer/settings", {**VALID, "region": "other", "country": "nl", "joint_committee": ""})
    db.session.refresh(employer)
    assert (employer.region, employer.country, employer.joint_committee) == ("other", "NL", None)


def test_page_shows_the_formatted_enterprise_number_and_size(client, auth, admin):
    user, employer = admin
    auth.login(user)
    page = client.get("/employer/settings", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert employer.enterprise_number_display in page
    assert "micro (under 10)" in page
