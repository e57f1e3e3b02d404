"""The rules of the entitlement schemes, read from the parameter versions in force on a day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ila_sme.audit.services import changes, record
from ila_sme.employers.models import Membership
from ila_sme.employers.services import average_fte_in, employer_set_up
from ila_sme.extensions import db
from ila_sme.people.history import History
from ila_sme.schemes import explanations, parameters
from ila_sme.schemes.defaults import DEFAULTS, VOV_COMMON, WORKING_TIME_SCHEME
from ila_sme.schemes.models import LeaveKind, LeaveType, Scheme, SchemeParameter

TWO_PLACES = Decimal("0.01")


class SchemeError(Exception):
    """A scheme rule refused something; the message says which rule and by how much."""


def quantize(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


# Periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    label: str  # "2026" (calendar year) or "2025-26" (school year)
    start: date
    end: date


def period_of(scheme: str, day: date) -> Period:
    if scheme == Scheme.VOV:
        first = day.year if day.month >= 9 else day.year - 1
        return Period(f"{first}-{(first + 1) % 100:02d}", date(first, 9, 1), date(first + 1, 8, 31))
    return Period(str(day.year), date(day.year, 1, 1), date(day.year, 12, 31))


def period_by_label(scheme: str, label: str) -> Period:
    first = int(label[:4])
    return period_of(scheme, date(first, 9, 1) if scheme == Scheme.VOV else date(first, 1, 1))


def next_period(period: Period, scheme: str) -> Period:
    return period_of(scheme, period.end + timedelta(days=1))


# Parameters ----------------------------------------------------------------------------------


def _versions_query(scheme: str, employer):
    """National, this region's and this employer's versions; never another employer's."""
    return parameters.versions_query(employer, scheme)


_by_level = parameters.by_level


def _rows(scheme: str, employer, day: date) -> list[SchemeParameter]:
    kept = parameters.for_employer(employer)
    if kept is not None:  # a GET: the employer's versions, read once for the whole request
        return kept.rows_on(scheme, day)
    query = (
        _versions_query(scheme, employer)
        .where(SchemeParameter.valid_from <= day)
        .where(or_(SchemeParameter.valid_until.is_(None), SchemeParameter.valid_until >= day))
    )
    return _by_level(db.session.scalars(query))


def versions(scheme: str, employer) -> list[SchemeParameter]:
    """Every version of the scheme that applies to the employer, in force or not, in the order they overlay."""
    kept = parameters.for_employer(employer)
    if kept is not None:
        return kept.versions(scheme)
    return _by_level(db.session.scalars(_versions_query(scheme, employer)))


def values_on(scheme: str, employer, day: date) -> dict:
    """National values, overlaid by the region's, then the employer's own; SchemeError if none apply."""
    rows = _rows(scheme, employer, day)
    if not any(row.employer_id is None for row in rows):
        raise SchemeError(
            _("No parameters of %(scheme)s apply to this employer on %(day)s.", scheme=scheme, day=day.isoformat())
        )
    merged: dict = {}
    for row in rows:
        merged.update(row.values)
    return merged


def applies_to(scheme: str, employer, day: date) -> bool:
    try:
        values_on(scheme, employer, day)
    except SchemeError:
        return False
    return True


def applicable(employer, day: date) -> list[Scheme]:
    """The schemes with parameters for this employer's country and region on the day."""
    return [scheme for scheme in Scheme if applies_to(scheme, employer, day)]


def decimal_value(values: dict, key: str) -> Decimal:
    return Decimal(str(values[key]))


def vov_value(values: dict, key: str) -> str:
    """A VOV parameter; a version written before the key existed reads the default (defaults.VOV_COMMON)."""
    value = values.get(key)
    return str(VOV_COMMON[key] if value is None else value)


