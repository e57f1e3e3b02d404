"""The roles a membership gives in an employer: the one vocabulary of the permissions and the screens."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"
    ACCOUNTANT = "accountant"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.EMPLOYEE: _l("Employee"),
    Role.MANAGER: _l("Manager"),
    Role.ACCOUNTANT: _l("Accountant"),
    Role.ADMIN: _l("Admin"),
}
