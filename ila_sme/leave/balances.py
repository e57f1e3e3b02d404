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

    A period the allocation job has not reached yet shows what it will add as ``unallocated``; a period in
    which the employee does not meet the scheme's conditions says why in ``not_eligible``.
    """
    result = []
    for scheme in schemes_in_use(employer):
        period = schemes.period_of(scheme, today)
        try:
            allocations = schemes.allocations_for(scheme, employee, employer, period)
        except schemes.SchemeError:
            continue  # the scheme has no parameters for this employer on this date
        found = ledger.balance(employee.id, scheme, period.label)
        missing = ledger.missing_allocations(employee, employer, scheme, period, allocations)
        found.unallocated = sum((allocation.amount for allocation in missing), ledger.ZERO)
        found.not_eligible = next((a.not_eligible for a in allocations if a.not_eligible), None)
        result.append(found)
    return result
