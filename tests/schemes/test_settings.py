"""The leave-settings screen: the rules in force in words, every version, leave types edited inline."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, update

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.money import format_money
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveType, SchemeParameter
from tests import factories
from tests.schemes.conftest import TODAY
from tests.support.world import ROLES


def _types(employer) -> dict[str, LeaveType]:
    types = {t.kind: t for t in schemes.leave_types(employer, active_only=False)}
    db.session.commit()
    return types


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _row_data(leave_type: LeaveType, **overrides) -> dict:
    """A row's form as the browser sends it: prefixed names, unticked boxes absent."""
    values = {"scheme": leave_type.scheme, "second_step_role": leave_type.second_step_role or "",
              "needs_training": leave_type.needs_training, "active": leave_type.active}
    values.update(overrides)
    data = {f"type-{leave_type.id}-{name}": value for name, value in values.items() if value is not True}
    data.update({f"type-{leave_type.id}-{name}": "y" for name, value in values.items() if value is True})
    return {key: value for key, value in data.items() if value is not False}


# The page ------------------------------------------------------------------------------------


def test_settings_show_values_in_force_and_every_version_but_no_other_employers(client, auth, setup):
    auth.login(setup["admin"])
    response = client.get("/settings/leave")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # the federal training right in words, and what it means for this 12-FTE employer
    assert "≥ 20 FTE: 5 days per FTE; 10–19: 1 day; below 10: none" in page
    assert "12 FTE on average: 1 day legal + 0 days extra = 1 day per full-timer a year" in page
    assert "what remains at the end of the year carries over in full" in page
    # VOV in words: the cap, the conditions, the refund at today's rate (2025-26)
    assert "125 hours × work regime" in page
    assert "at least 80 % and at least 28 hours a week" in page
    assert "at least 32 contact hours or 3 study points" in page
    assert f"{format_money(Decimal('14.91'), 'en_BE')} per approved hour" in page
    assert "from 1 day before the course starts until 2 days after it ends" in page
    # the rights are rounded down to the parameters' unit; VOV reads the reference month (March)
    assert "down to a multiple of 0,01 days, never up" in page
    assert "down to a multiple of 0,01 hours, never up" in page
    assert "the cap and the conditions read the work regime on 1 March before the school year" in page
    assert "days × the sum of the work regime of each month under contract ÷ 12" in page
    # every version with its period, level and note; the old VOV rate stays visible in its row
    for note in ("Law of 3 October 2022: 4 days in 2023", "Law of 3 October 2022: 5 days from 2024",
                 "Flemish training leave (VOV) until school year 2024-25",
                 "Flemish training leave (VOV) from school year 2025-26"):
        assert note in page
    assert f"{format_money(Decimal('21.30'), 'en_BE')} per approved hour" in page
    assert "National (BE)" in page and "Regional (Flanders)" in page
    assert page.count("<mark>in force</mark>") == 2
    # another employer's own version never shows
    assert "Secret sector deal 999" not in page and "7 days per FTE" not in page
    # the leave types, one form per row
    for leave_type in _types(setup["employer"]).values():
        assert f'id="leave-type-{leave_type.id}"' in page
    assert 'href="/settings/leave/versions/new?scheme=training_right"' in page
    assert "versions/new?scheme=vov" not in page


def test_an_employer_version_shows_as_this_employers_and_adds_to_the_figure(client, auth, setup):
    schemes.add_employer_version(actor=setup["admin"], employer=setup["employer"], scheme="training_right",
                                 valid_from=TODAY, valid_until=None,
                                 values={"employer_extra_days_per_fte": "2"}, note="CAO PC 118.03 2026")
    db.session.commit()
    auth.login(setup["admin"])
    page = client.get("/settings/leave").get_data(as_text=True)
    assert "This employer" in page and "CAO PC 118.03 2026" in page
    assert "Employer&#39;s extra days: 2 days per FTE" in page
    assert "1 day legal + 2 days extra = 3 days per full-timer a year" in page
    assert page.count("<mark>in force</mark>") == 3


def test_outside_flanders_there_is_no_vov(client, auth, app):
    employer = factories.employer("Boulangerie Namur", region="wallonia", average_fte=Decimal("25"))
    admin = factories.user(roles={employer: "admin"})
    db.session.commit()
    auth.login(admin)
    page = client.get("/settings/leave").get_data(as_text=True)
    assert "Federal training right" in page and "5 days per FTE" in page
    assert "Flemish training leave (VOV)" not in page and "125 hours" not in page
    types = _types(employer)
    assert {t.scheme for t in types.values()} == {"training_right"}


# Leave types, inline -------------------------------------------------------------------------


