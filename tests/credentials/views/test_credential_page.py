"""The credential page laid out by the EU elements, its original document, who may see it, and sharing."""

from __future__ import annotations

import io

import pytest

from ila_sme.audit.models import AuditEvent
from ila_sme.credentials.models import Credential
from ila_sme.extensions import db
from tests import factories
from tests.credentials.views.conftest import count, htmx, text, utc


def _imported(auth, world) -> Credential:
    auth.login(world.worker)
    auth.post(f"/credentials/employees/{world.employee.id}/upload",
              data={"file": (io.BytesIO(world.ob3()), "emma.json")}, content_type="multipart/form-data")
    return db.session.query(Credential).one()


def test_the_page_shows_every_element_the_state_and_its_reasons(client, auth, world):
    credential = _imported(auth, world)
    html = client.get(f"/credentials/{credential.id}").get_data(as_text=True)
    page = text(html)
    assert "Verification: Verified" in page
    assert "The signature checks against the issuer's key" in page
    assert "Checked on" in page
    for label, value in [("Identification of the learner", "Wim Worker"), ("Awarding body", "Syntra Example"),
                         ("Country or region of the issuer", "BE, Flanders"),
                         ("Learning outcomes", "Book a Peppol invoice"),
                         ("Level (EQF/NQF), if applicable", "EQF 5 · NQF VKS 5"), ("Type of assessment", "testing"),
                         ("Form of participation", "onsite or blended"), ("Grade achieved", "8.5"),
                         ("Integration or stackability options", "Stackable towards the graduate in accountancy")]:
        assert f"{label} {value}" in page
    assert "Notional workload (ECTS where possible) 3 ECTS · 75,5 hours" in page  # en_BE: a decimal comma
    assert page.index("Mandatory EU elements") < page.index("Optional EU elements")
    assert "Missing" not in page.split("Optional EU elements")[0]
    assert "Format Open Badges 3.0" in page
    assert f'href="/credentials/{credential.id}/original"' in html


def test_missing_mandatory_elements_are_flagged(client, auth, world):
    credential = world.held(title="Paper", awarding_body=None, issuer_country=None, format="manual", original=None)
    auth.login(world.worker)
    html = client.get(f"/credentials/{credential.id}").get_data(as_text=True)
    assert 'data-element="awarding_body"' in html
    assert html.count("element-missing") == len([m for m in ("learner", "issuer_country", "awarding_body",
                                                              "learning_outcomes", "workload", "level",
                                                              "assessment_type", "participation",
                                                              "quality_assurance")])
    assert "/original" not in html
    assert client.get(f"/credentials/{credential.id}/original").status_code == 404


def test_the_original_is_a_download_never_shown_inline(client, auth, world):
    credential = world.held(original=b'<script>alert(1)</script>', original_filename="../evil file.html")
    auth.login(world.worker)
    response = client.get(f"/credentials/{credential.id}/original")
    assert response.status_code == 200
    assert response.data == b"<script>alert(1)</script>"
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "evil_file.html" in response.headers["Content-Disposition"] and ".." not in response.headers[
        "Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("shared", [True, False])
def test_a_manager_sees_a_credential_only_when_the_employer_may(client, auth, world, shared):
    credential = world.held(title="Badge", shared=shared)
    auth.login(world.manager)
    expected = 200 if shared else 404
    assert client.get(f"/credentials/{credential.id}").status_code == expected
    assert client.get(f"/credentials/{credential.id}/original").status_code == expected


def test_an_employer_funded_credential_is_visible_without_sharing(client, auth, world):
    funding = factories.funding_request(world.employee, world.worker, status="approved")
    credential = world.held(title="Paid badge", shared=False, funding_request_id=funding.id)
    auth.login(world.manager)
    page = text(client.get(f"/credentials/{credential.id}").get_data(as_text=True))
    assert "Paid badge" in page
    assert "Visible to the employer: earned through training it approved or paid." in page


def test_a_colleague_gets_404_even_for_a_shared_credential(client, auth, world):
    credential = world.held(shared=True)
    auth.login(world.cora_user)
    assert client.get(f"/credentials/{credential.id}").status_code == 404
    assert client.get(f"/credentials/{credential.id}/original").status_code == 404


def test_another_employers_credential_is_404(client, auth, world):
    other = factories.employer("Elsewhere")
    stranger = factories.employee(other)
    credential = factories.credential(stranger, shared=True)
    db.session.commit()
    auth.login(world.admin)
    assert client.get(f"/credentials/{credential.id}").status_code == 404


def test_sharing_with_htmx_swaps_the_control_and_is_audited(client, auth, world):
    credential = world.held(title="Badge", shared=False)
    auth.login(world.worker)
    response = auth.post(f"/credentials/{credential.id}/share", headers=htmx())
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<div class="share-toggle" id="share-{credential.id}"')
    assert "Stop sharing" in body and "“Badge” is shared with Drukkerij Test." in text(body)
    assert response.headers["HX-Trigger"] == "credentialShared"
    db.session.refresh(credential)
    assert credential.shared and credential.shared_at is not None
    assert count(AuditEvent, AuditEvent.action == "credential.shared") == 1

    response = auth.post(f"/credentials/{credential.id}/unshare", headers=htmx())
    assert "Share with my employer" in response.get_data(as_text=True)
    db.session.refresh(credential)
    assert not credential.shared and credential.shared_at is None


def test_sharing_without_javascript_comes_back_to_the_page(client, auth, world):
    credential = world.held(title="Badge", shared=False)
    auth.login(world.worker)
    response = auth.post(f"/credentials/{credential.id}/share")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/credentials/employees/{world.employee.id}")
    response = auth.post(f"/credentials/{credential.id}/unshare", data={"next": "credential"})
    assert response.headers["Location"].endswith(f"/credentials/{credential.id}")
    db.session.refresh(credential)
    assert credential.shared is False
    assert client.get(f"/credentials/{credential.id}").status_code == 200  # the owner still sees it
    auth.logout()
    auth.login(world.manager)
    assert client.get(f"/credentials/{credential.id}").status_code == 404


def test_a_manager_cannot_share_for_the_employee(client, auth, world):
    credential = world.held(shared=True)
    auth.login(world.manager)
    assert auth.post(f"/credentials/{credential.id}/unshare").status_code == 403
    db.session.refresh(credential)
    assert credential.shared is True


def test_an_expired_credential_shows_why(client, auth, world):
    credential = world.held(state="expired", valid_until=utc(2025, 1, 31),
                            state_messages=[{"code": "expired", "params": {"date": "2025-01-31"}}])
    auth.login(world.worker)
    page = text(client.get(f"/credentials/{credential.id}").get_data(as_text=True))
    assert "Verification: Expired" in page and "The credential expired on 2025-01-31." in page
