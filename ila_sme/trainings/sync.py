"""Mirror the national register's training registry into ``trainings`` (ledger-api.md, ``GET /v1/trainings``).

``sync_registry`` asks the register what changed since the last successful run's watermark (the client
follows ``next_cursor``) and upserts every training by ``registry_id``. ``importer.import_file`` brings the
same data from a CSV or JSON file. Both go through ``parse_training`` and ``upsert``: one reading of a
training, one way of writing it.

Rules of the mirror:
- a registry training has ``employer_id`` NULL; a row whose ``registry_id`` belongs to an employer's own
  training is an error, never overwritten;
- a training is never deleted: the register marks it ``withdrawn`` and so do we;
- money never passes through a float: ``cost`` is a decimal string (or an integer) and becomes cents;
  hours and ECTS that arrive as JSON numbers become ``Decimal(str(x))``;
- a run is one transaction: any error rolls back every training it touched, and the run is recorded as
  failed on its own (so the sync-runs page shows it) before the error is raised.

Like the leave jobs, these functions own their transaction (they commit); the CLI calls them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ila_sme.audit.services import changes, record
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.money import to_cents
from ila_sme.register.client import RegisterError
from ila_sme.trainings.models import Training
from ila_sme.trainings.services import audit_view
from ila_sme.trainings.sync_models import RegistrySyncRun

DELIVERIES = ("onsite", "online", "blended")
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "ja", "j", "oui", "o", "waar", "x"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "nee", "non", "onwaar", ""})
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
SCHEME_NAME = re.compile(r"^[a-z][a-z0-9_-]{1,29}$")  # "vov", "vouchers", "sme_wallet", ...
SCHEME_SEPARATORS = re.compile(r"[\s,;|]+")  # a CSV cell: "vov;vouchers", "vov, vouchers"
HOURS_STEP, ECTS_STEP = Decimal("0.01"), Decimal("0.1")  # the columns' scale: Numeric(7, 2), Numeric(5, 1)
MAX_HOURS, MAX_ECTS = Decimal("99999.99"), Decimal("9999.9")
ERROR_LENGTH = 500  # RegistrySyncRun.error


class SyncError(Exception):
    """The sync failed; nothing of it was saved but the failed run. The message is fit for the run's record."""


