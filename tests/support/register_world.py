"""A world shared by the app and the development register: employers with staff known to both
(employer, persons, employment, one training) and approved co-funding whose contributions are pending
in the app. ``build_world`` writes the register's SQLite store, then starts the register as a REAL
process (``python -m devregister``) with the given faults and points the app at it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from devregister.store import Store
from ila_sme.extensions import db
from ila_sme.register.client import RegisterClient
from tests import factories
from tests.devregister.conftest import Register, start_register
from tests.funding.submit.conftest import make_contribution, this_period

REGISTRY_ID = "ODB-900001"
NO_FAULTS = ""


@dataclass
class World:
    register: Register
    employers: list
    contributions: list
    staff: dict = field(default_factory=dict)  # employer id -> [EmployeeRecord]
    timeout: float = 10.0

    def store(self) -> Store:
        return Store(self.register.db)

    def client(self, employer, *, budget: float = 60.0) -> RegisterClient:
        return RegisterClient(self.register.url, employer.register_token, timeout=self.timeout,
                              budget_seconds=budget)

    def entries(self, employer) -> list[dict]:
        with self.client(employer) as client:
            return list(client.entries(employer.enterprise_number, page_size=200))

    def of(self, employer) -> list:
        return [c for c in self.contributions if c.employer_id == employer.id]


def build_world(app, tmp_path, per_employer, *, faults: str = NO_FAULTS, timeout: float = 10.0,
                staff_per_employer: int = 5, seed: int = 5, months: int = 3) -> World:
    db_path = tmp_path / "register.sqlite3"
    store = Store(db_path)
    store.add_trainings([{"registry_id": REGISTRY_ID, "updated_at": "2026-01-01T00:00:00Z", "title": "Boekhouden"}])
    rng = random.Random(seed)
    employers, contributions, staff_of = [], [], {}
    for count in per_employer:
        employer = factories.employer()
        employer.register_token = f"demo-token-{employer.enterprise_number}"
        requester = factories.user(roles={employer: "manager"})
        staff = [factories.employee(employer) for _ in range(staff_per_employer)]
        store.add_employer(employer.enterprise_number, employer.name, employer.register_token)
        for person in staff:
            store.add_person(person.national_number, Decimal("1500.00"))
            store.add_employment(employer.enterprise_number, person.national_number, date(2020, 1, 1))
        for n in range(count):
            course = n % 7 == 0
            contributions.append(make_contribution(
                staff[n % len(staff)], requester, amount_cents=rng.randrange(1000, 100000),
                period=this_period(n % months), kind="course-fee" if course else "top-up",
                registry_id=REGISTRY_ID if course else None))
        employers.append(employer)
        staff_of[employer.id] = staff
    db.session.commit()
    store.close()
    args = ["--no-seed"] + (["--faults", faults] if faults else [])
    register = start_register(db_path, *args)
    app.config.update(LEDGER_URL=register.url, LEDGER_TOKEN="", LEDGER_TIMEOUT=timeout)
    return World(register, employers, contributions, staff_of, timeout)
