"""A credential that came on paper: check the values typed in, the same EU elements as an import.

``clean(values, employee=…)`` takes Credential column names (strings from a form, or already typed values)
and returns the columns to store, or raises ``ManualEntryError`` listing every field that is wrong.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ila_sme.credentials.errors import CredentialError
from ila_sme.credentials.models import Credential
from ila_sme.extensions import db
from ila_sme.trainings.models import Training

TEXT_FIELDS = (
    "learner_name", "title", "description", "issuer_region", "awarding_body", "awarding_body_id",
    "awarding_body_url", "nqf_level", "assessment_type", "participation_form", "quality_assurance",
    "prerequisites", "supervision", "grade", "stackability", "further_information", "language", "registry_id",
)
FIELDS = (*TEXT_FIELDS, "issuer_country", "issued_on", "learning_outcomes", "workload_ects", "workload_hours",
          "eqf_level", "identity_checked", "valid_from", "valid_until", "training_id")


class ManualEntryError(CredentialError):
    """Some values are wrong: ``errors`` maps each field to its message (all of them, not only the first)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid_entry", " ".join(errors.values()))
        self.errors = errors


def clean(values: dict, *, employee) -> dict:
    errors: dict[str, str] = {}
    out: dict = {}
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise TypeError(f"not a field of a paper credential: {', '.join(unknown)}")
    for name in TEXT_FIELDS:
        value = _text(values.get(name))
        length = Credential.__table__.c[name].type.length
        if value is not None and length and len(value) > length:
            errors[name] = _("At most %(num)s characters.", num=length)
        out[name] = value
    if not out["title"]:
        errors["title"] = _("Give the title of the credential.")
    out["learner_name"] = out["learner_name"] or employee.full_name
    country = _text(values.get("issuer_country"))
    if country is not None and not re.fullmatch(r"[A-Za-z]{2,3}", country):
        errors["issuer_country"] = _("Give the issuer's country as a two- or three-letter code, e.g. BE or BEL.")
    out["issuer_country"] = country.upper() if country else None
    out["learning_outcomes"] = _outcomes(values.get("learning_outcomes"))
    for name in ("workload_ects", "workload_hours"):
        out[name] = _decimal(values.get(name), name, errors)
    out["eqf_level"] = _level(values.get("eqf_level"), errors)
    out["identity_checked"] = _flag(values.get("identity_checked"))
    out["issued_on"] = _date(values.get("issued_on"), "issued_on", errors)
    valid_from = _date(values.get("valid_from"), "valid_from", errors)
    valid_until = _date(values.get("valid_until"), "valid_until", errors)
    if valid_from and valid_until and valid_until < valid_from:
        errors["valid_until"] = _("The end of validity comes before its start.")
    out["valid_from"] = datetime.combine(valid_from, time.min, tzinfo=UTC) if valid_from else None
    out["valid_until"] = datetime.combine(valid_until, time.min, tzinfo=UTC) if valid_until else None
    out["training"] = _training(values.get("training_id"), employee, errors)
    if errors:
        raise ManualEntryError(errors)
    return out


def fingerprint(values: dict) -> str:
    """The same paper entry twice (title, awarding body and date of issuing) is one credential."""
    issued = values.get("issued_on")
    basis = "\n".join(("manual", _key(values.get("title")), _key(values.get("awarding_body")),
                       issued.isoformat() if issued else ""))
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def _key(value: str | None) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", value or "") if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _text(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _outcomes(value) -> list[str]:
    """A list, or a text with one learning outcome per line."""
    items = value.splitlines() if isinstance(value, str) else list(value or [])
    return [text for text in (str(item).strip().lstrip("-•*").strip() for item in items) if text]


def _decimal(value, name: str, errors: dict) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        value = str(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ".")) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        errors[name] = _("Give a number, e.g. 3 or 2.5.")
        return None
    numeric = Credential.__table__.c[name].type
    if not amount.is_finite() or amount < 0 or amount >= Decimal(10) ** (numeric.precision - numeric.scale):
        errors[name] = _("Give a number from 0 to %(max)s.", max=10 ** (numeric.precision - numeric.scale) - 1)
        return None
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _level(value, errors: dict) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        level = int(str(value).strip())
    except ValueError:
        level = None
    if isinstance(value, bool) or level is None or not 1 <= level <= 8:
        errors["eqf_level"] = _("The EQF level is a whole number from 1 to 8.")
        return None
    return level


def _flag(value) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "on")
    return bool(value)


def _date(value, name: str, errors: dict) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = _("Give a date as YYYY-MM-DD.")
        return None


def _training(value, employee, errors: dict):
    """A catalogue training picked on the form: the national registry's or this employer's own."""
    if value is None or value == "":
        return None
    try:
        training_id = int(value)
    except (TypeError, ValueError):
        training_id = None
    training = training_id and db.session.scalar(select(Training).where(
        Training.id == training_id,
        or_(Training.employer_id.is_(None), Training.employer_id == employee.employer_id)))
    if not training:
        errors["training_id"] = _("Choose a training from the catalogue.")
        return None
    return training
