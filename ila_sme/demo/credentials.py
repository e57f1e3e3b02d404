"""The demo's micro-credentials, imported through the real services so the rows are what users would get.

Open Badges 3.0 credentials signed by demo issuers (Data Integrity, and one VC-JWT) and so verified; one
expired; one paper certificate entered by hand (unverified); some expiring within 60 or 90 days; several
naming the registry training the employer approved leave or co-funding for (employer-funded, visible in the
skills matrix); one shared by the employee; one neither shared nor funded, which only its owner sees.

Each demo issuer's Ed25519 key is derived from a fixed seed, so its did:key is the same on every machine.
Dates are relative to ``dates.today()``. Idempotent: an employer whose staff already hold credentials gets none.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from ila_sme.accounts.models import User
from ila_sme.credentials import issuing, services
from ila_sme.credentials.elements import Elements, Learner
from ila_sme.credentials.keys import crypto
from ila_sme.credentials.models import Credential
from ila_sme.employers.models import Employer, Membership
from ila_sme.extensions import db
from ila_sme.people.models import EmployeeRecord
from ila_sme.roles import Role
from ila_sme.trainings.models import Training

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ID_NAMESPACE = uuid.UUID("5b0f7d52-8c1e-4a8e-9a57-3d0c1f7e6a11")  # the demo credentials' ids

# Awarding bodies: name -> (web address, country, region, quality assurance)
ISSUERS = {
    "Syntra Midden-Vlaanderen": ("https://www.syntra-mvl.be", "BE", "Vlaanderen",
                                 "Erkend door de Vlaamse overheid (Syntra Vlaanderen)"),
    "Syntra West": ("https://www.syntrawest.be", "BE", "Vlaanderen",
                    "Erkend door de Vlaamse overheid (Syntra Vlaanderen)"),
    "Syntra Antwerpen en Vlaams-Brabant": ("https://www.syntra-ab.be", "BE", "Vlaanderen",
                                           "Erkend door de Vlaamse overheid (Syntra Vlaanderen)"),
    "Vlerick Business School": ("https://www.vlerick.com", "BE", "Vlaanderen",
                                "EQUIS- en AACSB-geaccrediteerde business school"),
    "CVO Antwerpen": ("https://www.cvoantwerpen.be", "BE", "Vlaanderen",
                      "Erkend en gesubsidieerd door het Vlaamse Ministerie van Onderwijs"),
    "Volta": ("https://www.volta-org.be", "BE", "Vlaanderen", "Erkend opleidingsverstrekker van de sector (PC 149.01)"),
    "Koffie Academie Gent": ("https://koffieacademie.example.be", "BE", "Vlaanderen",
                             "Specialty Coffee Association: erkende trainer"),
    "Bruxelles Formation": ("https://www.bruxellesformation.brussels", "BE", "Bruxelles",
                            "Organisme public de formation professionnelle (Région de Bruxelles-Capitale)"),
}

# employer key, employee, how (di: Data Integrity, jwt: VC-JWT, manual: paper), training key (its registry id is
# named: linked to the approved leave / co-funding), shared, issued (days before today; None: a week after the
# training ended), valid until (days from today; None: no end), the elements.
CREDENTIALS = [
    ("bakery", "Tom Claes", "di", "haccp", False, None, 45, {
        "awarding_body": "Syntra Midden-Vlaanderen", "grade": "Geslaagd",
        "description": "Voedselveiligheid in de bakkerij: het HACCP-plan, hygiëne en registratie.",
        "learning_outcomes": ["Stelt een HACCP-plan op voor een ambachtelijke bakkerij",
                              "Bewaakt en registreert de kritische controlepunten",
                              "Past de hygiëneregels van het FAVV toe"],
        "assessment_type": "Praktijkproef en schriftelijk examen", "participation": "Op locatie",
        "language": "nl"}),
    ("bakery", "Tom Claes", "jwt", "leadership", False, None, 5 * 365, {
        "awarding_body": "Vlerick Business School", "ects": Decimal("3"), "grade": "B+",
        "description": "Lead a small team through change: feedback, delegation and coaching conversations.",
        "learning_outcomes": ["Gives and asks for feedback in a structured way",
                              "Delegates tasks with clear expectations", "Coaches team members towards goals"],
        "assessment_type": "Individual assignment and peer review", "participation": "Blended",
        "supervision": "Supervised, identity verified", "identity_checked": True,
        "stackability": "Counts towards the Vlerick Certificate in Management", "language": "en"}),
    ("bakery", "Sarah Janssens", "di", "boekhouden", False, None, None, {
        "awarding_body": "Syntra West",
        "description": "Dubbel boekhouden voor de kleine onderneming, van aankoopfactuur tot btw-aangifte.",
        "learning_outcomes": ["Boekt aankoop- en verkoopfacturen", "Maakt een btw-aangifte op",
                              "Leest een balans en resultatenrekening"],
        "assessment_type": "Schriftelijk examen", "participation": "Op locatie", "language": "nl"}),
    ("bakery", "Mehmet Yilmaz", "di", "zuurdesem", False, None, 80, {
        "awarding_body": "Syntra Antwerpen en Vlaams-Brabant", "grade": "Zeer goed",
        "description": "Brood met zuurdesem en lange rijs: desem kweken, deeg plannen, bakken.",
        "learning_outcomes": ["Kweekt en onderhoudt een zuurdesem", "Plant een deeg met lange, koude rijs",
                              "Bakt brood met een open kruim en krokante korst"],
        "assessment_type": "Praktijkproef", "participation": "Op locatie", "language": "nl"}),
    ("bakery", "Mehmet Yilmaz", "di", None, False, 150, None, {
        "title": "Barista Skills Foundation", "awarding_body": "Koffie Academie Gent", "hours": Decimal("16"),
        "eqf_level": 3, "description": "Espresso and milk drinks to a consistent standard.",
        "learning_outcomes": ["Dials in an espresso grinder", "Steams and textures milk for latte art"],
        "assessment_type": "Practical exam", "participation": "Onsite", "language": "en"}),
    ("bakery", "Bram De Smet", "di", "vca", True, 10 * 365, -20, {
        "awarding_body": "Volta", "grade": "Geslaagd",
        "description": "Basisveiligheid volgens VCA voor operationele medewerkers.",
        "learning_outcomes": ["Herkent de risico's op de werkvloer", "Gebruikt persoonlijke beschermingsmiddelen"],
        "assessment_type": "Examen met meerkeuzevragen", "participation": "Op locatie", "language": "nl"}),
    ("bakery", "Kevin Dubois", "di", "excel", False, None, None, {
        "awarding_body": "CVO Antwerpen",
        "description": "Draaitabellen, zoekfuncties en grafieken voor de productieplanning.",
        "learning_outcomes": ["Maakt een draaitabel van de verkoopcijfers", "Gebruikt X.ZOEKEN en voorwaardelijke "
                              "opmaak"],
        "assessment_type": "Opdracht op de computer", "participation": "Gemengd (online en op locatie)",
        "language": "nl"}),
    ("installer", "Lucas Wouters", "di", "arei", False, None, None, {
        "awarding_body": "Volta", "description": "Wat verandert er in het AREI: nieuwe regels en hun toepassing.",
        "learning_outcomes": ["Past het AREI toe op een residentiële installatie",
                              "Bereidt een installatie voor op de keuring"],
        "assessment_type": "Schriftelijk examen", "participation": "Op locatie", "language": "nl"}),
    ("installer", "Lucas Wouters", "di", "warmtepompen", False, None, 50, {
        "awarding_body": "Volta", "grade": "Geslaagd",
        "description": "Warmtepompen dimensioneren, plaatsen en in gebruik nemen.",
        "learning_outcomes": ["Berekent het warmteverlies van een woning", "Kiest en plaatst een warmtepomp",
                              "Neemt een warmtepomp in gebruik en regelt ze in"],
        "assessment_type": "Praktijkproef", "participation": "Op locatie", "language": "nl"}),
    ("installer", "Ruben Hermans", "di", "knx", False, None, None, {
        "awarding_body": "Volta", "description": "Een KNX-installatie ontwerpen en programmeren met ETS.",
        "learning_outcomes": ["Programmeert KNX-componenten met ETS", "Zoekt fouten in een KNX-lijn"],
        "assessment_type": "Praktijkproef", "participation": "Op locatie", "language": "nl"}),
    ("installer", "Sofie Lambert", "di", None, True, 240, None, {
        "title": "Gestion de la relation client", "awarding_body": "Bruxelles Formation", "hours": Decimal("35"),
        "eqf_level": 4, "description": "Accueillir, conseiller et fidéliser les clients, au téléphone et par écrit.",
        "learning_outcomes": ["Traite une réclamation de client", "Rédige une offre claire et complète"],
        "assessment_type": "Mise en situation", "participation": "En présentiel", "language": "fr"}),
]

# The paper certificate, entered by hand: employer key, employee, shared, issued and valid-until days, values.
PAPER = ("bakery", "Sarah Janssens", True, 330, 25, {
    "title": "EHBO op het werk", "awarding_body": "Rode Kruis-Vlaanderen", "issuer_country": "BE",
    "issuer_region": "Vlaanderen", "learning_outcomes": ["Verleent eerste hulp bij een arbeidsongeval",
                                                         "Gebruikt een AED"],
    "workload_hours": Decimal("16"), "assessment_type": "Praktijkproef", "participation_form": "Op locatie",
    "quality_assurance": "Erkend door de FOD Werkgelegenheid", "language": "nl"})


def issuer_key(name: str) -> Ed25519PrivateKey:
    """The demo issuer's key, the same on every machine (never use a derived key outside a demo)."""
    seed = hashlib.sha256(f"ila-sme demo issuer\n{name}".encode()).digest()
    return crypto().Ed25519PrivateKey.from_private_bytes(seed)