def install_defaults() -> int:
    """Add the national and regional versions that are missing; returns how many were added."""
    added = 0
    for spec in DEFAULTS:
        exists = db.session.scalar(
            select(SchemeParameter.id).where(
                SchemeParameter.scheme == spec["scheme"], SchemeParameter.country == spec["country"],
                SchemeParameter.employer_id.is_(None), SchemeParameter.valid_from == spec["valid_from"],
                SchemeParameter.region.is_(None) if spec["region"] is None
                else SchemeParameter.region == spec["region"],
            )
        )
        if exists is None:
            db.session.add(SchemeParameter(**{**spec, "scheme": str(spec["scheme"])}))
            added += 1
    db.session.flush()
    return added


# The training right (extra days) and the working-time calendar (a sector agreement's extra holidays).
EMPLOYER_VERSIONED = (Scheme.TRAINING_RIGHT, WORKING_TIME_SCHEME)


def add_employer_version(*, actor, employer, scheme: str, valid_from: date, valid_until: date | None,
                         values: dict, note: str | None) -> SchemeParameter:
    """An employer's own values from a date on (a sector agreement, extra days). Closes the previous one."""
    if scheme not in EMPLOYER_VERSIONED:
        raise SchemeError(_("Only the training right takes an employer's own values; the others are set by law."))
    if valid_until and valid_until < valid_from:
        raise SchemeError(_("The end date is before the start date."))
    if scheme == WORKING_TIME_SCHEME:
        _check_working_time(employer, values)
    previous = db.session.scalars(
        select(SchemeParameter).where(
            SchemeParameter.scheme == scheme, SchemeParameter.employer_id == employer.id,
            SchemeParameter.valid_from >= valid_from,
        )
    ).first()
    if previous is not None:
        raise SchemeError(_("A version of the employer's own values already starts on or after this date."))
    current = db.session.scalars(
        select(SchemeParameter).where(
            SchemeParameter.scheme == scheme, SchemeParameter.employer_id == employer.id,
            or_(SchemeParameter.valid_until.is_(None), SchemeParameter.valid_until >= valid_from),
        )
    ).all()
    for row in current:
        before = {"valid_until": row.valid_until.isoformat() if row.valid_until else None}
        row.valid_until = valid_from - timedelta(days=1)
        record("scheme_parameter.closed", actor=actor, employer_id=employer.id, obj=row, before=before,
               after={"valid_until": row.valid_until.isoformat()})
    row = SchemeParameter(
        scheme=scheme, country=employer.country or "BE", region=None, employer_id=employer.id,
        valid_from=valid_from, valid_until=valid_until, values=values, note=note, created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    record("scheme_parameter.created", actor=actor, employer_id=employer.id, obj=row,
           after={"scheme": scheme, "valid_from": valid_from.isoformat(),
                  "valid_until": valid_until.isoformat() if valid_until else None, "values": values})
    return row


def _check_working_time(employer, values: dict) -> None:
    """A calendar the holidays package knows: its subdivisions, and extra days as "MM-DD" with a name."""
    import holidays  # heavy (every country's calendar): loaded where it is used, not at the app's start

    country = values.get("holiday_country") or employer.country or "BE"
    try:
        known = holidays.country_holidays(country).subdivisions
    except NotImplementedError as error:
        raise SchemeError(_("No public-holiday calendar is known for %(country)s.", country=country)) from error
    for subdivision in values.get("holiday_subdivisions") or []:
        if subdivision not in known:
            raise SchemeError(_("%(country)s has no region or community “%(name)s”.", country=country,
                                name=subdivision))
    for extra in values.get("extra_holidays") or []:
        try:
            month_day, name = extra
            month, day = (int(part) for part in str(month_day).split("-"))
            date(2000, month, day)  # a leap year: 29 February is a day
        except (TypeError, ValueError) as error:
            raise SchemeError(_("An extra holiday is a day of the year and a name, e.g. 07-11.")) from error
        if not str(name).strip():
            raise SchemeError(_("An extra holiday is a day of the year and a name, e.g. 07-11."))


# Leave types ---------------------------------------------------------------------------------


def default_leave_types(employer, today: date) -> list[dict]:
    flemish = applies_to(Scheme.VOV, employer, today)
    hours_scheme = Scheme.VOV if flemish else Scheme.TRAINING_RIGHT
    return [
        {"kind": LeaveKind.TRAINING, "scheme": hours_scheme, "needs_training": True},
        {"kind": LeaveKind.CAREER_GUIDANCE, "scheme": Scheme.TRAINING_RIGHT, "needs_training": False},
        {"kind": LeaveKind.EVC, "scheme": hours_scheme, "needs_training": False},
    ]


def leave_types(employer, *, active_only: bool = True) -> list[LeaveType]:
    """The employer's leave types (read only: set-up made them, see ``install_leave_types``)."""
    types = list(db.session.scalars(select(LeaveType).where(LeaveType.employer_id == employer.id)))
    order = [kind.value for kind in LeaveKind]
    types.sort(key=lambda t: order.index(t.kind) if t.kind in order else 99)
    return [t for t in types if t.active] if active_only else types


def install_leave_types(employer, today: date) -> int:
    """The default leave types of an employer that has none yet; returns how many were added (idempotent)."""
    if db.session.scalar(select(LeaveType.id).where(LeaveType.employer_id == employer.id).limit(1)) is not None:
        return 0
    specs = default_leave_types(employer, today)
    for spec in specs:
        db.session.add(LeaveType(employer_id=employer.id, **{**spec, "kind": str(spec["kind"]),
                                                               "scheme": str(spec["scheme"])}))
    db.session.flush()
    return len(specs)


@employer_set_up.connect
def _leave_types_of_a_new_employer(employer, *, today: date, **_ignored) -> None:
    install_leave_types(employer, today)


def update_leave_type(*, actor, leave_type: LeaveType, data: dict) -> LeaveType:
    """Which scheme a kind of leave draws from, whether it needs a training, its second step."""
    before = _leave_type_view(leave_type)
    for key in ("scheme", "needs_training", "second_step_role", "active"):
        setattr(leave_type, key, data[key])
    old, new = changes(before, _leave_type_view(leave_type))
    if new:
        record("leave_type.updated", actor=actor, employer_id=leave_type.employer_id, obj=leave_type,
               before=old, after=new)
    return leave_type


def leave_type_problems(employer, leave_type: LeaveType, data: dict) -> dict[str, str]:
    """The rules a form cannot see, by the key of ``data`` they concern (empty: none). VOV training leave
    needs a registry training; a second step needs somebody with that role, else requests wait for ever.
    (Which schemes may be chosen is the form's: only those that apply.)"""
    problems = {}
    if data["scheme"] == Scheme.VOV and leave_type.kind == LeaveKind.TRAINING and not data["needs_training"]:
        problems["needs_training"] = _(
            "Flemish training leave is only for trainings in the Flemish training database.")
    role = data["second_step_role"]
    if role and not _has_member_with_role(employer, role):
        problems["second_step_role"] = _(
            "Nobody has this role here yet: requests would wait for ever. Invite someone first.")
    return problems


def _has_member_with_role(employer, role: str) -> bool:
    return db.session.scalar(select(Membership.id).where(
        Membership.employer_id == employer.id, Membership.role == role).limit(1)) is not None


def _leave_type_view(leave_type: LeaveType) -> dict:
    return {"kind": leave_type.kind, "scheme": leave_type.scheme, "needs_training": leave_type.needs_training,
            "second_step_role": leave_type.second_step_role, "active": leave_type.active}


# Rounding ------------------------------------------------------------------------------------


DEFAULT_ROUNDING_UNIT = Decimal("0.01")


def rounding_unit(values: dict) -> Decimal:
    """The unit a right is rounded down to (``rounding_unit``: "0.01" days, "0.5" hours); versions written
    before the parameter existed lack it and round to 0.01."""
    unit = values.get("rounding_unit")
    unit = Decimal(str(unit)) if unit not in (None, "") else DEFAULT_ROUNDING_UNIT
    return unit if unit.is_finite() and unit > 0 else DEFAULT_ROUNDING_UNIT


def round_down(value: Decimal, unit: Decimal = DEFAULT_ROUNDING_UNIT) -> Decimal:
    """Down to a multiple of ``unit``, never up: a right of 3.666… days is 3.66 (0.01) or 3.5 (0.5).
    The ledger keeps two decimals, so a unit finer than 0.01 still ends at 0.01, rounded down."""
    multiple = (Decimal(value) / unit).to_integral_value(rounding=ROUND_FLOOR) * unit
    return multiple.quantize(TWO_PLACES, rounding=ROUND_FLOOR)


# The federal training right ------------------------------------------------------------------


def _terms_on(history: History, day: date):
    """The terms in force on the day; before the first row (a contract older than its terms), the first row."""
    return history.terms_on(day) or (history.terms[0] if history.terms else None)


def month_regimes(history: History, period: Period) -> list[tuple[date, Decimal]]:
    """Each month of the period with a day under contract, with the regime (%) in force on its first such day.

    The month of starting (and of leaving) counts in full, at the regime of that first day.
    """
    months = []
    first = period.start
    while first <= period.end:
        last = min((first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1), period.end)
        day = history.first_employed_day_in(first, last)
        terms = _terms_on(history, day) if day else None
        if terms is not None:
            months.append((first, Decimal(terms.employment_pct)))
        first = last + timedelta(days=1)
    return months


def months_employed(employee, period: Period, history: History | None = None) -> int:
    """Months of the period with a day under contract; the month of starting (and of leaving) counts in full."""
    return len(month_regimes(history or History.of(employee), period))


def bands_of(values: dict) -> list[tuple[Decimal, Decimal | None, Decimal]]:
    """The headcount bands of ``days_by_headcount``: (lowest headcount, next band's lowest or None, days per
    FTE), highest band first."""
    bands = [(Decimal(str(lowest)), Decimal(str(days))) for lowest, days in values.get("days_by_headcount", [])]
    bands.sort(key=lambda band: band[0], reverse=True)
    return [(lowest, bands[i - 1][0] if i else None, days) for i, (lowest, days) in enumerate(bands)]


def days_per_fte(values: dict, average_fte: Decimal) -> Decimal:
    for lowest, days in values["days_by_headcount"]:
        if average_fte >= Decimal(lowest):
            return Decimal(days)
    return Decimal("0")


def pro_rata(days: Decimal, regimes: list[Decimal], unit: Decimal = DEFAULT_ROUNDING_UNIT) -> Decimal:
    """days × (the sum of each month's regime) ÷ 12, rounded down to the unit: 5 × 80 % × 10/12 = 3.33,
    5 × (6 × 100 % + 6 × 50 %) / 12 = 3.75."""
    return round_down(Decimal(days) * sum(regimes, Decimal("0")) / 1200, unit)


@dataclass(frozen=True)
class Allocation:
    source: str  # "legal" | "employer_extra" | "vov" | "vov_employer_suggested"
    amount: Decimal
    explanation: dict  # a message (``schemes.explanations``), said in the reader's language when read
    # Why there is no right (VOV conditions not met on the reference day), in the reader's language; None: eligible.
    not_eligible: str | None = None


def training_right_allocations(employee, employer, period: Period, history: History | None = None,
                               ) -> list[Allocation]:
    """The year's right from the history: days per FTE (the headcount band of the year) × the sum of the
    regimes of the months under contract ÷ 12, each source rounded down to the parameters' unit."""
    history = history or History.of(employee)
    values = values_on(Scheme.TRAINING_RIGHT, employer, period.start)
    unit = rounding_unit(values)
    regimes = [pct for _month, pct in month_regimes(history, period)]
    legal_days = days_per_fte(values, average_fte_in(employer, period.start.year))
    extra_days = decimal_value(values, "employer_extra_days_per_fte")
    allocations = [Allocation("legal", pro_rata(legal_days, regimes, unit), explanations.pro_rata(legal_days, regimes))]
    if extra_days > 0:
        allocations.append(Allocation("employer_extra", pro_rata(extra_days, regimes, unit),
                                      explanations.pro_rata(extra_days, regimes)))
    return allocations


# Flemish training leave (VOV) ----------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """The day whose terms decide the school year's VOV cap and conditions, and those terms."""

    day: date | None  # None: no day under contract in the school year
    terms: object | None  # WorkTerms


def vov_reference(history: History, values: dict, period: Period) -> Reference:
    """The first day of the reference month before the school year (``reference_month``, March: 1 March
    2025 for 2025-26); when not under contract then, the first day under contract in the school year."""
    day = date(period.start.year, int(values.get("reference_month") or 3), 1)
    if not history.is_employed_on(day):
        day = history.first_employed_day_in(period.start, period.end)
    if day is None:
        return Reference(None, None)
    return Reference(day, _terms_on(history, day))


def vov_ineligibility(history: History, values: dict, period: Period) -> list[str]:
    """Why the employee has no VOV right in the school year (empty: eligible), read on the reference day."""
    reference = vov_reference(history, values, period)
    if reference.terms is None:
        return [_("no contract in this school year")]
    problems = []
    day = reference.day.isoformat()
    if Decimal(reference.terms.employment_pct) < decimal_value(values, "min_employment_pct"):
        problems.append(_("a work regime of %(pct)s %% on %(day)s, the reference day (at least %(min)s %% needed)",
                          pct=f"{Decimal(reference.terms.employment_pct).normalize():f}", day=day,
                          min=values["min_employment_pct"]))
    if Decimal(reference.terms.hours_per_week) < decimal_value(values, "min_hours_per_week"):
        problems.append(_("%(hours)s hours a week on %(day)s, the reference day (at least %(min)s needed)",
                          hours=f"{Decimal(reference.terms.hours_per_week).normalize():f}", day=day,
                          min=values["min_hours_per_week"]))
    return problems


def vov_allocations(employee, employer, period: Period, history: History | None = None) -> list[Allocation]:
    """125 h × the regime of the reference month, rounded down to the unit; in a school year whose parameters
    allow it (``extra_hours_employer_suggested`` > 0) a second source, ``vov_employer_suggested``: those hours ×
    the same regime, rounded down alike. Zero, saying why, when the conditions are not met on the reference
    day (and then no extra source either)."""
    history = history or History.of(employee)
    values = values_on(Scheme.VOV, employer, period.start)
    full = decimal_value(values, "hours_full_time")
    reference = vov_reference(history, values, period)
    problems = vov_ineligibility(history, values, period)
    if problems:
        reason = _("Not eligible: %(why)s", why="; ".join(problems))
        text = (explanations.vov_no_contract() if reference.terms is None
                else explanations.vov_not_eligible(reference.terms, reference.day, values))
        return [Allocation("vov", Decimal("0.00"), text, not_eligible=reason)]
    pct = Decimal(reference.terms.employment_pct)
    unit = rounding_unit(values)
    allocations = [Allocation("vov", round_down(full * pct / 100, unit),
                              explanations.vov_hours(full, pct, reference.day))]
    extra = vov_extra_hours_of(values)
    if extra > 0:
        allocations.append(Allocation(VOV_SUGGESTED_SOURCE, round_down(extra * pct / 100, unit),
                                      explanations.vov_suggested(extra, pct, reference.day)))
    return allocations


VOV_SUGGESTED_SOURCE = "vov_employer_suggested"


def vov_extra_hours_of(values: dict) -> Decimal:
    """The full-time hours a school year adds for training the employer suggests (0: none that year)."""
    extra = Decimal(vov_value(values, "extra_hours_employer_suggested") or "0")
    return extra if extra.is_finite() and extra > 0 else Decimal("0")


def vov_allows_suggested(employer, day: date) -> bool:
    """Whether the school year of ``day`` allows extra hours for training the employer suggests."""
    try:
        values = values_on(Scheme.VOV, employer, period_of(Scheme.VOV, day).start)
    except SchemeError:
        return False
    return vov_extra_hours_of(values) > 0


def allocations_for(scheme: str, employee, employer, period: Period, history: History | None = None,
                    ) -> list[Allocation]:
    """The period's right from the employee's history (``history``: already loaded, else read now)."""
    if scheme == Scheme.VOV:
        return vov_allocations(employee, employer, period, history)
    return training_right_allocations(employee, employer, period, history)


def vov_conditions(employee, employer, training, day: date) -> list[str]:
    """The VOV conditions this request does not meet (empty: all met). The employee's regime and hours are
    those of the reference month of the school year the day falls in, not today's."""
    values = values_on(Scheme.VOV, employer, day)
    problems = []
    history = History.of(employee)
    terms = vov_reference(history, values, period_of(Scheme.VOV, day)).terms
    if terms is not None and Decimal(terms.employment_pct) < decimal_value(values, "min_employment_pct"):
        problems.append(_("Flemish training leave needs a work regime of at least %(pct)s %%.",
                          pct=values["min_employment_pct"]))
    if terms is not None and Decimal(terms.hours_per_week) < decimal_value(values, "min_hours_per_week"):
        problems.append(_("Flemish training leave needs at least %(hours)s hours of work a week.",
                          hours=values["min_hours_per_week"]))
    if training is not None:
        problems += _vov_training_problems(values, training)
    return problems


def is_odb_number(values: dict, registry_id: str | None) -> bool:
    """Whether the registry id has the shape of an ODB number (parameter ``odb_number_pattern``)."""
    return bool(registry_id) and re.fullmatch(vov_value(values, "odb_number_pattern"), registry_id) is not None


def qualifies_for_vov(training) -> bool:
    """What the registry says: its ``qualifies_for`` list when given, else its ``eligible_paid_leave`` flag."""
    if training.qualifies_for is not None:
        return "vov" in training.qualifies_for
    return bool(training.eligible_paid_leave)


def _vov_training_problems(values: dict, training) -> list[str]:
    """In the Flemish training database (an ODB number, the registry says it qualifies), long enough."""
    problems = []
    if not training.from_registry:
        problems.append(_("This training is not in the Flemish training database for paid training leave."))
    elif not is_odb_number(values, training.registry_id):
        problems.append(_("The registry id %(id)s is not an ODB number of the Flemish training database.",
                          id=training.registry_id or "—"))
    elif training.qualifies_for is not None and "vov" not in training.qualifies_for:
        problems.append(_("The registry lists this training for %(schemes)s, not for Flemish training leave.",
                          schemes=", ".join(training.qualifies_for) or "—"))
    elif not qualifies_for_vov(training):
        problems.append(_("This training is not in the Flemish training database for paid training leave."))
    long_enough = Decimal(training.hours or 0) >= decimal_value(values, "min_contact_hours") or (
        training.study_points is not None
        and Decimal(training.study_points) >= decimal_value(values, "min_study_points")
    )
    if not long_enough:
        problems.append(_("The training must have at least %(hours)s contact hours or %(points)s study points.",
                          hours=values["min_contact_hours"], points=values["min_study_points"]))
    return problems


def vov_window(employer, training, day: date) -> tuple[date, date] | None:
    """Leave may be taken from the day before the course starts until two days after it ends. The course
    dates only: None when the registry gives none (the listing period is not the course)."""
    start, end = training.starts_on, training.ends_on
    if start is None or end is None:
        return None
    values = values_on(Scheme.VOV, employer, day)
    return (start - timedelta(days=int(values["window_days_before"])),
            end + timedelta(days=int(values["window_days_after"])))


def counted_vov_hours(values: dict, *, attended: Decimal, exams: int, evc_competences: int,
                      study_points: Decimal = Decimal("0")) -> Decimal:
    """Hours attended; 4 h per study point; 8 h per exam; 16 h per competence for recognition of prior
    learning."""
    return quantize(
        attended
        + Decimal(study_points or 0) * decimal_value(values, "hours_per_study_point")
        + exams * decimal_value(values, "hours_per_exam")
        + evc_competences * decimal_value(values, "hours_per_evc_competence")
    )


def refund_rate(employer, day: date) -> Decimal:
    return decimal_value(values_on(Scheme.VOV, employer, day), "refund_per_hour")
