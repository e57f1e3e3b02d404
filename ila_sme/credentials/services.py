"""Held credentials: import an upload or a paper entry, link it to what paid for it, share it, re-check it.

Every function is a plain service: explicit arguments, no request, the caller commits (the nightly check,
``notices.nightly_check``, is a job: it commits one credential at a time). A bad upload or entry raises
``CredentialError`` with a message in the current locale, and nothing is added.

Privacy: the employee owns their credentials. The employer sees one when it was earned through training the
employer approved (leave) or paid (co-funding), or while the employee shares it (``visible_to_employer``).
National numbers are compared, never logged, stored in an audit event or put in a message.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError

from ila_sme.audit.services import record
from ila_sme.credentials import formats, manual, matching, verification
from ila_sme.credentials.elements import Elements, Learner, Missing
from ila_sme.credentials.errors import CredentialError
from ila_sme.credentials.messages import TEXTS, Message
from ila_sme.credentials.models import Credential, VerificationState
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.funding.models import FundingRequest, FundingStatus
from ila_sme.leave.models import LeaveRequest, RequestStatus
from ila_sme.permissions import can_manage_credentials_of, can_view_skills
from ila_sme.trainings.models import Training

MANUAL = "manual"
# Messages of this module, stored like the core's (code + params) and shown in the reader's language.
LOCAL_TEXTS = {
    "manual": _l("Entered by hand from a paper certificate: the app cannot check it."),
}


# Import ---------------------------------------------------------------------------------------


def import_file(*, actor, employee, data: bytes, filename: str | None, today: date) -> Credential:
    """Read, check and store an uploaded credential for ``employee``; CredentialError (too_large, not_json,
    not_credential, malformed_jwt, wrong_learner, duplicate, forbidden) adds nothing.

    A verified upload of a credential held as an invalid or unverified copy replaces that copy (see
    ``_replace``); any other copy held already makes it a duplicate."""
    _require_manager_of(actor, employee)
    parsed = formats.parse(data)
    user = employee.user
    matching.check_learner(parsed.elements, person_name=employee.full_name,
                           emails=[employee.email, user.email if user is not None else None],
                           national_id=employee.national_number)
    key = matching.fingerprint(parsed)
    held = _held_copy(employee, key)
    if held is not None:
        matching.check_may_replace(parsed, held.state)
    checked = verification.verify(parsed, today=today)
    if held is not None:
        matching.check_may_replace(parsed, held.state, checked.state)
    credential = Credential(
        employer_id=employee.employer_id, employee_id=employee.id, employee=employee,
        format=parsed.format, original=bytes(data), original_filename=_filename(filename), fingerprint=key,
        notes=[note.as_dict() for note in parsed.notes], state=checked.state,
        state_messages=[message.as_dict() for message in checked.messages],
        revocation_checked=checked.revocation_checked, checked_at=utcnow(),
        uploaded_by_id=getattr(actor, "id", None), **columns_of(parsed.elements))
    _link(credential, linkable_training(credential.registry_id, employee.employer_id))
    if held is not None:
        _replace(held, credential, actor=actor, title=parsed.elements.title)
    else:
        _store(credential, parsed.elements.title)
    record("credential.imported", actor=actor, employer_id=employee.employer_id, obj=credential,
           after=audit_view(credential))
    return credential


def _store(credential: Credential, title: str | None, replacing: Credential | None = None) -> None:
    """Add it (deleting ``replacing`` first, in the same savepoint); the same credential stored a moment
    ago (a double submit) is a duplicate too, and then nothing was deleted either."""
    try:
        with db.session.begin_nested():
            if replacing is not None:
                db.session.delete(replacing)
                db.session.flush()  # before the insert: (employee, fingerprint) is unique
            db.session.add(credential)
            db.session.flush()
    except IntegrityError as error:
        raise CredentialError("duplicate", _duplicate_message(title)) from error


def _replace(old: Credential, new: Credential, *, actor, title: str | None) -> None:
    """The verified ``new`` takes the place of ``old`` (an invalid or unverified copy of it). The old row is
    deleted, not kept "superseded": no foreign key points at a credential (its links live on it and are made
    again for the new one), so lists, the skills matrix and the nightly check need no filter to forget. The
    audit event keeps the old one's essentials and its document's SHA-256; sharing and a notice carry over."""
    new.shared, new.shared_at = old.shared, old.shared_at
    new.expiry_notified_on = old.expiry_notified_on
    replaced = {
        **audit_view(old), "id": old.id, "state_messages": [item.get("code") for item in old.state_messages or []],
        "uploaded_by_id": old.uploaded_by_id, "created_at": _iso(old.created_at), "checked_at": _iso(old.checked_at),
        "original_sha256": hashlib.sha256(old.original).hexdigest() if old.original is not None else None,
    }
    _store(new, title, replacing=old)
    record("credential.replaced", actor=actor, employer_id=new.employer_id, obj=new, before=replaced,
           after={"id": new.id, "state": new.state, "format": new.format})


def _duplicate_message(title: str | None) -> str:
    return (_("You already hold this credential (%(title)s).", title=title) if title
            else _("You already hold this credential."))


def columns_of(elements: Elements) -> dict:
    """The Credential columns of the parsed elements: Decimal workloads, UTC datetimes, texts cut to fit."""
    values = {
        "learner_name": elements.learner.name, "title": elements.title or "", "description": elements.description,
        "issuer_country": _country(elements.issuer_country), "issuer_region": elements.issuer_region,
        "awarding_body": elements.awarding_body, "awarding_body_id": elements.awarding_body_id,
        "awarding_body_url": elements.awarding_body_url, "issued_on": elements.issued_on,
        "learning_outcomes": [str(item) for item in elements.learning_outcomes],
        "workload_ects": _amount(elements.ects, "workload_ects"),
        "workload_hours": _amount(elements.hours, "workload_hours"),
        "eqf_level": elements.eqf_level if elements.eqf_level in range(1, 9) else None,
        "nqf_level": elements.nqf_level, "assessment_type": elements.assessment_type,
        "participation_form": elements.participation, "quality_assurance": elements.quality_assurance,
        "prerequisites": elements.prerequisites, "supervision": elements.supervision,
        "identity_checked": elements.identity_checked, "grade": elements.grade,
        "stackability": elements.stackability, "further_information": elements.further_information,
        "language": elements.language, "valid_from": _utc(elements.valid_from),
        "valid_until": _utc(elements.valid_until), "external_id": elements.credential_id,
        "achievement_id": elements.achievement_id, "issuer_id": elements.issuer_id,
        "registry_id": _registry_id(elements.training_id),
    }
    return {name: _fit(name, value) for name, value in values.items()}


def _registry_id(value) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _fit(name: str, value):
    """A text longer than its column is cut (PostgreSQL would refuse it)."""
    length = getattr(Credential.__table__.c[name].type, "length", None)
    if isinstance(value, str) and length and len(value) > length:
        return value[: length - 1] + "…"
    return value


def _country(value: str | None) -> str | None:
    value = (value or "").strip()
    return value.upper() if value.isalpha() and 2 <= len(value) <= 3 else None


def _amount(value, column: str) -> Decimal | None:
    """Two decimals, half up; None when it does not fit the column (a credential saying 10⁹ ECTS)."""
    if value is None:
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    numeric = Credential.__table__.c[column].type
    limit = Decimal(10) ** (numeric.precision - numeric.scale)
    return amount if Decimal(0) <= amount < limit else None


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _filename(filename: str | None) -> str | None:
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    return _fit("original_filename", name) or None


def _held_copy(employee, key: str) -> Credential | None:
    """The credential ``employee`` holds with this fingerprint, if any."""
    return db.session.scalar(select(Credential).where(Credential.employee_id == employee.id,
                                                      Credential.fingerprint == key))


def _held_fingerprints(employee) -> list[str]:
    return list(db.session.scalars(select(Credential.fingerprint).where(Credential.employee_id == employee.id)))


def _require_manager_of(actor, employee) -> None:
    """The employee themself or an admin of their employer (``actor=None``: the system, e.g. a data import)."""
    if actor is not None and not can_manage_credentials_of(actor, employee):
        raise CredentialError("forbidden", _("Only the employee or an admin of the employer may do this."))


# Links to training, leave and co-funding ---------------------------------------------------------


def _link(credential: Credential, training) -> None:
    """Link ``training`` and this employee's approved leave and co-funding for it. The training comes from
    a matching registry id (or the form's pick of a catalogue training): a title alone links nothing."""
    credential.training = training
    if training is None:
        return
    employee_id = credential.employee_id
    leave = db.session.scalar(select(LeaveRequest).where(
        LeaveRequest.employee_id == employee_id, LeaveRequest.training_id == training.id,
        LeaveRequest.status.in_((RequestStatus.APPROVED, RequestStatus.CANCELLATION_REQUESTED)),
    ).order_by(LeaveRequest.start_date.desc(), LeaveRequest.id.desc()).limit(1))
    paid_for = FundingRequest.training_id == training.id
    if leave is not None:
        paid_for = or_(paid_for, FundingRequest.leave_request_id == leave.id)
    credential.leave_request = leave
    credential.funding_request = db.session.scalar(select(FundingRequest).where(
        FundingRequest.employee_id == employee_id, FundingRequest.status == FundingStatus.APPROVED, paid_for,
    ).order_by(FundingRequest.asked_on.desc(), FundingRequest.id.desc()).limit(1))


def linkable_training(registry_id: str | None, employer_id: int):
    """The catalogue training (national registry, or this employer's own) with this registry id."""
    if not registry_id:
        return None
    return db.session.scalar(select(Training).where(
        Training.registry_id == registry_id.strip(),
        or_(Training.employer_id.is_(None), Training.employer_id == employer_id)).limit(1))


# Paper certificates ------------------------------------------------------------------------------


def add_manual(*, actor, employee, values: dict, today: date) -> Credential:
    """A credential typed in from a paper certificate (state unverified, or expired when its validity
    ended). ``values`` are Credential column names; ``manual.ManualEntryError`` (a CredentialError whose
    ``errors`` maps each field to its message) adds nothing."""
    _require_manager_of(actor, employee)
    clean = manual.clean(values, employee=employee)
    key = manual.fingerprint(clean)
    if key in _held_fingerprints(employee):
        raise CredentialError("duplicate", _duplicate_message(clean["title"]))
    training = clean.pop("training", None) or linkable_training(clean.get("registry_id"), employee.employer_id)
    if training is not None:
        clean["registry_id"] = clean.get("registry_id") or training.registry_id
    credential = Credential(
        employer_id=employee.employer_id, employee_id=employee.id, employee=employee, format=MANUAL,
        fingerprint=key, notes=[], revocation_checked=False, checked_at=utcnow(),
        uploaded_by_id=getattr(actor, "id", None), **clean)
    credential.state, credential.state_messages = _manual_state(credential, today)
    _link(credential, training)
    _store(credential, clean["title"])
    record("credential.entered", actor=actor, employer_id=employee.employer_id, obj=credential,
           after=audit_view(credential))
    return credential


def _manual_state(credential: Credential, today: date) -> tuple[str, list[dict]]:
    messages = [{"code": "manual", "params": {}}]
    if credential.valid_until is not None and today > credential.valid_until.date():
        expired = Message("expired", {"date": credential.valid_until.date().isoformat()}).as_dict()
        return VerificationState.EXPIRED, [expired, *messages]
    return VerificationState.UNVERIFIED, messages


# Sharing and visibility --------------------------------------------------------------------------


def share(*, actor, credential: Credential) -> Credential:
    return _set_shared(actor, credential, True)


def unshare(*, actor, credential: Credential) -> Credential:
    return _set_shared(actor, credential, False)


def _set_shared(actor, credential: Credential, shared: bool) -> Credential:
    if not can_manage_credentials_of(actor, credential.employee):
        raise CredentialError("forbidden", _("Only the employee or an admin of the employer may share a credential."))
    if credential.shared == shared:
        return credential
    credential.shared = shared
    credential.shared_at = utcnow() if shared else None
    record("credential.shared" if shared else "credential.unshared", actor=actor,
           employer_id=credential.employer_id, obj=credential, before={"shared": not shared},
           after={"shared": shared})
    return credential


def visible_to_employer(credential: Credential) -> bool:
    """Earned through training the employer approved or paid, or shared by the employee."""
    return bool(credential.shared or credential.employer_funded)


def employer_visible(query: Select, employer) -> Select:
    """``query`` (a select over Credential) kept to the credentials ``employer`` may see."""
    return query.where(Credential.employer_id == employer.id, or_(
        Credential.shared.is_(True), Credential.leave_request_id.is_not(None),
        Credential.funding_request_id.is_not(None)))


def visible_credentials(employer) -> Select:
    return employer_visible(select(Credential), employer)


def can_see(user, credential: Credential) -> bool:
    """The owner; whoever uploaded it for them while they may still manage their credentials; the
    employer's managers and admins when the credential is visible to the employer."""
    if credential is None or not getattr(user, "is_authenticated", False):
        return False
    employee = credential.employee
    if employee.user_id is not None and employee.user_id == user.id:
        return True
    if credential.uploaded_by_id == user.id and can_manage_credentials_of(user, employee):
        return True
    return visible_to_employer(credential) and can_view_skills(user, employee.employer)


def held_by(employee, viewer) -> list[Credential]:
    """The credentials ``employee`` holds that ``viewer`` may see, newest first: the employee's page lists them,
    the home page counts them."""
    query = (select(Credential).where(Credential.employee_id == employee.id)
             .order_by(Credential.issued_on.desc().nulls_last(), Credential.id.desc()))
    return [credential for credential in db.session.scalars(query) if can_see(viewer, credential)]


# Reading it back ---------------------------------------------------------------------------------


def missing_elements(credential: Credential) -> list[Missing]:
    """The mandatory EU elements the stored credential lacks."""
    learner = Learner(name=credential.learner_name)
    if not learner.name and credential.original is not None and credential.format != MANUAL:
        try:
            learner = formats.parse(credential.original).elements.learner
        except CredentialError:
            pass
    return Elements(
        learner=learner, title=credential.title, issuer_country=credential.issuer_country,
        issuer_region=credential.issuer_region, awarding_body=credential.awarding_body,
        awarding_body_id=credential.awarding_body_id, issued_on=credential.issued_on,
        learning_outcomes=list(credential.learning_outcomes or []), ects=credential.workload_ects,
        hours=credential.workload_hours, eqf_level=credential.eqf_level, nqf_level=credential.nqf_level,
        assessment_type=credential.assessment_type, participation=credential.participation_form,
        quality_assurance=credential.quality_assurance,
    ).missing_mandatory()


def render_message(data: dict) -> str:
    """One stored message (code + params) in the current locale."""
    code, params = data.get("code"), dict(data.get("params") or {})
    if code in TEXTS:
        return str(Message(code, params))
    template = str(LOCAL_TEXTS.get(code, code))
    return template % params if params else template


def reasons(credential: Credential) -> list[str]:
    """Why the credential has its state, in plain language."""
    return [render_message(item) for item in credential.state_messages or []]


def notes(credential: Credential) -> list[str]:
    """What the import noticed (a badge or issuer given only as a web address …)."""
    return [render_message(item) for item in credential.notes or []]


def audit_view(credential: Credential) -> dict:
    """What an audit event keeps: no learner identifiers, no document."""
    return {
        "title": credential.title, "format": credential.format, "state": credential.state,
        "awarding_body": credential.awarding_body, "issued_on": _iso(credential.issued_on),
        "valid_until": _iso(credential.valid_until), "original_filename": credential.original_filename,
        "training_id": credential.training_id or getattr(credential.training, "id", None),
        "leave_request_id": credential.leave_request_id or getattr(credential.leave_request, "id", None),
        "funding_request_id": credential.funding_request_id or getattr(credential.funding_request, "id", None),
        "shared": bool(credential.shared),
    }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


# Re-checking -------------------------------------------------------------------------------------


def recheck(credential: Credential, *, today: date) -> bool:
    """Verify again (from the stored original; a paper entry only for its validity end). True when the
    state changed; the change is audited. The caller commits."""
    before = credential.state
    if credential.format != MANUAL and credential.original is not None:
        checked = verification.verify(formats.parse(credential.original), today=today)
        credential.state = checked.state
        credential.state_messages = [message.as_dict() for message in checked.messages]
        credential.revocation_checked = checked.revocation_checked
    else:
        credential.state, credential.state_messages = _manual_state(credential, today)
    credential.checked_at = utcnow()
    if credential.state == before:
        return False
    record("credential.state_changed", actor=None, employer_id=credential.employer_id, obj=credential,
           before={"state": before}, after={"state": credential.state})
    return True
