"""Seed the development register (idempotent: every row is inserted only when its key is new).

From its own data file, ``demo_data.json`` (the demo of ILA-SME's ``demo seed``; nothing is imported from the app):

- the demo employers, each with the token ``demo-token-<enterprise number>`` that the app's demo seed stores on
  the employer;
- the demo staff as persons, employed by their employer over their contract dates, each with a public credit
  of €300–€800;
- the platform token ``demo-platform-token`` for the public training registry;
- the demo trainings plus a few hundred generated ones (Dutch, French and English titles, ODB ids), each with
  its course dates (``starts_on``, ``ends_on``) and the schemes it qualifies for (``qualifies_for``: "vov" when
  it is eligible for paid training leave, "vouchers" when it is eligible for the learning account).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from .store import Store

DATA_FILE = Path(__file__).with_name("demo_data.json")
EMPLOYER_TOKEN = "demo-token-{employer_id}"  # noqa: S105 - development tokens, public on purpose
PLATFORM_TOKEN = "demo-platform-token"  # noqa: S105 - a development token, public on purpose
GENERATED_TRAININGS = 300

TOPICS = {
    "nl": ["Boekhouden", "Projectmanagement", "Excel", "Digitale marketing", "Leidinggeven", "Veiligheid (VCA)",
           "Elektriciteit", "Warmtepompen", "Zonnepanelen", "Klantvriendelijkheid", "Voedselveiligheid",
           "Heftruck", "Timemanagement", "Python", "Cybersecurity", "Onderhandelen", "Loonadministratie",
           "Sanitair", "Duurzaam bouwen", "Communicatie"],
    "fr": ["Comptabilité", "Gestion de projet", "Excel", "Marketing digital", "Leadership", "Sécurité (VCA)",
           "Électricité", "Pompes à chaleur", "Panneaux solaires", "Service client", "Sécurité alimentaire",
           "Chariot élévateur", "Gestion du temps", "Python", "Cybersécurité", "Négociation", "Gestion de la paie",
           "Sanitaire", "Construction durable", "Communication"],
    "en": ["Bookkeeping", "Project management", "Excel", "Digital marketing", "Leadership", "Safety (VCA)",
           "Electrical installations", "Heat pumps", "Solar panels", "Customer service", "Food safety",
           "Forklift", "Time management", "Python", "Cybersecurity", "Negotiation", "Payroll",
           "Plumbing", "Sustainable building", "Communication"],
}
LEVELS = {
    "nl": ["voor beginners", "voor gevorderden", "voor KMO's", "in de praktijk", "basisopleiding", "masterclass"],
    "fr": ["pour débutants", "avancé", "pour PME", "en pratique", "formation de base", "masterclass"],
    "en": ["for beginners", "advanced", "for SMEs", "in practice", "foundation course", "masterclass"],
}
PROVIDERS = [
    ("Syntra West", 409876543), ("Syntra Midden-Vlaanderen", 410234567), ("Syntra Antwerpen en Vlaams-Brabant",
                                                                        412345678),
    ("VDAB Competentiecentrum", 887010242), ("Bruxelles Formation", 262345671), ("Le Forem", 236363165),
    ("IFAPME", 265432198), ("Constructiv", 411223344), ("Volta", 432109876), ("Vlerick Business School", 415283411),
    ("KU Leuven Permanente Vorming", 419052173), ("UCLouvain Formation continue", 419052272),
    ("Odisee Academy", 455412978), ("Howest Academy", 467534211), ("EPFC", 421987654),
]
QUALITY_LABELS = ["Kwaliteitslabel Vlaamse overheid", "Label qualité FWB", "ISO 29993", "EQAVET"]


@cache
def demo_data() -> dict:
    """The demo's employers, persons and trainings (``demo_data.json``)."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def seed(store: Store, today: date | None = None) -> dict[str, int]:
    """Insert what is missing; return the store's counts."""
    today = today or datetime.now(UTC).date()
    data = demo_data()
    store.add_platform_token(PLATFORM_TOKEN)
    for employer in data["employers"]:
        number = employer["employer_id"]
        store.add_employer(number, employer["name"], EMPLOYER_TOKEN.format(employer_id=number))
    for person in data["persons"]:
        store.add_person(person["person_id"], public_credit(person["person_id"]))
        store.add_employment(person["employer_id"], person["person_id"], date.fromisoformat(person["start"]),
                             date.fromisoformat(person["end"]) if person["end"] else None)
    store.add_trainings(trainings(today))
    return store.counts()