def test_a_leave_type_row_is_updated_inline_with_an_audit_event(client, auth, setup):
    career = _types(setup["employer"])["career_guidance"]
    auth.login(setup["admin"])
    response = auth.post(f"/settings/leave/types/{career.id}",
                         _row_data(career, second_step_role="accountant", active=False),
                         headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith(f'<form id="leave-type-{career.id}"')
    assert '<option selected value="accountant">' in html
    assert "(inactive)" in html
    assert "hx-swap-oob" in html and "“Career guidance” was saved." in html
    assert response.headers["HX-Trigger"] == "leaveTypeChanged"
    db.session.refresh(career)
    assert (career.second_step_role, career.active, career.scheme) == ("accountant", False, "training_right")
    [event] = _events("leave_type.updated")
    assert event.actor_id == setup["admin"].id and event.employer_id == setup["employer"].id
    assert event.object_id == str(career.id)
    assert event.before == {"second_step_role": None, "active": True}
    assert event.after == {"second_step_role": "accountant", "active": False}


def test_without_javascript_the_row_form_redirects_back(client, auth, setup):
    training = _types(setup["employer"])["training"]
    auth.login(setup["admin"])
    response = auth.post(f"/settings/leave/types/{training.id}", _row_data(training, second_step_role="admin"))
    assert response.status_code == 302 and response.headers["Location"] == "/settings/leave"
    page = client.get("/settings/leave").get_data(as_text=True)
    assert "“Training” was saved." in page
    db.session.refresh(training)
    assert training.second_step_role == "admin"


def test_saving_an_unchanged_row_writes_no_audit_event(client, auth, setup):
    evc = _types(setup["employer"])["evc"]
    auth.login(setup["admin"])
    response = auth.post(f"/settings/leave/types/{evc.id}", _row_data(evc), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert _events("leave_type.updated") == []


def test_vov_training_leave_must_stay_tied_to_a_registry_training(client, auth, setup):
    training = _types(setup["employer"])["training"]
    assert training.scheme == "vov"
    auth.login(setup["admin"])
    response = auth.post(f"/settings/leave/types/{training.id}", _row_data(training, needs_training=False),
                         headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html
    assert "Flemish training leave is only for trainings in the Flemish training database." in html
    db.session.refresh(training)
    assert training.needs_training is True
    assert _events("leave_type.updated") == []


def test_a_second_step_nobody_can_take_is_refused_on_the_full_page(client, auth, app):
    employer = factories.employer("Eenmanszaak")
    admin = factories.user(roles={employer: ["admin", "manager"]})
    db.session.commit()
    career = _types(employer)["career_guidance"]
    auth.login(admin)
    response = auth.post(f"/settings/leave/types/{career.id}", _row_data(career, second_step_role="accountant"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page  # the whole page, the row with its error
    assert "Nobody has this role here yet" in page
    db.session.refresh(career)
    assert career.second_step_role is None
    assert _events("leave_type.updated") == []


def test_a_scheme_that_does_not_apply_is_refused(client, auth, app):
    employer = factories.employer("Bruxelles SRL", region="brussels")
    admin = factories.user(roles={employer: "admin"})
    db.session.commit()
    career = _types(employer)["career_guidance"]
    auth.login(admin)
    response = auth.post(f"/settings/leave/types/{career.id}", _row_data(career, scheme="vov"),
                         headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    db.session.refresh(career)
    assert career.scheme == "training_right"


def test_another_employers_leave_type_is_not_found(client, auth, setup):
    theirs = _types(setup["other"])["training"]
    auth.login(setup["admin"])
    response = auth.post(f"/settings/leave/types/{theirs.id}", _row_data(theirs, active=False))
    assert response.status_code == 404
    db.session.refresh(theirs)
    assert theirs.active is True


# Permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_open_the_leave_settings(client, auth, setup, role):
    career = _types(setup["employer"])["career_guidance"]
    auth.login(setup["users"][role])
    expected = 200 if role == "admin" else 403
    assert client.get("/settings/leave").status_code == expected
    assert client.get("/settings/leave/versions/new?scheme=training_right").status_code == expected
    response = auth.post(f"/settings/leave/types/{career.id}", _row_data(career, active=False))
    assert response.status_code == (302 if role == "admin" else 403)
    db.session.refresh(career)
    assert career.active is (role != "admin")
    nav = client.get("/").get_data(as_text=True)
    assert ('href="/settings/leave"' in nav) == (role == "admin")


def test_signed_out_visitors_are_sent_to_sign_in(client, setup):
    response = client.get("/settings/leave")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_boosted_navigation_gets_the_whole_page(client, auth, setup):
    auth.login(setup["admin"])
    response = client.get("/settings/leave", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]


def test_the_legal_notes_of_the_versions_read_in_dutch(client, auth, setup):
    """The installed versions keep a message id as their note, said in the reader's language; a version
    installed before (its note in English) reads the same."""
    old = db.session.scalars(select(SchemeParameter).where(SchemeParameter.note == "note.training_right_2023")).one()
    db.session.execute(update(SchemeParameter).where(SchemeParameter.id == old.id)
                       .values(note="Law of 3 October 2022: 4 days in 2023"))
    db.session.commit()
    auth.login(setup["admin"])
    page = client.get("/settings/leave", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Wet van 3 oktober 2022: 4 dagen in 2023" in page and "Wet van 3 oktober 2022: 5 dagen vanaf 2024" in page
    assert "Vlaams opleidingsverlof (VOV) vanaf schooljaar 2025-26" in page
    assert "Law of 3 October" not in page and "note.training_right" not in page
