"""What a credential links to (only by a matching training id), and who sees it: the employee always; the
employer only when the training was approved or paid by it, or while the employee shares it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.credentials import services
from ila_sme.credentials.errors import CredentialError
from ila_sme.extensions import db
from tests import factories
from tests.credentials.conftest import TODAY, ob3_json


def approved_leave(world, employee=None, training=None, status="approved"):
    employee = employee or world.employee
    return factories.leave_request(employee, employee.user, training_id=(training or world.course).id, status=status,
                                   start_date=date(2026, 3, 9), end_date=date(2026, 3, 11), amount=3)


def cofunding(world, status="approved", **fields):
    return factories.funding_request(world.employee, world.worker, status=status, **{
        "kind": "course-fee", "training_id": world.course.id, **fields})


def imported(world, key, **changes):
    credential = services.import_file(actor=world.worker, employee=world.employee, data=ob3_json(key, **changes),
                                      filename=None, today=TODAY)
    db.session.commit()
    return credential


def visible_ids(employer) -> list[int]:
    return list(db.session.scalars(services.visible_credentials(employer).with_only_columns(
        services.Credential.id)))


# Links -------------------------------------------------------------------------------------------


def test_a_credential_naming_the_training_links_the_approved_leave_and_cofunding_for_it(world, issuer_key):
    leave = approved_leave(world)
    funding = cofunding(world)

    credential = imported(world, issuer_key)

    assert (credential.training_id, credential.leave_request_id, credential.funding_request_id) == (
        world.course.id, leave.id, funding.id)
    assert credential.employer_funded and services.visible_to_employer(credential)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "credential.imported")).one()
    assert (event.after["leave_request_id"], event.after["funding_request_id"]) == (leave.id, funding.id)


def test_cofunding_asked_with_the_leave_is_linked_through_the_leave(world, issuer_key):
    leave = approved_leave(world)
    funding = cofunding(world, training_id=None, leave_request_id=leave.id)

    credential = imported(world, issuer_key)

    assert (credential.leave_request_id, credential.funding_request_id) == (leave.id, funding.id)


@pytest.mark.parametrize(("leave_status", "funding_status"), [
    ("pending", "pending"), ("rejected", "rejected"), ("withdrawn", "cancelled"), ("cancelled", "second_step")])
def test_leave_and_cofunding_that_were_not_approved_are_not_linked(world, issuer_key, leave_status, funding_status):
    approved_leave(world, status=leave_status)
    cofunding(world, status=funding_status)

    credential = imported(world, issuer_key)

    assert credential.training_id == world.course.id
    assert (credential.leave_request_id, credential.funding_request_id) == (None, None)
    assert not services.visible_to_employer(credential)


def test_a_title_alone_links_nothing(world, issuer_key):
    approved_leave(world)
    cofunding(world)

    credential = imported(world, issuer_key, title=world.course.title, training_id=None)

    assert (credential.training_id, credential.leave_request_id, credential.funding_request_id) == (None,) * 3
    assert credential.registry_id is None


def test_a_colleagues_leave_for_the_training_is_not_the_employees(world, issuer_key):
    approved_leave(world, employee=world.colleague)

    credential = imported(world, issuer_key)

    assert credential.training_id == world.course.id and credential.leave_request_id is None


def test_another_employers_own_training_is_never_linked(world, issuer_key):
    other = factories.employer("Ander Bedrijf")
    factories.training(other, registry_id="OWN-42", title="Intern")

    credential = imported(world, issuer_key, training_id="OWN-42")

    assert credential.registry_id == "OWN-42" and credential.training_id is None


def test_a_paper_certificate_of_a_training_picked_from_the_catalogue_links_its_leave(world):
    own = factories.training(world.employer, title="Heftruckchauffeur")
    leave = approved_leave(world, training=own)

    credential = services.add_manual(actor=world.worker, employee=world.employee, today=TODAY,
                                     values={"title": "Attest heftruck", "training_id": str(own.id)})

    assert (credential.training_id, credential.leave_request_id, credential.registry_id) == (own.id, leave.id, None)
    with pytest.raises(CredentialError) as caught:
        services.add_manual(actor=world.worker, employee=world.employee, today=TODAY,
                            values={"title": "Iets anders", "training_id": factories.training(
                                factories.employer("Ander")).id})
    assert caught.value.errors == {"training_id": "Choose a training from the catalogue."}


# Visibility --------------------------------------------------------------------------------------


def test_a_credential_neither_shared_nor_employer_funded_is_the_employees_alone(world, issuer_key):
    credential = imported(world, issuer_key)

    assert not services.visible_to_employer(credential)
    assert visible_ids(world.employer) == []
    assert services.can_see(world.worker, credential)
    for user in (world.manager, world.other_manager, world.admin, world.colleague_user):
        assert not services.can_see(user, credential), user.email


def test_shared_it_is_visible_to_the_managers_and_unshared_it_is_not_any_more(world, issuer_key):
    accountant = factories.user("acc@example.be", roles={world.employer: "accountant"})
    credential = imported(world, issuer_key)

    services.share(actor=world.worker, credential=credential)
    db.session.commit()

    assert credential.shared and credential.shared_at is not None
    assert visible_ids(world.employer) == [credential.id]
    assert services.can_see(world.manager, credential) and services.can_see(world.admin, credential)
    assert not services.can_see(accountant, credential) and not services.can_see(world.colleague_user, credential)

    services.unshare(actor=world.worker, credential=credential)
    db.session.commit()

    assert not credential.shared and credential.shared_at is None
    assert visible_ids(world.employer) == [] and not services.can_see(world.manager, credential)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "Credential")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["credential.imported", "credential.shared", "credential.unshared"]


def test_sharing_twice_records_one_change(world, issuer_key):
    credential = imported(world, issuer_key)
    services.share(actor=world.worker, credential=credential)
    services.share(actor=world.worker, credential=credential)

    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "credential.shared")).all()) == 1


def test_an_employer_funded_credential_is_visible_without_sharing_and_stays_so(world, issuer_key):
    approved_leave(world)
    credential = imported(world, issuer_key)

    assert visible_ids(world.employer) == [credential.id] and services.can_see(world.manager, credential)
    services.unshare(actor=world.worker, credential=credential)
    assert services.visible_to_employer(credential)


def test_only_the_employee_or_an_admin_shares(world, issuer_key):
    credential = imported(world, issuer_key)
    for user in (world.manager, world.colleague_user):
        with pytest.raises(CredentialError) as caught:
            services.share(actor=user, credential=credential)
        assert caught.value.message == "Only the employee or an admin of the employer may share a credential."
    assert not credential.shared

    services.share(actor=world.admin, credential=credential)
    assert credential.shared


def test_an_admin_who_uploaded_for_an_employee_sees_it_unshared(world, issuer_key):
    credential = services.import_file(actor=world.admin, employee=world.employee, data=ob3_json(issuer_key),
                                      filename=None, today=TODAY)

    assert services.can_see(world.admin, credential) and not services.can_see(world.manager, credential)


def test_another_employer_never_sees_the_credential(world, issuer_key):
    credential = imported(world, issuer_key)
    services.share(actor=world.worker, credential=credential)
    other = factories.employer("Ander Bedrijf")
    stranger = factories.user("stranger@example.be", roles={other: ["admin", "manager"]})

    assert visible_ids(other) == [] and visible_ids(world.employer) == [credential.id]
    assert not services.can_see(stranger, credential)