def kbo(base: int) -> str:
    """A valid enterprise number from up to 8 digits (check = 97 - base mod 97)."""
    return f"{base:08d}{97 - base % 97:02d}"


def public_credit(person_id: str) -> Decimal:
    """€300–€800 in steps of €50, by a fixed rule on the number (the same on every machine)."""
    return Decimal(300 + (int(person_id) % 11) * 50)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def trainings(today: date) -> list[dict]:
    """The demo's trainings (so the demo's course-fee bookings are known) and a deterministic generated set."""
    moment = datetime(today.year, today.month, today.day, 3, 0, tzinfo=UTC)
    demo = demo_data()["trainings"]
    rows = [_demo_training(spec, today, moment) for spec in demo]
    taken = {row["registry_id"] for row in rows}
    rng = random.Random(20260101)
    number = 100000
    while len(rows) < len(demo) + GENERATED_TRAININGS:
        number += rng.randint(1, 37)
        registry_id = f"ODB-{number}"
        if registry_id in taken:
            continue
        taken.add(registry_id)
        rows.append(_generated(rng, registry_id, today, moment))
    return rows


def _qualifies_for(row: dict) -> list[str]:
    return [name for name, flag in (("vov", row["eligible_paid_leave"]), ("vouchers", row["eligible_ila"])) if flag]


def _demo_training(spec: dict, today: date, moment: datetime) -> dict:
    """A training of the demo: its course dates are days from today (the start on a Monday, as the app's demo
    seed has them)."""
    row = {name: value for name, value in spec.items() if name not in ("starts_in_days", "length_days")}
    starts_on = today + timedelta(days=spec["starts_in_days"])
    course_start = starts_on + timedelta(days=(7 - starts_on.weekday()) % 7)
    return {
        **row, "currency": "EUR", "quality_label": QUALITY_LABELS[0],
        "valid_from": (starts_on - timedelta(days=120)).isoformat(),
        "valid_until": (starts_on + timedelta(days=spec["length_days"] + 90)).isoformat(),
        "starts_on": course_start.isoformat(),
        "ends_on": (course_start + timedelta(days=max(spec["length_days"] - 3, 0))).isoformat(),
        "qualifies_for": _qualifies_for(row),
        "updated_at": _stamp(moment - timedelta(days=400)),
    }


def _generated(rng: random.Random, registry_id: str, today: date, moment: datetime) -> dict:
    language = rng.choices(["nl", "fr", "en"], weights=[6, 3, 1])[0]
    topic = rng.randrange(len(TOPICS["nl"]))
    title = f"{TOPICS[language][topic]} {rng.choice(LEVELS[language])}"
    provider, base = rng.choice(PROVIDERS)
    hours = rng.choice([8, 12, 16, 20, 24, 30, 40, 48, 60, 80, 120])
    ects = round(hours / 25 * 2) / 2 if rng.random() < 0.4 else None
    valid_from = today - timedelta(days=rng.randint(0, 540))
    starts_on = valid_from + timedelta(days=30)  # derived, not drawn: the generated set stays as it was
    row = {
        "registry_id": registry_id, "title": title, "language": language,
        "provider": {"name": provider, "enterprise_number": kbo(base % 100_000_000)},
        "hours": hours, "ects": ects, "eqf_level": rng.choice([2, 3, 4, 4, 5, 5, 6, 7]),
        "delivery": rng.choices(["onsite", "online", "blended"], weights=[5, 3, 2])[0],
        "cost": f"{rng.randint(6, 90) * 25}.00", "currency": "EUR",
        "eligible_ila": rng.random() < 0.85, "eligible_paid_leave": rng.random() < 0.7,
        "quality_label": rng.choice(QUALITY_LABELS), "leads_to_microcredential": rng.random() < 0.3,
        "valid_from": valid_from.isoformat(),
        "valid_until": (valid_from + timedelta(days=rng.choice([365, 540, 730, 900]))).isoformat(),
        "withdrawn": rng.random() < 0.04,
        "updated_at": _stamp(moment - timedelta(days=rng.randint(0, 420), seconds=rng.randint(0, 86399))),
        "starts_on": starts_on.isoformat(),
        "ends_on": (starts_on + timedelta(days=7 * max(hours // 8 - 1, 0))).isoformat(),  # a day a week
    }
    return {**row, "qualifies_for": _qualifies_for(row)}