class RowError(Exception):
    """One training of the register or of a file cannot be taken: every reason found."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class RegistryTraining:
    """One training of the registry, checked and converted to the catalogue's types."""

    registry_id: str
    title: str
    provider_name: str
    language: str
    delivery: str
    hours: Decimal
    study_points: Decimal | None
    eqf_level: int | None
    cost_cents: int
    eligible_ila: bool
    eligible_paid_leave: bool
    leads_to_microcredential: bool
    valid_from: date | None
    valid_until: date | None
    withdrawn: bool
    starts_on: date | None = None  # the course itself (optional in the registry)
    ends_on: date | None = None
    qualifies_for: list[str] | None = None  # the schemes the registry lists it for; None: not said
    updated_at: datetime | None = None  # when the register last changed it (the sync's watermark)
    updated_at_text: str | None = None  # as the register wrote it, to send back as ``updated_since``

    def values(self) -> dict:
        """The columns of ``Training`` this sets."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("updated_at")}


@dataclass
class Counts:
    """What a run did. Every training read lands in exactly one of the four."""

    inserted: int = 0
    updated: int = 0
    withdrawn: int = 0  # newly withdrawn (it was listed before this run)
    unchanged: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def summary(self) -> str:
        return (f"inserted {self.inserted}, updated {self.updated}, withdrawn {self.withdrawn}, "
                f"unchanged {self.unchanged}")


# Reading one training --------------------------------------------------------------------------


def parse_training(data, *, require_updated_at: bool = False) -> RegistryTraining:
    """A training object of ledger-api.md's shape (values may also be the strings of a CSV file).
    Raises ``RowError`` with every problem found."""
    if not isinstance(data, Mapping):
        raise RowError([_("A training must be an object with named fields")])
    reasons: list[str] = []

    def take(convert, value, *args):
        try:
            return convert(value, *args)
        except ValueError as error:
            reasons.append(str(error))
            return None

    provider = data.get("provider")  # the register's object; a CSV file has a provider_name column
    provider_name, provider_field = ((provider.get("name"), "provider.name") if isinstance(provider, Mapping)
                                     else (data.get("provider_name"), "provider_name"))
    values = {
        "registry_id": take(_text, data.get("registry_id"), "registry_id", 40),
        "title": take(_text, data.get("title"), "title", 300),
        "provider_name": take(_text, provider_name, provider_field, 200),
        "language": take(_language, data.get("language")),
        "delivery": take(_delivery, data.get("delivery")),
        "hours": take(_number, data.get("hours"), "hours", HOURS_STEP, MAX_HOURS, True),
        "study_points": take(_number, data.get("ects"), "ects", ECTS_STEP, MAX_ECTS, False),
        "eqf_level": take(_eqf, data.get("eqf_level")),
        "cost_cents": take(_cost, data.get("cost"), data.get("currency")),
        "eligible_ila": take(_flag, data.get("eligible_ila"), "eligible_ila"),
        "eligible_paid_leave": take(_flag, data.get("eligible_paid_leave"), "eligible_paid_leave"),
        "leads_to_microcredential": take(_flag, data.get("leads_to_microcredential"), "leads_to_microcredential"),
        "valid_from": take(_date, data.get("valid_from"), "valid_from"),
        "valid_until": take(_date, data.get("valid_until"), "valid_until"),
        "withdrawn": take(_flag, data.get("withdrawn"), "withdrawn"),
        "starts_on": take(_date, data.get("starts_on"), "starts_on"),
        "ends_on": take(_date, data.get("ends_on"), "ends_on"),
        "qualifies_for": take(_schemes, data.get("qualifies_for")),
    }
    updated_at = take(_timestamp, data.get("updated_at"), require_updated_at)
    if values["valid_from"] and values["valid_until"] and values["valid_until"] < values["valid_from"]:
        reasons.append(_("valid_until %(until)s is before valid_from %(start)s",
                         until=values["valid_until"].isoformat(), start=values["valid_from"].isoformat()))
    if values["starts_on"] and values["ends_on"] and values["ends_on"] < values["starts_on"]:
        reasons.append(_("ends_on %(end)s is before starts_on %(start)s",
                         end=values["ends_on"].isoformat(), start=values["starts_on"].isoformat()))
    if reasons:
        raise RowError(reasons)
    text = str(data["updated_at"]).strip() if updated_at else None
    if text and len(text) > 40:  # RegistrySyncRun.watermark
        text = updated_at.isoformat().replace("+00:00", "Z")
    return RegistryTraining(**values, updated_at=updated_at, updated_at_text=text)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value, name: str, length: int) -> str:
    if _blank(value):
        raise ValueError(_("%(field)s is missing", field=name))
    if not isinstance(value, str):
        raise ValueError(_("%(field)s must be text", field=name))
    text = " ".join(value.split())
    if len(text) > length:
        raise ValueError(_("%(field)s is longer than %(length)s characters", field=name, length=length))
    if name == "registry_id" and " " in text:
        raise ValueError(_("registry_id %(id)s contains spaces", id=text))
    return text


def _language(value) -> str:
    if _blank(value):
        return "nl"
    code = str(value).strip().split("-")[0].split("_")[0].lower()
    if not LANGUAGE.match(code):
        raise ValueError(_("language %(value)s is not a language code such as nl, fr or en", value=value))
    return code


def _delivery(value) -> str:
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in DELIVERIES:
        raise ValueError(_("delivery must be onsite, online or blended, not %(value)s", value=_shown(value)))
    return text


def decimal_text(value: str) -> str:
    """'1.234,56' / '1234,56' / '1234.56' -> '1234.56': the last separator is the decimal one."""
    text = value.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    return text


def _as_decimal(value, name: str) -> Decimal:
    """A JSON number (through ``str``, never float arithmetic), an integer, or a decimal string."""
    if isinstance(value, bool):
        raise ValueError(_("%(field)s must be a number, not %(value)s", field=name, value=_shown(value)))
    try:
        number = Decimal(str(value)) if isinstance(value, int | float | Decimal) else Decimal(decimal_text(value))
    except (InvalidOperation, AttributeError, TypeError):
        raise ValueError(_("%(field)s must be a number, not %(value)s", field=name, value=_shown(value))) from None
    if not number.is_finite():
        raise ValueError(_("%(field)s must be a number, not %(value)s", field=name, value=_shown(value)))
    return number


def _number(value, name: str, step: Decimal, largest: Decimal, required: bool) -> Decimal | None:
    if _blank(value):
        if required:
            raise ValueError(_("%(field)s is missing", field=name))
        return None
    number = _as_decimal(value, name).quantize(step, rounding=ROUND_HALF_UP)
    if number < 0 or number > largest:
        raise ValueError(_("%(field)s must be between 0 and %(largest)s, not %(value)s", field=name,
                           largest=largest, value=_shown(value)))
    return number


def _eqf(value) -> int | None:
    if _blank(value):
        return None
    try:
        number = _as_decimal(value, "eqf_level")
    except ValueError:
        number = None
    if number is None or number != number.to_integral_value() or not 1 <= number <= 8:
        raise ValueError(_("eqf_level must be a whole number from 1 to 8, not %(value)s", value=_shown(value)))
    return int(number)


def _cost(value, currency) -> int:
    """The cost in cents: a decimal string with at most two decimals (ledger-api.md), never a float."""
    if not _blank(currency) and str(currency).strip().upper() != "EUR":
        raise ValueError(_("cost must be in EUR, not %(currency)s", currency=_shown(currency)))
    if _blank(value):
        raise ValueError(_("cost is missing"))
    if isinstance(value, float):
        raise ValueError(_("cost must be a decimal string such as \"450.00\", not the number %(value)s",
                           value=_shown(value)))
    amount = _as_decimal(value, "cost")
    if amount < 0 or amount.as_tuple().exponent < -2:
        raise ValueError(_("cost must be an amount of at least 0 with at most two decimals, not %(value)s",
                           value=_shown(value)))
    return to_cents(amount)


def _flag(value, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("%(field)s must be true or false, not %(value)s", field=name, value=_shown(value)))


def _date(value, name: str) -> date | None:
    if _blank(value):
        return None
    text = str(value).strip()
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    raise ValueError(_("%(field)s must be a date such as 2026-08-31, not %(value)s", field=name,
                       value=_shown(value)))


def _schemes(value) -> list[str] | None:
    """``qualifies_for``: a JSON list of scheme names, or a CSV cell "vov;vouchers". Missing: None (not said);
    an empty list: the registry lists it for none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    names = SCHEME_SEPARATORS.split(value.strip()) if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValueError(_("qualifies_for must be a list of scheme names such as [\"vov\", \"vouchers\"], "
                           "not %(value)s", value=_shown(value)))
    cleaned = []
    for name in names:
        code = name.strip().lower()
        if not SCHEME_NAME.match(code):
            raise ValueError(_("qualifies_for holds %(value)s, which is not a scheme name such as vov",
                               value=_shown(name)))
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def _timestamp(value, required: bool) -> datetime | None:
    if _blank(value):
        if required:
            raise ValueError(_("updated_at is missing"))
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(_("updated_at must be an RFC 3339 time such as 2026-11-28T02:00:00Z, not %(value)s",
                           value=_shown(value)))
    return moment.astimezone(UTC)


