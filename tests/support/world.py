"""The people that several folders' tests sign in as, built in one place so that the same cast has the same
addresses, names and roles everywhere. A folder adds what only its tests need (trainings, leave types, a
deputy) around them."""

from __future__ import annotations

from dataclasses import dataclass

from tests import factories

ROLES = ["employee", "manager", "accountant", "admin"]


def one_user_per_role(employer) -> dict:
    """role -> a user holding only that role at ``employer``: ``<role>@example.be``, named "<Role> User"."""
    return {role: factories.user(f"{role}@example.be", roles={employer: role}, name=f"{role.title()} User")
            for role in ROLES}


@dataclass
class Staff:
    """Wim, an employee who signs in, with his approver, and around them every other part a test plays."""

    employer: object
    manager: object  # Mia: Wim's approver
    other_manager: object  # Olga: a manager, but not Wim's approver (Cora's)
    admin: object  # Ada
    accountant: object  # Alex
    worker: object  # Wim's user
    employee: object  # Wim's EmployeeRecord, with his user's address
    colleague_user: object
    colleague: object  # Cora's EmployeeRecord


def staff(employer, *, admin_roles: tuple[str, ...] = ("admin",), **wim) -> Staff:
    """The cast at ``employer``, in this order (their ids follow it); ``wim``: more fields of Wim's record."""
    manager = factories.user("manager@example.be", roles={employer: "manager"}, name="Mia Manager")
    other_manager = factories.user("other@example.be", roles={employer: "manager"}, name="Olga Other")
    admin = factories.user("admin@example.be", roles={employer: list(admin_roles)}, name="Ada Admin")
    accountant = factories.user("accountant@example.be", roles={employer: "accountant"}, name="Alex Accountant")
    worker = factories.user("worker@example.be", roles={employer: "employee"}, name="Wim Worker")
    employee = factories.employee(employer, first_name="Wim", last_name="Worker", user_id=worker.id,
                                  email=worker.email, approver_id=manager.id, **wim)
    colleague_user = factories.user("cora@example.be", roles={employer: "employee"}, name="Cora Colleague")
    colleague = factories.employee(employer, first_name="Cora", last_name="Colleague", user_id=colleague_user.id,
                                   approver_id=other_manager.id)
    return Staff(employer=employer, manager=manager, other_manager=other_manager, admin=admin,
                 accountant=accountant, worker=worker, employee=employee, colleague_user=colleague_user,
                 colleague=colleague)
