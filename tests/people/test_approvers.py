"""The approver graph on the people screens: nobody is their own approver or deputy, and the list warns of
anyone without a valid approver (their requests go to the admins)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ila_sme.extensions import db
from ila_sme.people import services
from ila_sme.people.events import PeopleError
from tests import factories
from tests.people.test_views import _edit_form


@pytest.fixture
def staff(app):
    employer = factories.employer("Bakkerij Graaf")
    admin = factories.user("a@graaf.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    mia = factories.user("m@graaf.be", roles={employer: ["manager", "employee"]}, name="Mia Manager")
    gone = factories.user("g@graaf.be", roles={employer: "manager"}, name="Gert Gone")
    mia_record = factories.employee(employer, first_name="Mia", last_name="Manager", user_id=mia.id,
                                    approver_id=admin.id)
    wim = factories.employee(employer, first_name="Wim", last_name="Worker", approver_id=mia.id)
    nina = factories.employee(employer, first_name="Nina", last_name="Noone")
    otto = factories.employee(employer, first_name="Otto", last_name="Orphan", approver_id=gone.id)
    gone.active = False
    db.session.commit()
    return {"employer": employer, "admin": admin, "mia": mia, "mia_record": mia_record, "wim": wim, "nina": nina,
            "otto": otto}


@pytest.mark.parametrize("key", ["approver_id", "deputy_id"])
def test_a_manager_made_her_own_approver_or_deputy_is_refused(staff, key):
    record = staff["mia_record"]
    data = {name: getattr(record, name) for name in services.PERSONAL}
    data.update({key: staff["mia"].id, "deputy_from": date(2026, 1, 1), "deputy_until": date(2026, 1, 31)})
    with pytest.raises(PeopleError, match="Nobody approves their own leave") as refused:
        services.update_employee(actor=staff["admin"], employee=record, data=data)
    assert refused.value.field == key


def test_the_edit_form_refuses_her_as_her_own_approver_with_the_message(staff, auth):
    auth.login("a@graaf.be")
    record = staff["mia_record"]
    response = auth.post(f"/people/{record.id}/edit", _edit_form(record, approver_id=str(staff["mia"].id)))
    assert response.status_code == 200
    match = re.search(r'<small id="approver_id-error" class="field-error">([^<]*)</small>',
                      response.get_data(as_text=True))
    assert match and match.group(1) == "Nobody approves their own leave: choose another approver."
    db.session.refresh(record)
    assert record.approver_id == staff["admin"].id


def test_the_list_warns_of_everyone_without_a_valid_approver(staff, auth, client):
    auth.login("a@graaf.be")
    html = client.get("/people").get_data(as_text=True)
    assert "2 people have no valid approver: their requests go to the admins." in html
    rows = {name: row for name, row in re.findall(r"<tr>\s*<td>(\w+ \w+)(.*?)</tr>", html, re.S)}
    warning = "No valid approver: the admins decide"
    assert warning in rows["Nina Noone"] and warning in rows["Otto Orphan"]  # none, and a deactivated one
    assert warning not in rows["Wim Worker"] and warning not in rows["Mia Manager"]


def test_without_valid_approver_counts_an_approver_who_is_the_employee(staff):
    staff["mia_record"].approver_id = staff["mia"].id  # stored before the rule existed
    assert services.without_valid_approver(staff["employer"], services.employees(staff["employer"])) == {
        staff["mia_record"].id, staff["nina"].id, staff["otto"].id}
