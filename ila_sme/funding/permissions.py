"""Who may do what with a co-funding request: the one place. The services refuse with these (a
FundingError), the views answer 403 or hide with them, the templates hide a button with them.

The state rules are the model's (``FundingRequest.withdrawable``, ``.cancellable``, ``.decided_with_leave``,
``Contribution.cancellable``); these add who the user is. The employer-wide ones (``can_grant_funding`` …)
are in ``ila_sme/permissions.py``."""

from __future__ import annotations

from flask_babel import gettext as _

from ila_sme.funding.models import Contribution, FundingRequest, FundingStatus
from ila_sme.roles import Role


def is_involved(user, funding: FundingRequest) -> bool:
    """Whoever asked for it, or the employee it is for."""
    return user.id in (funding.requested_by_id, funding.employee.user_id)


def is_admin(user, funding: FundingRequest) -> bool:
    return Role.ADMIN in user.roles_in(funding.employer_id)


def may_decide(user, funding: FundingRequest) -> bool:
    """Managers and admins of the employer; admins only for the second step; never one's own."""
    if is_involved(user, funding):
        return False
    roles = user.roles_in(funding.employer_id)
    if funding.status == FundingStatus.PENDING:
        return bool(roles & {Role.MANAGER, Role.ADMIN})
    if funding.status == FundingStatus.SECOND_STEP:
        return Role.ADMIN in roles and user.id != funding.first_decided_by_id
    return False


def may_decide_here(user, funding: FundingRequest) -> bool:
    """On the co-funding screen: what may be decided, but not what follows a training leave's decision."""
    return may_decide(user, funding) and not funding.decided_with_leave


def may_try_cancel(user, funding: FundingRequest) -> bool:
    """The cancel action is theirs to try: whoever is involved (withdraws) or an admin (cancels). For anyone
    else it does not exist (403)."""
    return is_involved(user, funding) or is_admin(user, funding)


def cancel_refusal(user, funding: FundingRequest) -> str | None:
    """Why ``user`` may not withdraw or cancel it; None when they may (the service still checks the state,
    and whether its contribution went to the register)."""
    if funding.withdrawable and not is_involved(user, funding):
        return _("A request that waits for a decision is refused, with a reason, not cancelled.")
    if funding.cancellable and not is_admin(user, funding):
        return _("Only an admin cancels approved co-funding.")
    return None


def may_cancel(user, funding: FundingRequest, contribution: Contribution | None = None) -> bool:
    """Whether to offer Withdraw (waiting) or Cancel (approved, its latest contribution not sent)."""
    if cancel_refusal(user, funding) is not None:
        return False
    if funding.withdrawable:
        return True
    return funding.cancellable and (contribution is None or contribution.cancellable)