def _shown(value) -> str:
    text = repr(value) if not isinstance(value, str) else f"“{value}”"
    return text if len(text) <= 60 else text[:57] + "…"


# Writing one training --------------------------------------------------------------------------


def upsert(item: RegistryTraining, counts: Counts) -> Training:
    """Insert or update the registry training ``item.registry_id`` in the caller's transaction, audit the
    change, and count it. An employer's own training with that id is refused (``RowError``)."""
    training = db.session.scalar(select(Training).where(Training.registry_id == item.registry_id))
    wanted = item.values()
    if training is None:
        training = Training(employer_id=None, **wanted)
        db.session.add(training)
        db.session.flush()
        record("training.registry_added", obj=training, after=audit_view(training))
        counts.add("inserted")
        return training
    if training.employer_id is not None:
        raise RowError([_("registry_id %(id)s belongs to an employer's own training, which is not overwritten",
                          id=item.registry_id)])
    if all(getattr(training, name) == value for name, value in wanted.items()):
        counts.add("unchanged")
        return training
    before = audit_view(training) | {"withdrawn": training.withdrawn}
    newly_withdrawn = item.withdrawn and not training.withdrawn
    for name, value in wanted.items():
        setattr(training, name, value)
    db.session.flush()
    old, new = changes(before, audit_view(training) | {"withdrawn": training.withdrawn})
    record("training.registry_withdrawn" if newly_withdrawn else "training.registry_updated",
           obj=training, before=old, after=new)
    counts.add("withdrawn" if newly_withdrawn else "updated")
    return training


