"""An employee's balances as the screens show them: the current period of every scheme the employer uses."""

from __future__ import annotations

from datetime import date

from ila_sme.leave import ledger
from ila_sme.people.history import History
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
    history = History.of(employee)  # the contracts and terms, read once for every scheme
    computed = {}
    for scheme in schemes_in_use(employer):
        period = schemes.period_of(scheme, today)
        try:
            computed[scheme] = (period, schemes.allocations_for(scheme, employee, employer, period, history))
        except schemes.SchemeError:
            continue  # the scheme has no parameters for this employer on this date
    periods = {scheme: period.label for scheme, (period, _allocations) in computed.items()}
    found, allocated = ledger.in_periods(employee.id, periods)
    result = []
    for scheme, (_period, allocations) in computed.items():
        balance = found[scheme]
        missing = [allocation for allocation in allocations if allocation.source not in allocated[scheme]]
        balance.unallocated = sum((allocation.amount for allocation in missing), ledger.ZERO)
        balance.not_eligible = next((a.not_eligible for a in allocations if a.not_eligible), None)
        result.append(balance)
    return result
