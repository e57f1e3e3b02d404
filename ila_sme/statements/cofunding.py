"""The co-funding statement of one employer and period (month, quarter, year), optionally of one funding
source: one line per funding part of every contribution of the period (the employer's part is the
contribution booked at the register, with its entry id and reconciliation outcome), the adjustments booked
in the period, then totals per employee, per source and overall, and the budget position.

Lines stream from two ordered queries (contributions' parts; adjustments) merged on (time, reference):
nothing holds them all. For a closed month everything shown is what it was at closing: contributions of a
closed month are never changed (``periods.ensure_open``), the reconciliation outcome is the last one found
by a run finished before the closing (or, when later, what the accountant did with its difference then:
"Recorded as booked outside the app" for a booking made at the register's portal), and the budget position
is the one kept at closing."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import datetime
from itertools import chain

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import aliased

from ila_sme.dates import local
from ila_sme.db_types import UTCDateTime
from ila_sme.extensions import db
from ila_sme.funding import periods
from ila_sme.funding.models import (
    KIND_LABELS,
    SOURCE_LABELS,
    ClosedPeriod,
    Contribution,
    ContributionStatus,
    FundingPart,
    FundingRequest,
    Source,
)
from ila_sme.identifiers import format_kbo, mask_insz
from ila_sme.money import from_cents
from ila_sme.people.models import EmployeeRecord
from ila_sme.reconciliation.models import (
    OUTCOME_LABELS,
    RESOLUTION_LABELS,
    Adjustment,
    AdjustmentKind,
    Difference,
    DifferenceState,
    ReconciliationItem,
    ReconciliationRun,
)
from ila_sme.statements.report import DATE, MONEY, Column, Report, Section, SummaryRow
from ila_sme.trainings.models import Training

BATCH = 1000
SHOWN = (ContributionStatus.BOOKED, ContributionStatus.REVERSED)


class StatementError(periods.PeriodError):
    pass


def _columns() -> list[Column]:
    return [
        # PDF widths (277 mm): an id (reference, register entry: "L-" and 16 signs) fits on one line; texts wrap.
        Column("date", _("Date"), DATE, 18), Column("reference", _("Reference"), width=23),
        Column("employee", _("Employee"), width=29), Column("national_number", _("National number"), width=22),
        Column("training", _("Training"), width=38), Column("registry_id", _("Registry id"), width=20),
        Column("kind", _("Kind"), width=27), Column("source", _("Source"), width=20),
        Column("amount", _("Amount (EUR)"), MONEY, 21), Column("entry_id", _("Register entry"), width=30),
        Column("outcome", _("Reconciliation"), width=29), Column("note", _("Note"), width=0),
    ]


class _Texts:
    """Every label a line needs, translated once when the statement is built."""

    def __init__(self):
        self.kinds = {key: str(value) for key, value in KIND_LABELS.items()}
        self.sources = {key: str(value) for key, value in SOURCE_LABELS.items()}
        self.outcomes = {key: str(value) for key, value in OUTCOME_LABELS.items()}
        self.resolutions = {key: str(value) for key, value in RESOLUTION_LABELS.items()}
        self.open_difference = _("%(outcome)s (open difference)")
        self.not_reconciled = _("Not reconciled yet")
        self.adjustment = _("Adjustment of %(reference)s (%(period)s)")
        self.reversal = _("Reversed by the register")


def part_query(employer_id: int, months, source: str | None = None):
    """The lines of the funding parts, in the statement's order (also the benchmark's reference join)."""
    closed = aliased(ClosedPeriod)
    latest_item = (select(ReconciliationItem.outcome, ReconciliationRun.finished_at)
                   .join(ReconciliationRun, ReconciliationRun.id == ReconciliationItem.run_id)
                   .where(ReconciliationItem.contribution_id == Contribution.id,
                          or_(closed.closed_at.is_(None), and_(ReconciliationRun.finished_at.is_not(None),
                                                               ReconciliationRun.finished_at <= closed.closed_at)))
                   .order_by(ReconciliationItem.id.desc()).limit(1).correlate(Contribution, closed))
    outcome = latest_item.with_only_columns(ReconciliationItem.outcome).scalar_subquery()
    outcome_at = latest_item.with_only_columns(ReconciliationRun.finished_at).scalar_subquery()
    # What the accountant did since (e.g. recorded a booking made at the register's portal): the latest
    # resolution of a difference of this contribution, made before the period was closed.
    latest_resolution = (select(Difference.resolution, Difference.resolved_at)
                         .where(Difference.contribution_id == Contribution.id,
                                Difference.state == DifferenceState.RESOLVED, Difference.resolved_at.is_not(None),
                                or_(closed.closed_at.is_(None), Difference.resolved_at <= closed.closed_at))
                         .order_by(Difference.resolved_at.desc(), Difference.id.desc()).limit(1)
                         .correlate(Contribution, closed))
    resolution = latest_resolution.with_only_columns(Difference.resolution).scalar_subquery()
    resolved_at = latest_resolution.with_only_columns(Difference.resolved_at).scalar_subquery()
    # It stands when made at or after the outcome (compared in SQL: no timestamp to convert per line).
    resolution = case((and_(resolution.is_not(None), or_(outcome_at.is_(None), resolved_at >= outcome_at)),
                       resolution))
    difference = (select(Difference.kind)
                  .where(Difference.contribution_id == Contribution.id, Difference.state == DifferenceState.OPEN,
                         closed.id.is_(None))
                  .order_by(Difference.id).limit(1).correlate(Contribution, closed).scalar_subquery())
    stamp = type_coerce(func.coalesce(Contribution.booked_at, Contribution.created_at), UTCDateTime)
    query = (select(stamp, Contribution.reference, FundingPart.source, FundingPart.amount_cents,
                    Contribution.amount_cents, Contribution.status, Contribution.kind, Contribution.entry_id,
                    Contribution.registry_id, EmployeeRecord.id, EmployeeRecord.first_name, EmployeeRecord.last_name,
                    EmployeeRecord.national_number, Training.title, Training.registry_id, outcome, difference,
                    resolution)
             .select_from(Contribution)
             .join(FundingRequest, FundingRequest.id == Contribution.funding_request_id)
             .join(FundingPart, FundingPart.funding_request_id == FundingRequest.id)
             .join(EmployeeRecord, EmployeeRecord.id == Contribution.employee_id)
             .outerjoin(Training, Training.id == FundingRequest.training_id)
             .outerjoin(closed, and_(closed.employer_id == Contribution.employer_id,
                                     closed.month == Contribution.period))
             .where(Contribution.employer_id == employer_id, Contribution.period.in_(months),
                    Contribution.status.in_(SHOWN))
             .order_by(stamp, Contribution.reference, FundingPart.source))
    if source:
        query = query.where(FundingPart.source == source)
    return query


def _part_lines(employer_id: int, months, source: str | None):
    return _stream(part_query(employer_id, months, source))


def _adjustment_lines(employer_id: int, months, source: str | None):
    if source and source != Source.EMPLOYER:
        return iter(())
    query = (select(Adjustment.created_at, Contribution.reference, Adjustment.amount_cents, Adjustment.kind,
                    Adjustment.corrects_period, Adjustment.reason, Contribution.kind, Contribution.entry_id,
                    Contribution.registry_id, EmployeeRecord.id, EmployeeRecord.first_name, EmployeeRecord.last_name,
                    EmployeeRecord.national_number, Training.title, Training.registry_id)
             .select_from(Adjustment)
             .join(Contribution, Contribution.id == Adjustment.contribution_id)
             .join(FundingRequest, FundingRequest.id == Contribution.funding_request_id)
             .join(EmployeeRecord, EmployeeRecord.id == Contribution.employee_id)
             .outerjoin(Training, Training.id == FundingRequest.training_id)
             .where(Adjustment.employer_id == employer_id, Adjustment.period.in_(months))
             .order_by(Adjustment.created_at, Contribution.reference, Adjustment.id))
    return _stream(query)


def _stream(query):
    """Core rows (plain tuples, no ORM loading) in batches of BATCH, on the session's connection and transaction:
    a server-side cursor on PostgreSQL, so memory stays flat whatever the line count."""
    result = db.session.connection().execute(query.execution_options(yield_per=BATCH))
    return chain.from_iterable(result.partitions())  # a list of rows at a time, not a fetch per row


class Statement:
    """Build with ``build``; ``report`` is what the writers read. Iterating its rows fills the totals."""

    def __init__(self, employer, period: periods.Period, source: str | None, generated_at: datetime | None):
        self.employer, self.period, self.source = employer, period, source
        self.texts = _Texts()
        closed = periods.closed_months(employer.id, period.months)
        self.closed = len(closed) == len(period.months)
        self.position = self._position(closed)
        self.employees: dict[int, list] = {}
        self.sources: dict[str, int] = {}
        self.total = 0
        self.count = 0
        state = _("closed") if self.closed else (_("partly closed") if closed else _("open"))
        source_text = self.texts.sources.get(source, source) if source else _("all sources")
        self.report = Report(
            kind="cofunding", title=_("Co-funding statement"),
            meta=[(_("Employer"), employer.name), (_("Enterprise number"), format_kbo(employer.enterprise_number)),
                  (_("Period"), period.label), (_("Source"), source_text), (_("Status"), state)],
            columns=_columns(), rows=self._rows, summary=self._summary, totals=self.totals,
            generated_label=_("Generated at"), footer=f"{employer.name} ({format_kbo(employer.enterprise_number)})",
            page_label=_("Page %(page)s of %(pages)s"), money_column="amount",
            labels={"formula": _("Formula")})
        if generated_at is not None:
            self.report.generated_at = generated_at
        self.summary_texts = {"employee": _("Totals per employee"), "source": _("Totals per source"),
                              "overall": _("Total"), "budget": _("Budget position %(year)s", year=period.year),
                              "granted": _("Granted"), "reserved": _("Reserved"), "booked": _("Booked"),
                              "remaining": _("Remaining")}

    def _position(self, closed: dict[str, ClosedPeriod]) -> dict:
        if self.closed and closed[self.period.months[-1]].position:
            position = dict(closed[self.period.months[-1]].position)
        else:
            position = periods._position(self.employer, self.period.year)
        position["remaining"] = position["budget"] - position["reserved"] - position["booked"]
        return position

    def _part(self, row) -> tuple:
        """A line of a funding part (the employer's part: the contribution as booked, and its outcome)."""
        texts = self.texts
        (stamp, reference, source, part_cents, booked_cents, status, contribution_kind, entry_id, registry_id,
         employee_id, first, last, insz, title, training_registry, outcome, difference, resolution) = row
        if source == Source.EMPLOYER:
            cents = booked_cents if status == ContributionStatus.BOOKED else 0
            if difference:
                result = texts.open_difference % {"outcome": texts.outcomes.get(difference, difference)}
            elif resolution:
                result = texts.resolutions.get(resolution, resolution)
            else:
                result = texts.outcomes.get(outcome, outcome) if outcome else texts.not_reconciled
            entry = entry_id
        else:
            cents, result, entry = part_cents, "", ""
        return self._add(stamp, reference, employee_id, f"{first} {last}", insz, title,
                         training_registry or registry_id, texts.kinds.get(contribution_kind, contribution_kind),
                         source, cents, entry, result, "")

    def _adjustment(self, row) -> tuple:
        """A line of an adjustment booked in the period (on the employer's part)."""
        texts = self.texts
        (stamp, reference, cents, adjustment_kind, corrects, reason, contribution_kind, entry_id, registry_id,
         employee_id, first, last, insz, title, training_registry) = row
        kind_text = texts.adjustment % {"reference": reference, "period": corrects}
        note = texts.reversal if adjustment_kind == AdjustmentKind.REVERSAL else reason
        return self._add(stamp, reference, employee_id, f"{first} {last}", insz, title,
                         training_registry or registry_id, kind_text, Source.EMPLOYER, cents, entry_id, "", note)

    def _add(self, stamp, reference, employee_id, name, insz, title, registry, kind_text, source, cents, entry, result,
             note) -> tuple:
        """The line as the report shows it; its amount counted in the totals."""
        source_text = self.texts.sources.get(source, source)
        self.count += 1
        self.total += cents
        self.sources[source_text] = self.sources.get(source_text, 0) + cents
        holder = self.employees.get(employee_id)
        if holder is None:
            holder = self.employees[employee_id] = [name, mask_insz(insz), 0]
        holder[2] += cents
        return (local(stamp).date(), reference, name, holder[1], title or "", registry or "", kind_text, source_text,
                cents, entry or "", result, note or "")

    def _rows(self) -> Iterator[tuple]:
        self.employees, self.sources, self.total, self.count = {}, {}, 0, 0
        months = list(self.period.months)
        parts = _part_lines(self.employer.id, months, self.source)
        adjustments = iter(_adjustment_lines(self.employer.id, months, self.source))
        first = next(adjustments, None)
        if first is None:  # most periods: no adjustment, nothing to merge
            for row in parts:
                yield self._part(row)
        else:
            keyed_parts = ((row[0], row[1], 0, row[2], row) for row in parts)
            keyed_adjustments = ((row[0], row[1], 1, "", row) for row in chain((first,), adjustments))
            for *key, row in heapq.merge(keyed_parts, keyed_adjustments, key=lambda item: item[:4]):
                yield self._part(row) if key[2] == 0 else self._adjustment(row)
        self.report.line_count = self.count

    def _summary(self) -> list[Section]:
        texts = self.summary_texts
        employees = Section(texts["employee"], [
            SummaryRow({"employee": name, "national_number": masked}, cents, ("employee", "national_number"))
            for name, masked, cents in sorted(self.employees.values(), key=lambda v: (v[0], v[1]))])
        sources = Section(texts["source"], [SummaryRow({"source": label}, cents, ("source",))
                                            for label, cents in sorted(self.sources.items())])
        overall = Section(texts["overall"], [SummaryRow({"reference": texts["overall"]}, self.total)])
        budget = Section(texts["budget"], [SummaryRow({"reference": texts["granted"]}, self.position["budget"])] + [
            SummaryRow({"reference": texts[key]}, self.position[key]) for key in ("reserved", "booked", "remaining")],
            formulas=False)
        return [employees, sources, overall, budget]

    def totals(self) -> dict:
        return {"overall": str(from_cents(self.total)),
                "per_source": {label: str(from_cents(cents)) for label, cents in sorted(self.sources.items())},
                "employees": len(self.employees),
                "budget": {key: str(from_cents(value)) for key, value in self.position.items() if key != "year"}}


def build(employer, period: str, *, source: str | None = None, language: str = "nl",
          generated_at: datetime | None = None) -> Statement:
    """The statement, its labels in ``language``. StatementError for a bad period or source."""
    with force_locale(language):
        try:
            wanted = periods.parse(period)
        except periods.PeriodError as error:
            raise StatementError(str(error)) from error
        if source is not None and source not in {s.value for s in Source}:
            raise StatementError(_("Not a funding source: %(source)s.", source=str(source)[:20]))
        return Statement(employer, wanted, source, generated_at)

