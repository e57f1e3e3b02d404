"""An employee's balances as the screens show them: the current period of every scheme the employer uses."""

from __future__ import annotations

from datetime import date

from ila_sme.leave import ledger
from ila_sme.people.models import EmployeeRecord
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme


def schemes_in_use(employer) -> list[str]:
    """The schemes the employer's active leave types draw from, in a stable order."""
    used = {leave_type.scheme for leave_type in schemes.leave_types(employer)}
    return [scheme.value for scheme in Scheme if scheme.value in used]


def current_balances(employee: EmployeeRecord, employer, today: date) -> list[ledger.Balance]:
    """The current period's balance of every scheme in use, as the ledger holds it (nothing written).

    A period the allocation job has not reached yet shows what it will add as ``unallocated``.
    """
    result = []
    for scheme in schemes_in_use(employer):
        period = schemes.period_of(scheme, today)
        try:
            missing = ledger.missing_allocations(employee, employer, scheme, period)
        except schemes.SchemeError:
            continue  # the scheme has no parameters for this employer on this date
        found = ledger.balance(employee.id, scheme, period.label)
        found.unallocated = sum((allocation.amount for allocation in missing), ledger.ZERO)
        result.append(found)
    return result
