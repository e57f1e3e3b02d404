"""The employee's credentials: the list, the upload (each refusal with its message and nothing saved), the
notice of missing EU elements after an import, and who may open the page."""

from __future__ import annotations

import io
import json

import pytest

from ila_sme.credentials import formats
from ila_sme.credentials.models import Credential
from ila_sme.extensions import db
from tests.credentials.views.conftest import count, htmx, snapshot, text


def _upload(auth, employee, data: bytes | None, filename: str = "badge.json"):
    files = {} if data is None else {"file": (io.BytesIO(data), filename)}
    return auth.post(f"/credentials/employees/{employee.id}/upload", data=files,
                     content_type="multipart/form-data")


def test_my_credentials_leads_to_the_employees_own_page(client, auth, world):
    world.held(title="First aid", shared=False)
    world.held(world.cora, title="Forklift licence")
    auth.login(world.worker)
    response = client.get("/credentials/mine")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/credentials/employees/{world.employee.id}")
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "My credentials" in page
    assert "First aid" in page and "Not shared: only you see it" in page
    assert "Forklift licence" not in page
    assert "Credential file" in page and "Enter a paper certificate by hand" in page


def test_an_htmx_request_gets_only_the_list(client, auth, world):
    world.held(title="First aid")
    auth.login(world.worker)
    response = client.get(f"/credentials/employees/{world.employee.id}", headers=htmx())
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="credentials"')
    assert "<html" not in body and "First aid" in body
    assert "HX-Request" in response.headers["Vary"]


def test_a_user_without_an_employee_record_is_told_so(client, auth, world):
    auth.login(world.manager)
    page = text(client.get("/credentials/mine").get_data(as_text=True))
    assert "Your account is not linked to an employee record at Drukkerij Test yet." in page


def test_an_open_badges_3_upload_is_verified_and_listed(client, auth, world):
    auth.login(world.worker)
    response = _upload(auth, world.employee, world.ob3())
    assert response.status_code == 302
    credential = db.session.query(Credential).one()
    assert credential.state == "verified" and credential.format == "ob3-json"
    assert credential.original_filename == "badge.json" and credential.uploaded_by_id == world.worker.id
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "“Digital bookkeeping with e-invoices” was added: Verified." in page
    assert "Added: Digital bookkeeping with e-invoices Verified" in page
    assert "Every mandatory EU element is there." in page
    assert "Syntra Example" in page and "Open Badges 3.0" in page


def test_after_an_import_the_missing_mandatory_elements_are_shown(client, auth, world):
    auth.login(world.worker)
    data = world.ob3(quality_assurance=None, assessment_type=None)
    response = _upload(auth, world.employee, data)
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert ("These mandatory EU elements are missing from the credential: Type of assessment "
            "Type of quality assurance") in page


@pytest.mark.parametrize(("case", "message"), [
    ("nothing", "Choose the file of a credential."),
    ("too_large", "The file is too large: a credential may be at most 512 KiB."),
    ("not_json", "The file is not a credential: it is neither JSON nor a VC-JWT token."),
    ("not_credential", "The file is JSON, but not a credential the app can read"),
    ("wrong_learner", "This credential was issued to Cora Colleague, not to Wim Worker."),
    ("duplicate", "You already hold this credential (Digital bookkeeping with e-invoices)."),
])
def test_a_bad_upload_says_why_and_saves_nothing(client, auth, world, case, message):
    if case == "duplicate":
        auth.login(world.worker)
        assert _upload(auth, world.employee, world.ob3()).status_code == 302
    data = {
        "nothing": None,
        "too_large": b"{" + b" " * formats.MAX_BYTES + b"}",
        "not_json": b"Dear Wim, congratulations!",
        "not_credential": b'{"name": "a list of groceries"}',
        "wrong_learner": world.ob3(world.cora),
        "duplicate": world.ob3(),
    }[case]
    auth.login(world.worker)
    before = snapshot()
    response = _upload(auth, world.employee, data)
    assert response.status_code == 422
    assert message in text(response.get_data(as_text=True))
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert snapshot() == before


def test_an_admin_uploads_for_an_employee(client, auth, world):
    auth.login(world.admin)
    response = _upload(auth, world.employee, world.ob3())
    assert response.status_code == 302
    credential = db.session.query(Credential).one()
    assert credential.employee_id == world.employee.id and credential.uploaded_by_id == world.admin.id
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Credentials of Wim Worker" in page and "Digital bookkeeping with e-invoices" in page


def test_a_colleague_cannot_open_or_upload_to_someone_elses_page(client, auth, world):
    auth.login(world.cora_user)
    assert client.get(f"/credentials/employees/{world.employee.id}").status_code == 403
    assert _upload(auth, world.employee, world.ob3()).status_code == 403
    assert count() == 0


def test_a_manager_sees_only_what_the_employer_may_and_cannot_upload(client, auth, world):
    world.held(title="Shared badge", shared=True)
    world.held(title="Private badge", shared=False)
    auth.login(world.manager)
    page = text(client.get(f"/credentials/employees/{world.employee.id}").get_data(as_text=True))
    assert "Shared badge" in page and "Private badge" not in page
    assert "Credential file" not in page
    assert _upload(auth, world.employee, world.ob3()).status_code == 403


def test_the_genuine_file_replaces_an_invalid_copy_on_the_page(client, auth, world):
    genuine = world.ob3()
    document = json.loads(genuine)
    document["credentialSubject"]["achievement"]["description"] = "Changed after signing."
    auth.login(world.worker)
    assert _upload(auth, world.employee, json.dumps(document).encode(), "copy.json").status_code == 302
    assert [c.state for c in db.session.query(Credential)] == ["invalid"]

    response = _upload(auth, world.employee, genuine)
    assert response.status_code == 302
    db.session.expire_all()
    assert [(c.state, c.original_filename) for c in db.session.query(Credential)] == [("verified", "badge.json")]
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "“Digital bookkeeping with e-invoices” was added: Verified." in page
    assert "Invalid" not in page

    again = _upload(auth, world.employee, genuine)
    assert again.status_code == 422
    assert "You already hold this credential (Digital bookkeeping with e-invoices)." in again.get_data(as_text=True)
