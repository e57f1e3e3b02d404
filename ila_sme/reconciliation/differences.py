"""The differences a reconciliation run keeps: once per employer and key (kind + entry or reference),
so that later runs never queue one twice; found again after a resolution that said it was in order,
it reopens. Details are stored as a code of DETAIL_TEXTS with their values (shown translated) and
their English text (for logs and commands)."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import force_locale
from sqlalchemy import select

from ila_sme.audit.services import record
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.funding.models import Contribution
from ila_sme.money import from_cents
from ila_sme.reconciliation.models import DETAIL_TEXTS, Difference, DifferenceState, Outcome, Resolution

# Resolutions that stay resolved when the same difference is found again (unless the amount moves).
KEPT = (Resolution.WRITTEN_OFF, Resolution.ACCEPTED)


def clip(value, size: int) -> str | None:
    """The register allows longer texts than some columns hold: stored clipped, never matched on."""
    return None if value is None else str(value)[:size]


class DifferenceBook:
    """One run's view of the employer's differences. ``keep`` notes a difference found; ``write`` reads the
    ones already kept under the noted keys (one query per page or batch, none when nothing was found) and
    writes them. ``staff`` maps a national number to an employee id (to name the person of an unknown
    entry without storing the number); it is read the first time an unknown entry needs it."""

    def __init__(self, employer_id: int, run_id: int, staff: Callable[[], dict[str, int]]):
        self.employer_id, self.run_id, self._load_staff = employer_id, run_id, staff
        self._staff: dict[str, int] | None = None
        self.known: dict[str, Difference] = {}  # the differences of the page (or batch) at hand, by key
        self._noted: list[tuple[Outcome, str, dict]] = []

    @property
    def staff(self) -> dict[str, int]:
        if self._staff is None:
            self._staff = self._load_staff()
        return self._staff

    def keep(self, kind: Outcome, key: str, **found) -> None:
        """Note a difference found (written by ``write``)."""
        self._noted.append((kind, key, found))

    def write(self) -> None:
        noted, self._noted = self._noted, []
        if not noted:
            return
        self.known = {d.key: d for d in db.session.scalars(select(Difference).where(
            Difference.employer_id == self.employer_id, Difference.key.in_(sorted({key for _, key, _ in noted})))
            .execution_options(populate_existing=True))}
        for kind, key, found in noted:
            self._keep(kind, key, **found)

    def _keep(self, kind: Outcome, key: str, *, entry: dict | None = None,
              contribution: Contribution | None = None, register_cents: int | None = None,
              detail: tuple[str, dict] | None = None) -> None:
        """``detail``: (code of DETAIL_TEXTS, its values), stored with its English text."""
        local_cents = contribution.amount_cents if contribution is not None and kind != Outcome.UNKNOWN_IN_REGISTER \
            else None
        code, params = detail or (None, None)
        # our own references, entry ids and the contribution's stored (already scrubbed) error: an entry id
        # may hold a run of digits that scrub() would take for a national number
        params = {name: str(value)[:200] for name, value in params.items()} if params else None
        if code:
            with force_locale("en"):
                detail = (str(DETAIL_TEXTS[code]) % params)[:500]
        existing = self.known.get(key)
        if existing is not None:
            existing.last_run_id = self.run_id
            if existing.state == DifferenceState.RESOLVED and _reopens(existing, kind, register_cents):
                record("reconciliation.reopened", employer_id=self.employer_id, obj=existing,
                       before={"resolution": existing.resolution},
                       after={"register_amount": None if register_cents is None else str(from_cents(register_cents))})
                existing.state, existing.resolution = DifferenceState.OPEN, None
                existing.resolved_by_id, existing.resolved_at, existing.found_at = None, None, utcnow()
            if existing.state == DifferenceState.OPEN:
                existing.register_cents, existing.local_cents, existing.detail = register_cents, local_cents, detail
                existing.detail_code, existing.detail_params = code, params
            return
        employee_id = contribution.employee_id if contribution is not None else None
        if entry is not None and employee_id is None:
            employee_id = self.staff.get(entry.get("person_id"))
        entry = entry or {}
        difference = Difference(
            employer_id=self.employer_id, kind=kind, key=key, state=DifferenceState.OPEN,
            reference=clip(entry.get("reference") or (contribution.reference if contribution else None), 64),
            entry_id=clip(entry.get("entry_id") or (contribution.entry_id if contribution else None), 60),
            contribution_id=contribution.id if contribution is not None else None, employee_id=employee_id,
            entry_kind=clip(entry.get("kind") or (contribution.kind if contribution else None), 20),
            registry_id=clip(entry.get("registry_id") or (contribution.registry_id if contribution else None), 40),
            period=entry.get("period") or (contribution.period if contribution else None),
            local_cents=local_cents, register_cents=register_cents, detail=detail, detail_code=code,
            detail_params=params,
            first_run_id=self.run_id, last_run_id=self.run_id)
        db.session.add(difference)
        self.known[key] = difference


def _reopens(existing: Difference, kind: Outcome, register_cents: int | None) -> bool:
    """Found again after it was resolved. Written off or accepted: it stays so, unless the register's
    amount changed since. Settled, resubmitted, linked, recorded: the resolution said it was in
    order, and it is not."""
    if existing.resolution in KEPT:
        return kind == Outcome.AMOUNT_MISMATCH and register_cents != existing.register_cents
    return True
