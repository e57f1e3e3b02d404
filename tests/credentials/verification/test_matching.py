"""Wrong learner and duplicates: the two refusals that need the person and the credentials already held."""

from __future__ import annotations

import pytest

from ila_sme.credentials import issuing
from ila_sme.credentials.errors import CredentialError
from ila_sme.credentials.formats import parse
from ila_sme.credentials.matching import check_learner, check_not_duplicate, fingerprint
from tests.support.credentials import NATIONAL_ID, dumps, elm_document, sample_elements


def test_the_learners_email_confirms_it_even_when_hashed():
    hashed = parse(dumps(issuing.build_ob3(sample_elements(), salt="pepper"))).elements

    assert check_learner(hashed, person_name="Someone Renamed", emails=["emma.peeters@example.be"])


def test_the_name_confirms_it_ignoring_accents_case_and_order():
    elements = parse(dumps(elm_document())).elements

    assert check_learner(elements, person_name="andromeda, ána", emails=["private@example.eu"])


def test_the_national_number_confirms_it():
    elements = parse(dumps(elm_document())).elements

    assert check_learner(elements, person_name="A. Andromeda", national_id="85.07.30-033.28")


def test_a_credential_of_someone_else_is_refused_with_a_message_that_names_them_but_no_number():
    elements = parse(dumps(elm_document())).elements

    with pytest.raises(CredentialError) as caught:
        check_learner(elements, person_name="Emma Peeters", emails=["emma.peeters@example.be"],
                      national_id="90010100123")

    assert caught.value.code == "wrong_learner"
    assert caught.value.message == "This credential was issued to Ana Andromeda, not to Emma Peeters."
    assert NATIONAL_ID not in caught.value.message


def test_a_hashed_email_that_does_not_match_is_someone_else():
    elements = parse(dumps(issuing.build_ob3(sample_elements(), salt="pepper"))).elements
    elements.learner.name = None

    with pytest.raises(CredentialError) as caught:
        check_learner(elements, person_name="Eva Janssens", emails=["eva@example.be"])

    assert caught.value.message == "This credential was issued to someone else, not to Eva Janssens."


def test_a_learner_named_only_by_a_did_cannot_be_confirmed_or_refused():
    elements = sample_elements()
    elements.learner = type(elements.learner)(subject_id="did:key:z6MkLearner")

    assert check_learner(elements, person_name="Emma Peeters", emails=["emma.peeters@example.be"]) is False


def test_the_same_credential_as_json_and_as_vc_jwt_is_one_credential(issuer_key):
    document = issuing.build_ob3(sample_elements(issuer_id=issuing.did_key(issuer_key)))
    as_json = parse(dumps(document))
    as_token = parse(issuing.sign_vc_jwt(document, issuer_key).encode())

    assert fingerprint(as_json) == fingerprint(as_token)
    with pytest.raises(CredentialError) as caught:
        check_not_duplicate(as_token, held=[fingerprint(as_json)])

    assert caught.value.code == "duplicate"
    assert caught.value.message == "You already hold this credential (Digital bookkeeping with e-invoices)."


def test_a_new_credential_is_not_a_duplicate_and_gets_its_key():
    first = parse(dumps(issuing.build_ob3(sample_elements())))
    other_elements = sample_elements()
    other_elements.credential_id = "urn:uuid:another"
    second = parse(dumps(issuing.build_ob3(other_elements)))

    assert check_not_duplicate(second, held=[fingerprint(first)]) == fingerprint(second)


def test_a_credential_without_id_is_a_duplicate_when_the_document_is_the_same():
    document = elm_document()
    del document["id"]
    first, again = parse(dumps(document)), parse(dumps(document))

    with pytest.raises(CredentialError) as caught:
        check_not_duplicate(again, held={fingerprint(first)})

    assert caught.value.message == "You already hold this credential (EDC building training course)."


def test_without_the_persons_name_the_message_speaks_to_the_uploader():
    elements = parse(dumps(elm_document())).elements

    with pytest.raises(CredentialError) as caught:
        check_learner(elements, emails=["emma.peeters@example.be"])

    assert caught.value.message == "This credential was issued to Ana Andromeda, not to you."
