"""The other exports an accountant takes away: the Flemish training-leave (VOV) refund claims of a school
year laid out for bulk upload, an employee's individual training account of a year, and the audit log.
Each is a ``Report`` (report.py), written by the same CSV/XLSX/PDF writers and logged like a statement."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from types import SimpleNamespace

from babel.numbers import format_decimal
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ila_sme.accounts.models import User
from ila_sme.audit import sentences
from ila_sme.audit.models import AuditEvent
from ila_sme.dates import BRUSSELS, local
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.funding.periods import PeriodError
from ila_sme.identifiers import format_kbo, mask_insz
from ila_sme.leave import ledger
from ila_sme.leave.models import ENTRY_KIND_LABELS, LeaveRequest
from ila_sme.money import from_cents, to_cents
from ila_sme.refunds import services as refunds
from ila_sme.schemes.models import Scheme
from ila_sme.statements.report import DATE, DECIMAL, MOMENT, MONEY, TEXT, Column, Report, Section, SummaryRow
from ila_sme.web import babel_locale, format_quantity

BATCH = 1000


def _common(employer) -> dict:
    return {"generated_label": _("Generated at"), "page_label": _("Page %(page)s of %(pages)s"),
            "footer": f"{employer.name} ({format_kbo(employer.enterprise_number)})",
            "labels": {"formula": _("Formula")}}


def _employer_meta(employer) -> list[tuple[str, str]]:
    return [(_("Employer"), employer.name), (_("Enterprise number"), format_kbo(employer.enterprise_number))]


# VOV refund claims ------------------------------------------------------------------------------


def vov_claims(employer, school_year: str, *, language: str = "nl", generated_at: datetime | None = None) -> Report:
    """The approved VOV leave of a school year ('2025-26'): one line per leave, hours, rate, expected refund."""
    with force_locale(language):
        period = refunds.parse_school_year(school_year)
        if period is None:
            raise PeriodError(_("Not a school year: %(value)s. Give it as 2025-26.", value=str(school_year)[:20]))
        sheet = refunds.refund_sheet(employer, period, today=(generated_at or utcnow()).date())
        columns = [Column("employee", _("Employee"), TEXT, 40),
                   Column("national_number", _("National number"), TEXT, 26),
                   Column("training", _("Training"), TEXT, 50), Column("odb_id", _("ODB id"), TEXT, 20),
                   Column("start", _("First day"), DATE, 20), Column("end", _("Last day"), DATE, 20),
                   Column("hours", _("Approved hours"), DECIMAL, 22), Column("rate", _("Rate per hour"), DECIMAL, 22),
                   Column("refund", _("Expected refund (EUR)"), MONEY, 28)]
        state = {"lines": 0, "cents": 0, "hours": Decimal("0")}

        def rows():
            state.update(lines=0, cents=0, hours=Decimal("0"))
            for line in sheet.lines:
                request: LeaveRequest = line.request
                training = request.training
                cents = to_cents(line.expected_refund)
                state["lines"] += 1
                state["cents"] += cents
                state["hours"] += line.hours
                yield (request.employee.full_name, mask_insz(request.employee.national_number),
                       training.title if training else "", (training.registry_id or "") if training else "",
                       request.start_date, request.end_date, line.hours, line.rate, cents)
            report.line_count = state["lines"]

        total_label = _("Total")
        report = Report(
            kind="vov_claims", title=_("Training leave refund claims (VOV)"),
            meta=[*_employer_meta(employer), (_("School year"), period.label)],
            columns=columns, rows=rows, money_column="refund",
            summary=lambda: [Section(total_label, [SummaryRow({"employee": total_label, "hours": state["hours"]},
                                                              state["cents"])])],
            totals=lambda: {"expected_refund": str(from_cents(state["cents"])), "hours": str(state["hours"])},
            **_common(employer))
        if not sheet.applies:
            report.meta.append((_("Note"), _("No training-leave parameters apply to this employer.")))
        if generated_at:
            report.generated_at = generated_at
        return report


# The individual training account --------------------------------------------------------------


def training_account(employee, year: int, *, language: str = "nl", generated_at: datetime | None = None) -> Report:
    """The federal individual training account of a calendar year: identity, work regime, entitlement, days
    followed, remaining, carried over, and every movement of the year."""
    with force_locale(language):
        if not 1900 <= int(year) <= 2999:
            raise PeriodError(_("Not a year: %(value)s.", value=year))
        employer = employee.employer
        balance = ledger.balance(employee.id, Scheme.TRAINING_RIGHT, str(year))
        requests = {row.request_id for row in balance.rows if row.request_id}
        trainings = {request.id: request for request in db.session.scalars(
            select(LeaveRequest).where(LeaveRequest.id.in_(requests)))} if requests else {}
        kinds = {key: str(value) for key, value in ENTRY_KIND_LABELS.items()}
        regime = _("%(pct)s %% (%(hours)s a week)", pct=format_decimal(employee.employment_pct, format="#,##0.##",
                                                                       locale=babel_locale()),
                   hours=format_quantity(employee.hours_per_week, "hours"))
        meta = [*_employer_meta(employer), (_("Employee"), employee.full_name),
                (_("National number"), mask_insz(employee.national_number)), (_("Work regime"), regime),
                (_("Year"), str(year)), (_("Entitlement"), format_quantity(balance.entitlement, "days")),
                (_("Carried over"), format_quantity(balance.carried_over, "days")),
                (_("Days followed"), format_quantity(balance.used, "days")),
                (_("Reserved"), format_quantity(balance.reserved, "days")),
                (_("Remaining"), format_quantity(balance.remaining, "days"))]
        columns = [Column("date", _("Date"), DATE, 24), Column("movement", _("Movement"), TEXT, 40),
                   Column("training", _("Training"), TEXT, 80), Column("dates", _("Leave dates"), TEXT, 45),
                   Column("days", _("Days"), DECIMAL, 20), Column("note", _("Note"), TEXT, 60)]

        def rows():
            for row in balance.rows:
                request = trainings.get(row.request_id)
                training = request.training if request is not None else None
                yield (local(row.created_at).date(), kinds.get(row.kind, row.kind), training.title if training else "",
                       f"{request.start_date.isoformat()} - {request.end_date.isoformat()}" if request else "",
                       row.amount, row.reason_text)
            report.line_count = len(balance.rows)

        report = Report(kind="training_account", title=_("Individual training account"), meta=meta,
                        columns=columns, rows=rows,
                        totals=lambda: {"entitlement": str(balance.entitlement), "used": str(balance.used),
                                        "carried_over": str(balance.carried_over),
                                        "remaining": str(balance.remaining)},
                        **_common(employer))
        if generated_at:
            report.generated_at = generated_at
        return report


# The audit log --------------------------------------------------------------------------------


def audit_log(employer, *, start: date, end: date, language: str = "nl",
              generated_at: datetime | None = None) -> Report:
    """The audit events of an employer from ``start`` up to and including ``end`` (days in Brussels), streamed."""
    with force_locale(language):
        if end < start:
            raise PeriodError(_("The end comes before the start."))
        columns = [Column("at", _("Time"), MOMENT, 36), Column("actor", _("By"), TEXT, 45),
                   Column("action", _("Action"), TEXT, 55), Column("object", _("Object"), TEXT, 40),
                   Column("before", _("Before"), TEXT, 50), Column("after", _("After"), TEXT, 50),
                   Column("sentence", _("What happened"), TEXT, 90)]
        count = {"lines": 0}
        system = _("the system")

        def rows():
            count["lines"] = 0
            query = (select(AuditEvent.occurred_at, User.email, AuditEvent.action, AuditEvent.object_type,
                            AuditEvent.object_id, AuditEvent.before, AuditEvent.after, User.name)
                     .outerjoin(User, User.id == AuditEvent.actor_id)
                     .where(AuditEvent.employer_id == employer.id,
                            AuditEvent.occurred_at >= datetime.combine(start, time.min, tzinfo=BRUSSELS),
                            AuditEvent.occurred_at <= datetime.combine(end, time.max, tzinfo=BRUSSELS))
                     .order_by(AuditEvent.occurred_at, AuditEvent.id))
            objects: dict = {}  # each object the events name, loaded once
            for at, email, action, kind, object_id, before, after, name in db.session.execute(
                    query.execution_options(yield_per=BATCH)):
                count["lines"] += 1
                said = sentences.say(SimpleNamespace(action=action, object_type=kind, object_id=object_id),
                                     actor_name=name, cache=objects, links=False)
                yield (at, email or system, action,
                       f"{kind} {object_id}" if kind else "",
                       json.dumps(before, sort_keys=True, ensure_ascii=False) if before else "",
                       json.dumps(after, sort_keys=True, ensure_ascii=False) if after else "", said.text)
            report.line_count = count["lines"]

        report = Report(kind="audit", title=_("Audit log"),
                        meta=[*_employer_meta(employer), (_("From"), start.isoformat()), (_("To"), end.isoformat())],
                        columns=columns, rows=rows, totals=lambda: {"events": count["lines"]}, **_common(employer))
        if generated_at:
            report.generated_at = generated_at
        return report
