"""Credentials for tests: the elements of one micro-credential, helpers to sign and re-encode, and documents
written out by hand in each format (so the parser is also tested against documents the builders did not make).

The hand-written documents follow the public shapes of edubadges' OB 3.0 examples, an OB 2.0 hosted
assertion and a European Learning Model 3 credential; their content is made up.
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal

from ila_sme.credentials import issuing
from ila_sme.credentials.elements import Elements, Learner

NATIONAL_ID = "85073003328"  # a well-formed, made-up Belgian national number
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
V2 = "https://www.w3.org/ns/credentials/v2"


def sample_elements(issuer_id: str | None = None) -> Elements:
    """Every element filled, as the demo will issue them."""
    return Elements(
        learner=Learner(name="Emma Peeters", emails=("emma.peeters@example.be",)),
        title="Digital bookkeeping with e-invoices",
        description="Record purchase and sales invoices received through Peppol.",
        issuer_country="BE",
        issuer_region="Flanders",
        awarding_body="Syntra Example",
        awarding_body_id=issuer_id,
        awarding_body_url="https://syntra.example.be",
        issued_on=date(2026, 3, 13),
        learning_outcomes=["Book a Peppol invoice", "Close a VAT quarter"],
        ects=Decimal("3"),
        hours=Decimal("75.5"),
        eqf_level=5,
        nqf_level="VKS 5",
        assessment_type="testing",
        participation="onsite or blended",
        quality_assurance="Recognised by the Flemish Government (Syntra)",
        prerequisites="Basic bookkeeping",
        supervision="onsite with identity verification",
        identity_checked=True,
        grade="8.5",
        stackability="Stackable towards the graduate in accountancy",
        further_information="Pass a two-hour practical exam.",
        language="nl",
        valid_from=datetime(2026, 3, 13, tzinfo=UTC),
        valid_until=datetime(2031, 3, 13, tzinfo=UTC),
        credential_id="urn:uuid:6f1c2d7e-0b55-4e0e-9a39-6a3a2f7f1001",
        achievement_id="urn:uuid:6f1c2d7e-0b55-4e0e-9a39-6a3a2f7f2002",
        issuer_id=issuer_id,
        training_id="ODB-123456",
    )


def signed_ob3(key, *, elements: Elements | None = None, issuer: str | None = None, **build) -> dict:
    """An OB 3.0 credential with an eddsa-rdfc-2022 proof by ``key``; the issuer is ``key``'s did:key unless
    ``issuer`` says otherwise (then the proof still names ``key``'s did:key). Sets the issuer on ``elements``."""
    did = issuing.did_key(key)
    elements = elements or sample_elements()
    elements.issuer_id = elements.awarding_body_id = issuer or did
    return issuing.sign_data_integrity(issuing.build_ob3(elements, **build), key, issuing.verification_method(did))


def dumps(document) -> bytes:
    return json.dumps(document).encode("utf-8")


def tamper_token(token: str, change) -> str:
    """The token with its payload changed by ``change(payload)`` and the original signature kept."""
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(data)
    encoded = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


def b64url_json(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


EDUBADGES_OB3 = {
    "@context": [V2, OB3_CONTEXT, "https://example.org/contexts/educredential.json"],
    "id": "https://badges.example.nl/credentials/crd-0042",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "https://badges.example.nl/issuers/hogeschool-voorbeeld",
        "type": ["Profile"],
        "name": "Hogeschool Voorbeeld",
        "url": "https://www.hogeschool-voorbeeld.example.nl",
        "otherIdentifier": [{"type": "IdentifierEntry", "identifier": "00XX", "identifierType": "ext:BRIN"}],
        "address": {"type": ["Address"], "addressCountry": "Nederland", "addressCountryCode": "NL",
                    "addressRegion": "Utrecht", "addressLocality": "Utrecht"},
    },
    "validFrom": "2025-09-30T00:00:00Z",
    "validUntil": "2030-09-30T00:00:00Z",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "hashed": True, "salt": "pepper",
                        "identityHash": "sha256$" + "0" * 64, "identityType": "emailAddress"}],
        "achievement": {
            "id": "https://badges.example.nl/achievements/ach-7",
            "type": ["Achievement", "EducredentialAchievement"],
            "name": "Microcredential Circular Procurement",
            "description": "Buy goods and services with the circular economy in mind.",
            "criteria": {"narrative": "Write a procurement plan and defend it."},
            "inLanguage": "nl-NL",
            "ECTS": 2.5,
            "educationProgramIdentifier": 39280,
            "participationType": "online",
            "assessmentType": "application of a skill",
            "supervisionType": "supervised with no identity verification",
            "identityChecked": False,
            "alignment": [
                {"type": ["Alignment"], "targetType": "ext:QualityAssurance", "targetName": "NVAO accreditation",
                 "targetCode": "NVAO-1", "targetUrl": "https://example.nl/nvao-1"},
                {"type": ["Alignment"], "targetType": "ext:EQF", "targetName": "EQF level 6", "targetCode": "6",
                 "targetUrl": "https://example.nl/eqf"},
                {"type": ["Alignment"], "targetType": "ext:ESCOAlignment", "targetName": "public procurement",
                 "targetUrl": "https://example.nl/esco/1"},
            ],
        },
        "result": [{"type": ["Result"], "resultDescription": "https://badges.example.nl/results/1", "value": "7.5"}],
    },
}

