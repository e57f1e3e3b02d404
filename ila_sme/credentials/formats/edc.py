"""European Digital Credentials for Learning: the European Learning Model (ELM 3) JSON-LD credential
(``type`` VerifiableCredential + EuropeanDigitalCredential).

The learner is ``credentialSubject`` (a Person); each achievement is a ``hasClaim`` (LearningAchievement)
awarded by ``awardedBy.awardingBody``, specified by ``specifiedBy`` (volume of learning, credit points,
EQF/NQF level, learning outcomes, mode, entry requirement, accreditation) and proven by ``provenBy``
(a LearningAssessment: grade, ID verification, assessment type). Texts are language maps; classifications
are Concepts with a ``prefLabel``. Only the first claim is mapped.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ila_sme.credentials.elements import Elements, Learner
from ila_sme.credentials.formats.badges import TRAINING_ID_HINT, identity_checked_from
from ila_sme.credentials.formats.common import (
    as_list,
    country_code,
    decimal,
    duration_hours,
    eqf_level,
    identifier,
    node,
    parse_date,
    parse_datetime,
    text,
    texts,
)
from ila_sme.credentials.messages import Message

ECTS_FRAMEWORK = "http://data.europa.eu/snb/education-credit/6fcec5c5af"


def map_edc(doc: dict) -> tuple[Elements, list[Message]]:
    notes: list[Message] = []
    elements = Elements(credential_id=identifier(doc.get("id")))
    elements.issuer_id = identifier(doc.get("issuer"))
    elements.valid_from = parse_datetime(doc.get("validFrom") or doc.get("issuanceDate"))
    elements.valid_until = parse_datetime(doc.get("validUntil") or doc.get("expirationDate"))

    subject = node(doc.get("credentialSubject"))
    elements.learner = _learner(subject)
    claims = [claim for claim in as_list(subject.get("hasClaim")) if isinstance(claim, dict)]
    if len(claims) > 1:
        notes.append(Message("several_claims", {"count": len(claims)}))
    claim = next((c for c in claims if "LearningAchievement" in as_list(c.get("type"))), claims[0] if claims else {})
    spec = node(claim.get("specifiedBy"))
    awarding = node(claim.get("awardedBy"))
    body = node(awarding.get("awardingBody")) or node(doc.get("issuer"))
    assessment = node(claim.get("provenBy"))

    elements.achievement_id = identifier(claim.get("id"))
    elements.title = text(claim.get("title")) or text(spec.get("title"))
    elements.description = text(claim.get("description")) or text(spec.get("description"))
    elements.awarding_body = text(body.get("legalName")) or text(body.get("prefLabel"))
    elements.awarding_body_id = identifier(body.get("id"))
    elements.awarding_body_url = next(
        (url for page in as_list(body.get("homepage")) if (url := _url(node(page).get("contentURL")))), None
    )
    elements.issuer_country = _country(body) or _country(node(doc.get("issuer")))
    elements.issued_on = parse_date(
        awarding.get("awardingDate") or doc.get("issued") or doc.get("issuanceDate") or doc.get("validFrom")
    )

    elements.learning_outcomes = texts(spec.get("learningOutcome")) or texts(claim.get("learningOutcome"))
    elements.ects = _ects(spec.get("creditPoint")) if spec.get("creditPoint") else _ects(claim.get("creditReceived"))
    elements.hours = duration_hours(spec.get("volumeOfLearning"))
    elements.eqf_level = eqf_level(spec.get("eqfLevel"))
    elements.nqf_level = text(spec.get("nqfLevel"))
    elements.participation = text(spec.get("mode"))
    elements.quality_assurance = text(spec.get("hasAccreditation")) or text(body.get("accreditation"))
    elements.prerequisites = text(spec.get("entryRequirement"))
    elements.language = text(spec.get("language"))

    assessment_spec = node(assessment.get("specifiedBy"))
    elements.assessment_type = text(assessment_spec.get("dcType")) or text(assessment.get("title"))
    elements.grade = text(assessment.get("grade"))
    elements.supervision = text(assessment.get("idVerification"))
    elements.identity_checked = identity_checked_from(elements.supervision)
    elements.further_information = text(claim.get("additionalNote")) or text(spec.get("additionalNote"))
    elements.training_id = _training_id(spec)
    return elements, notes


def _learner(person: dict) -> Learner:
    full = text(person.get("fullName"))
    parts = [part for part in (text(person.get("givenName")), text(person.get("familyName"))) if part]
    emails = []
    for point in as_list(person.get("contactPoint")):
        for mailbox in as_list(node(point).get("emailAddress") if isinstance(point, dict) else None):
            address = identifier(mailbox)
            if address:
                emails.append(re.sub(r"^mailto:", "", address, flags=re.IGNORECASE))
    national = node(person.get("nationalID"))
    return Learner(
        name=" ".join(parts) or full,
        emails=tuple(dict.fromkeys(emails)),
        subject_id=identifier(person.get("id")),
        national_id=text(national.get("notation")) if national else None,
    )


def _ects(points) -> Decimal | None:
    for point in as_list(points):
        if not isinstance(point, dict):
            continue
        framework = node(point.get("framework"))
        label = (text(framework.get("prefLabel")) or "").lower()
        if identifier(framework) == ECTS_FRAMEWORK or "ects" in label or "european credit transfer" in label:
            return decimal(point.get("point"))
    return None


def _country(organisation: dict) -> str | None:
    places = as_list(organisation.get("location")) + as_list(organisation.get("contactPoint"))
    for place in places:
        for address in as_list(node(place).get("address") if isinstance(place, dict) else None):
            code = country_code(node(address).get("countryCode") if isinstance(address, dict) else None)
            if code:
                return code
    return None


def _training_id(spec: dict) -> str | None:
    for entry in as_list(spec.get("identifier")):
        if isinstance(entry, dict) and TRAINING_ID_HINT.search(str(entry.get("schemeName") or "")):
            return text(entry.get("notation"))
    return None


def _url(value) -> str | None:
    return value if isinstance(value, str) and value.lower().startswith(("https://", "http://")) else None