# Runs ------------------------------------------------------------------------------------------


def last_watermark() -> str | None:
    """The watermark of the last successful sync with the register (file imports do not move it)."""
    return db.session.scalar(
        select(RegistrySyncRun.watermark).where(RegistrySyncRun.source == "register", RegistrySyncRun.state == "done")
        .order_by(RegistrySyncRun.id.desc()).limit(1))


def begin_run(source: str, now: datetime | None = None) -> RegistrySyncRun:
    """The run, committed as ``running`` so that a sync that never ends still shows."""
    run = RegistrySyncRun(source=source, started_at=now or utcnow(), state="running")
    db.session.add(run)
    db.session.commit()
    return run


def finish_run(run: RegistrySyncRun, counts: Counts, watermark: str | None, now: datetime | None = None) -> None:
    """Record the counts and commit the run's work with it: one transaction."""
    run.inserted, run.updated, run.withdrawn, run.unchanged = (
        counts.inserted, counts.updated, counts.withdrawn, counts.unchanged)
    run.watermark, run.state, run.finished_at = watermark, "done", now or utcnow()
    record(f"registry.{'synced' if run.source == 'register' else 'imported'}", obj=run,
           after={"source": run.source, "watermark": watermark, **counts.as_dict()})
    db.session.commit()


def fail_run(run_id: int, message: str, now: datetime | None = None) -> RegistrySyncRun:
    """Roll back everything the run did, then record (and commit) the run alone as failed."""
    db.session.rollback()
    run = db.session.get(RegistrySyncRun, run_id)
    run.inserted = run.updated = run.withdrawn = run.unchanged = 0
    run.state, run.finished_at = "failed", now or utcnow()
    run.error = message if len(message) <= ERROR_LENGTH else message[:ERROR_LENGTH - 1] + "…"
    db.session.commit()
    return run


def sync_registry(client, now: datetime | None = None) -> RegistrySyncRun:
    """Fetch what changed since the last successful sync and mirror it. Raises ``SyncError`` (after
    recording the failed run, nothing else saved) when the register fails or sends a malformed training."""
    watermark = last_watermark()
    run = begin_run("register", now)
    run_id = run.id
    counts, highest = Counts(), None
    position, data = 0, None
    try:
        for data in client.trainings(updated_since=watermark):
            position += 1
            item = parse_training(data, require_updated_at=True)
            upsert(item, counts)
            if highest is None or item.updated_at > highest.updated_at:
                highest = item
        finish_run(run, counts, highest.updated_at_text if highest else watermark, now)
    except RegisterError as error:
        reason = f"{error} (HTTP {error.status})" if error.status else str(error)
        message = _("The register could not be read: %(reason)s. Nothing was changed.", reason=reason)
        fail_run(run_id, message, now)
        raise SyncError(message) from error
    except RowError as error:
        registry_id = data.get("registry_id") if isinstance(data, Mapping) else None
        message = _("Training %(position)s of the register (%(id)s) was refused: %(reason)s. Nothing was changed.",
                    position=position, id=registry_id or "?", reason=str(error))
        fail_run(run_id, message, now)
        raise SyncError(message) from error
    except IntegrityError as error:  # another sync inserted the same training meanwhile
        message = _("Another sync changed the same trainings at the same time; try again. Nothing was changed.")
        fail_run(run_id, message, now)
        raise SyncError(message) from error
    except Exception as error:
        fail_run(run_id, f"{type(error).__name__}: {error}", now)
        raise
    return run
