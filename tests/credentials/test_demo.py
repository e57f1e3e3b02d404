"""``flask --app app demo seed`` gives the demo staff a realistic set of credentials, through the real services:
signed and verified ones (Data Integrity and a VC-JWT), one expired, one paper entry, some expiring soon, some
employer-funded, and one the employer may not see."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ila_sme.accounts.models import User
from ila_sme.credentials import issuing, services
from ila_sme.credentials.models import Credential
from ila_sme.demo.credentials import issuer_key
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from tests.credentials.conftest import TODAY


def seeded(app) -> dict[tuple[str, str], Credential]:
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert ("12 micro-credentials exist (expired 1, unverified 1, verified 10); 8 employer-funded, 3 shared."
            in result.output)
    return {(credential.employee.full_name, credential.title): credential
            for credential in db.session.scalars(select(Credential))}


def test_the_demo_staff_hold_a_realistic_set_of_credentials(app):
    held = seeded(app)

    assert {credential.format for credential in held.values()} == {"ob3-json", "ob3-jwt", "manual"}
    leadership = held["Tom Claes", "Leadership for team leads"]
    assert (leadership.format, leadership.state, leadership.workload_ects) == ("ob3-jwt", "verified", 3)
    assert held["Bram De Smet", "VCA basisveiligheid"].state == "expired"
    paper = held["Sarah Janssens", "EHBO op het werk"]
    assert (paper.format, paper.state, paper.original) == ("manual", "unverified", None)
    expiring = sorted(title for (_, title), credential in held.items() if credential.valid_until is not None
                      and TODAY <= credential.valid_until.date() <= TODAY + timedelta(days=90))
    assert expiring == ["Bakkerij: zuurdesem en lange rijs", "EHBO op het werk",
                        "Voedselveiligheid en HACCP", "Warmtepompen: ontwerp en installatie"]
    assert all(services.missing_elements(credential) == [] for credential in held.values() if credential is not paper)
    assert {credential.title for credential in held.values()} >= {
        "Voedselveiligheid en HACCP", "Gestion de la relation client", "Barista Skills Foundation"}


def test_credentials_of_trainings_the_employer_approved_or_paid_are_linked_and_visible(app):
    held = seeded(app)

    haccp = held["Tom Claes", "Voedselveiligheid en HACCP"]
    assert haccp.training.registry_id == "ODB-105872" and haccp.leave_request.status == "approved"
    assert haccp.funding_request.training_id == haccp.training_id
    excel = held["Kevin Dubois", "Excel gevorderd"]  # no login: the admin uploaded it; co-funded without leave
    assert excel.leave_request_id is None and excel.funding_request_id is not None
    assert db.session.get(User, excel.uploaded_by_id).email == "els@bakkerij-vandamme.be"
    barista = held["Mehmet Yilmaz", "Barista Skills Foundation"]
    assert not barista.shared and not barista.employer_funded
    bakery = db.session.scalar(select(Employer).where(Employer.name.like("Bakkerij%")))
    visible = set(db.session.scalars(services.visible_credentials(bakery)))
    assert barista not in visible and haccp in visible and held["Bram De Smet", "VCA basisveiligheid"] in visible
    assert services.can_see(barista.employee.user, barista)
    assert not services.can_see(haccp.employee.approver, barista)


def test_demo_issuers_have_the_same_did_on_every_machine(app):
    held = seeded(app)

    did = "did:key:z6Mkss52EEQzKw7hk1iv8C3GQ8SnotyFpF8zEbsSLE8Shwn4"
    assert issuing.did_key(issuer_key("Volta")) == did
    assert held["Ruben Hermans", "Domotica: KNX basis"].issuer_id == did


def test_a_second_seed_adds_no_credential(app):
    seeded(app)
    before = db.session.scalar(select(func.count()).select_from(Credential))

    seeded(app)

    assert db.session.scalar(select(func.count()).select_from(Credential)) == before == 12
