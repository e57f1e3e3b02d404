"""Each format is read with every element mapped as expected, field by field (dataclass equality shows the
field that differs)."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ila_sme.credentials import issuing
from ila_sme.credentials.elements import Elements, Learner
from ila_sme.credentials.formats import parse
from ila_sme.credentials.messages import Message
from ila_sme.credentials.proofs import jws
from tests.support.credentials import (
    EDUBADGES_OB3,
    NATIONAL_ID,
    OB2_WITH_BADGE_URL,
    dumps,
    elm_document,
    sample_elements,
)

CET = timezone(timedelta(hours=1))


def edubadges_expected() -> Elements:
    return Elements(
        learner=Learner(hashed_emails=(("sha256$" + "0" * 64, "pepper"),)),
        title="Microcredential Circular Procurement",
        description="Buy goods and services with the circular economy in mind.",
        issuer_country="NL",
        issuer_region="Utrecht",
        awarding_body="Hogeschool Voorbeeld",
        awarding_body_id="https://badges.example.nl/issuers/hogeschool-voorbeeld",
        awarding_body_url="https://www.hogeschool-voorbeeld.example.nl",
        issued_on=date(2025, 9, 30),
        learning_outcomes=[],
        ects=Decimal("2.5"),
        eqf_level=6,
        assessment_type="application of a skill",
        participation="online",
        quality_assurance="NVAO accreditation",
        supervision="supervised with no identity verification",
        identity_checked=False,
        grade="7.5",
        further_information="Write a procurement plan and defend it.",
        language="nl-NL",
        valid_from=datetime(2025, 9, 30, tzinfo=UTC),
        valid_until=datetime(2030, 9, 30, tzinfo=UTC),
        credential_id="https://badges.example.nl/credentials/crd-0042",
        achievement_id="https://badges.example.nl/achievements/ach-7",
        issuer_id="https://badges.example.nl/issuers/hogeschool-voorbeeld",
        training_id="39280",
    )


def test_open_badges_3_with_edubadges_extension_fields():
    parsed = parse(dumps(EDUBADGES_OB3))

    assert parsed.format == "ob3-json"
    assert parsed.label == "Open Badges 3.0"
    assert parsed.elements == edubadges_expected()
    assert [missing.key for missing in parsed.elements.missing_mandatory()] == ["learning_outcomes"]
    assert parsed.document == EDUBADGES_OB3
    assert parsed.notes == []


def test_open_badges_3_with_the_vc_1_1_envelope():
    document = copy.deepcopy(EDUBADGES_OB3)
    document["@context"][0] = "https://www.w3.org/2018/credentials/v1"
    document["issuanceDate"] = document.pop("validFrom")
    document["expirationDate"] = document.pop("validUntil")
    document["type"] = ["VerifiableCredential", "AchievementCredential"]

    assert parse(dumps(document)).elements == edubadges_expected()


@pytest.mark.parametrize("vc_version", [2, 1])
def test_open_badges_3_built_by_the_app_reads_back_every_element(issuer_key, vc_version):
    elements = sample_elements(issuer_id=issuing.did_key(issuer_key))

    parsed = parse(dumps(issuing.build_ob3(elements, vc_version=vc_version)))

    assert parsed.elements == elements
    assert parsed.elements.missing_mandatory() == []


def test_open_badges_3_as_vc_jwt_whose_payload_is_the_credential(issuer_key):
    elements = sample_elements(issuer_id=issuing.did_key(issuer_key))
    token = issuing.sign_vc_jwt(issuing.build_ob3(elements), issuer_key)

    parsed = parse(token.encode())

    assert parsed.format == "ob3-jwt"
    assert parsed.elements == elements
    assert parsed.token == token
    assert parsed.header == {"alg": "EdDSA", "typ": "vc+jwt"}


def test_open_badges_3_as_vc_jwt_with_the_registered_claims(issuer_key):
    """VC 1.1 JWT encoding: the credential under "vc", its issuer, id, subject and dates in iss/jti/sub/nbf/exp."""
    vc = issuing.build_ob3(sample_elements())
    for name in ("id", "issuer", "validFrom", "validUntil"):
        vc.pop(name)
    claims = {"vc": vc, "iss": "did:example:issuer", "jti": "urn:uuid:1234", "sub": "did:example:emma",
              "nbf": int(datetime(2026, 3, 13, tzinfo=UTC).timestamp()),
              "exp": int(datetime(2031, 3, 13, tzinfo=UTC).timestamp())}
    token = jws().encode(json.dumps(claims).encode(), issuer_key, algorithm="EdDSA", headers={"typ": "JWT"})

    elements = parse(token.encode()).elements

    assert elements.issuer_id == "did:example:issuer"
    assert elements.credential_id == "urn:uuid:1234"
    assert elements.learner.subject_id == "did:example:emma"
    assert elements.valid_from == datetime(2026, 3, 13, tzinfo=UTC)
    assert elements.valid_until == datetime(2031, 3, 13, tzinfo=UTC)
    assert elements.title == "Digital bookkeeping with e-invoices"


def test_a_json_string_holding_the_token_is_read_as_the_token(issuer_key):
    token = issuing.sign_vc_jwt(issuing.build_ob3(sample_elements()), issuer_key)

    assert parse(json.dumps(token).encode()).format == "ob3-jwt"


def test_open_badges_2_with_embedded_badge_and_edubadges_extensions():
    elements = sample_elements(issuer_id="https://syntra.example.be/issuer")

    parsed = parse(dumps(issuing.build_ob2(elements)))

    assert parsed.format == "ob2-json"
    # OB 2.0 has no place for the learner's name, the issuer's address, a grade, prerequisites or stackability
    assert parsed.elements == replace(elements, learner=replace(elements.learner, name=None), issuer_country=None,
                                      issuer_region=None, grade=None, prerequisites=None, stackability=None)
    assert [missing.key for missing in parsed.elements.missing_mandatory()] == ["issuer_country"]


def test_open_badges_2_with_a_hashed_recipient():
    elements = sample_elements()

    learner = parse(dumps(issuing.build_ob2(elements, salt="s@lt"))).elements.learner

    assert learner.emails == ()
    assert learner.matches_email("Emma.Peeters@example.be")
    assert not learner.matches_email("someone.else@example.be")


def test_open_badges_2_badge_given_only_as_url_keeps_the_assertion_and_says_so():
    parsed = parse(dumps(OB2_WITH_BADGE_URL))

    assert parsed.elements == Elements(
        learner=Learner(emails=("emma.peeters@example.be",)),
        issued_on=date(2024, 6, 1),
        valid_from=datetime(2024, 6, 1, 7, 0, tzinfo=UTC),
        further_information="Completed the first-aid course.",
        credential_id="https://badges.example.org/assertions/a-1",
        achievement_id="https://badges.example.org/badgeclasses/b-1",
    )
    assert parsed.notes == [Message("badge_by_url", {"url": "https://badges.example.org/badgeclasses/b-1"})]
    assert str(parsed.notes[0]) == (
        "The badge details are only given as a web address (https://badges.example.org/badgeclasses/b-1). "
        "The app does not fetch it, so only what the assertion itself says is kept."
    )


def test_a_signed_open_badges_2_assertion_as_jws(issuer_key):
    token = issuing.sign_vc_jwt(issuing.build_ob2(sample_elements()), issuer_key, typ="JWT")

    parsed = parse(token.encode())

    assert parsed.format == "ob2-jws"
    assert parsed.elements.title == "Digital bookkeeping with e-invoices"


def test_european_digital_credential_maps_every_element():
    parsed = parse(dumps(elm_document()))

    assert parsed.format == "edc-json"
    assert parsed.elements == Elements(
        learner=Learner(name="Ana Andromeda", emails=("ana@example.eu",), subject_id="urn:epass:person:1",
                        national_id=NATIONAL_ID),
        title="EDC building training course",
        description="Create micro-credentials with every Annex I element.",
        issuer_country="IRL",
        awarding_body="Learning Provider",
        awarding_body_id="urn:epass:org:1",
        awarding_body_url="https://learningprovider.example.edu",
        issued_on=date(2024, 5, 27),
        learning_outcomes=["Communication, collaboration and creativity", "Developing digital content"],
        ects=Decimal("2"),
        hours=Decimal("60"),
        eqf_level=6,
        nqf_level="IE NQF Level 6",
        assessment_type="artefact assessment",
        participation="Blended",
        quality_assurance="QQI validated programme",
        prerequisites="An EU Login account.",
        supervision="Unsupervised without ID Verification",
        identity_checked=False,
        grade="Pass",
        further_information="More on the EDC website.",
        language="English",
        valid_from=datetime(2024, 1, 1, tzinfo=CET),
        valid_until=datetime(2029, 1, 1, tzinfo=CET),
        credential_id="urn:credential:0c3c5a4e-7d1e-4f43-b0a8-0001",
        achievement_id="urn:epass:learningAchievement:1",
        issuer_id="urn:epass:org:1",
        training_id="ODB-777",
    )
    assert parsed.elements.missing_mandatory() == []


def test_european_digital_credential_built_by_the_app_reads_back_every_element():
    elements = sample_elements(issuer_id="urn:epass:org:syntra")
    elements.learner = replace(elements.learner, subject_id="urn:epass:person:emma", national_id=NATIONAL_ID)

    parsed = parse(dumps(issuing.build_edc(elements)))

    # ELM has no field for the issuer's region or for stackability
    assert parsed.elements == replace(elements, issuer_region=None, stackability=None)


def test_a_european_digital_credential_with_several_achievements_shows_the_first_and_says_so():
    document = elm_document()
    claims = document["credentialSubject"]["hasClaim"]
    claims.append({**copy.deepcopy(claims[0]), "id": "urn:epass:learningAchievement:2",
                   "title": {"en": ["Second achievement"]}})

    parsed = parse(dumps(document))

    assert parsed.elements.title == "EDC building training course"
    assert [str(note) for note in parsed.notes] == ["The credential holds 2 achievements; the first one is shown."]


def test_a_credential_wrapped_in_an_export_envelope_is_unwrapped():
    parsed = parse(dumps({"credential": elm_document()}))

    assert parsed.format == "edc-json"
    assert parsed.elements.title == "EDC building training course"


def test_the_upload_is_fingerprinted_by_its_bytes():
    data = dumps(EDUBADGES_OB3)

    assert parse(data).sha256 == hashlib.sha256(data).hexdigest()