def has_credentials(employer: Employer) -> bool:
    return db.session.scalar(select(Credential.id).where(Credential.employer_id == employer.id).limit(1)) is not None


def seed(employer: Employer, key: str, trainings: dict[str, Training], today: date) -> None:
    """The employer's demo credentials (none when its staff already hold some)."""
    if has_credentials(employer):
        return
    for employer_key, name, how, training_key, shared, issued_days, until_days, values in CREDENTIALS:
        if employer_key != key:
            continue
        employee = _employee(employer, name)
        training = trainings.get(training_key)
        issued = _issued(training, issued_days, today)
        data = _document(employee, how, training, issued, until_days, values, today)
        actor = _actor(employee)
        credential = services.import_file(actor=actor, employee=employee, data=data, today=today,
                                          filename=f"{_slug(employee.full_name)}-{training_key or 'badge'}."
                                                   + ("jwt" if how == "jwt" else "json"))
        if shared:
            services.share(actor=actor, credential=credential)
    paper_key, name, shared, issued_days, until_days, values = PAPER
    if paper_key == key:
        employee = _employee(employer, name)
        actor = _actor(employee)
        credential = services.add_manual(actor=actor, employee=employee, today=today, values={
            **values, "issued_on": today - timedelta(days=issued_days),
            "valid_until": today + timedelta(days=until_days)})
        if shared:
            services.share(actor=actor, credential=credential)
    db.session.flush()