OB2_WITH_BADGE_URL = {
    "@context": "https://w3id.org/openbadges/v2",
    "type": "Assertion",
    "id": "https://badges.example.org/assertions/a-1",
    "recipient": {"type": "email", "hashed": False, "identity": "emma.peeters@example.be"},
    "issuedOn": "2024-06-01T09:00:00+02:00",
    "badge": "https://badges.example.org/badgeclasses/b-1",
    "verification": {"type": "hosted"},
    "narrative": "Completed the first-aid course.",
}


def elm_document() -> dict:
    """A European Learning Model 3 credential in the shape the EDC platform exports (language maps with lists)."""

    def concept(uri, label):
        return {"id": uri, "type": "Concept", "prefLabel": {"en": [label]}}

    return copy.deepcopy({
        "@context": [V2, "http://data.europa.eu/snb/model/context/edc-ap"],
        "id": "urn:credential:0c3c5a4e-7d1e-4f43-b0a8-0001",
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "issuer": {"id": "urn:epass:org:1", "type": "Organisation", "legalName": {"en": ["Learning Provider"]}},
        "issuanceDate": "2024-05-28T11:52:16+02:00",
        "issued": "2024-05-28T11:52:16+02:00",
        "validFrom": "2024-01-01T00:00:00+01:00",
        "expirationDate": "2029-01-01T00:00:00+01:00",
        "credentialSubject": {
            "id": "urn:epass:person:1",
            "type": "Person",
            "givenName": {"en": ["Ana"]},
            "familyName": {"en": ["Andromeda"]},
            "fullName": {"en": ["Ana Andromeda"]},
            "nationalID": {"type": "LegalIdentifier", "notation": NATIONAL_ID},
            "contactPoint": [{"type": "ContactPoint", "emailAddress": [{"id": "mailto:ana@example.eu",
                                                                        "type": "Mailbox"}]}],
            "hasClaim": [{
                "id": "urn:epass:learningAchievement:1",
                "type": "LearningAchievement",
                "title": {"en": ["EDC building training course"]},
                "description": {"en": ["Create micro-credentials with every Annex I element."]},
                "additionalNote": [{"type": "Note", "noteLiteral": {"en": ["More on the EDC website."]}}],
                "awardedBy": {
                    "type": "AwardingProcess",
                    "awardingDate": "2024-05-27T00:00:00+02:00",
                    "awardingBody": [{
                        "id": "urn:epass:org:1",
                        "type": "Organisation",
                        "legalName": {"en": ["Learning Provider"]},
                        "homepage": [{"type": "WebResource", "contentURL": "https://learningprovider.example.edu"}],
                        "location": [{"type": "Location", "address": [{
                            "type": "Address",
                            "countryCode": concept("http://publications.europa.eu/resource/authority/country/IRL",
                                                   "Ireland")}]}],
                    }],
                },
                "provenBy": [{
                    "id": "urn:epass:learningAssessment:1",
                    "type": "LearningAssessment",
                    "title": {"en": ["Digital artefact assessment"]},
                    "grade": {"type": "Note", "noteLiteral": {"en": ["Pass"]}},
                    "idVerification": concept("http://data.europa.eu/snb/supervision-verification/c598449d64",
                                              "Unsupervised without ID Verification"),
                    "specifiedBy": {"type": "LearningAssessmentSpecification",
                                    "dcType": [concept("http://data.europa.eu/snb/assessment/de4d165a6c",
                                                       "artefact assessment")]},
                }],
                "specifiedBy": {
                    "id": "urn:epass:qualification:1",
                    "type": "Qualification",
                    "title": {"en": ["Digital micro-credential creation"]},
                    "creditPoint": [{"type": "CreditPoint", "framework": concept(
                        "http://data.europa.eu/snb/education-credit/6fcec5c5af", "European Credit Transfer System"),
                        "point": "2"}],
                    "entryRequirement": {"type": "Note", "noteLiteral": {"en": ["An EU Login account."]}},
                    "language": [concept("http://publications.europa.eu/resource/authority/language/ENG", "English")],
                    "learningOutcome": [
                        {"type": "LearningOutcome", "title": {"en": ["Communication, collaboration and creativity"]}},
                        {"type": "LearningOutcome", "title": {"en": ["Developing digital content"]}},
                    ],
                    "mode": [concept("http://data.europa.eu/snb/learning-assessment/e92d221e4d", "Blended")],
                    "volumeOfLearning": "P2DT12H",
                    "nqfLevel": [concept("http://data.europa.eu/snb/qdr/c_670e54c7", "IE NQF Level 6")],
                    "eqfLevel": concept("http://data.europa.eu/snb/eqf/6", "Level 6"),
                    "hasAccreditation": [{"type": "Accreditation", "title": {"en": ["QQI validated programme"]}}],
                    "identifier": [{"type": "Identifier", "notation": "ODB-777", "schemeName": "ODB training id"}],
                },
            }],
        },
    })