def _employee(employer: Employer, name: str) -> EmployeeRecord:
    first, last = name.split(" ", 1)
    return db.session.scalar(select(EmployeeRecord).where(
        EmployeeRecord.employer_id == employer.id, EmployeeRecord.first_name == first,
        EmployeeRecord.last_name == last))


def _actor(employee: EmployeeRecord) -> User:
    """The employee uploads their own; for staff without a login, an admin of the employer does."""
    if employee.user is not None:
        return employee.user
    return db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.employer_id == employee.employer_id, Membership.role == Role.ADMIN).order_by(User.id).limit(1))


def _issued(training: Training | None, issued_days: int | None, today: date) -> date:
    if issued_days is not None or training is None or training.ends_on is None:
        return today - timedelta(days=issued_days or 30)
    return min(training.ends_on + timedelta(days=7), today - timedelta(days=1))


def _document(employee: EmployeeRecord, how: str, training: Training | None, issued: date, until_days: int | None,
              values: dict, today: date) -> bytes:
    body = values["awarding_body"]
    url, country, region, quality = ISSUERS[body]
    key = issuer_key(body)
    did = issuing.did_key(key)
    title = values.get("title") or training.title
    fields = dict(
        learner=Learner(name=employee.full_name, emails=(employee.email,) if employee.email else ()),
        title=title, issuer_country=country, issuer_region=region, awarding_body_id=did,
        awarding_body_url=url, issued_on=issued, quality_assurance=quality,
        hours=training.hours if training is not None else None,
        eqf_level=training.eqf_level if training is not None else None,
        valid_from=datetime.combine(issued, time.min, tzinfo=UTC),
        valid_until=datetime.combine(today + timedelta(days=until_days), time.min, tzinfo=UTC)
        if until_days is not None else None,
        credential_id=f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, f'{employee.full_name}|{title}')}",
        achievement_id=f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, f'{body}|{title}')}", issuer_id=did,
        training_id=training.registry_id if training is not None else None)
    fields.update((name, value) for name, value in values.items() if name != "title")
    elements = Elements(**fields)
    document = issuing.build_ob3(elements)
    if how == "jwt":
        return issuing.sign_vc_jwt(document, key, kid=issuing.verification_method(did)).encode("ascii")
    signed = issuing.sign_data_integrity(document, key, issuing.verification_method(did),
                                         created=datetime.combine(issued, time(9), tzinfo=UTC))
    return json.dumps(signed, ensure_ascii=False, indent=2).encode("utf-8")


def _slug(name: str) -> str:
    return "-".join(name.lower().split())


def summary() -> str:
    states = dict(db.session.execute(select(Credential.state, func.count()).group_by(Credential.state)).all())
    details = ", ".join(f"{state} {count}" for state, count in sorted(states.items()))
    funded = db.session.scalar(select(func.count()).select_from(Credential).where(
        (Credential.leave_request_id.is_not(None)) | (Credential.funding_request_id.is_not(None))))
    shared = db.session.scalar(select(func.count()).select_from(Credential).where(Credential.shared.is_(True)))
    return (f"{sum(states.values())} micro-credentials exist ({details}); {funded} employer-funded, "
            f"{shared} shared.")
