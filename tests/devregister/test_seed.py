"""The development register's own demo data (devregister/demo_data.json) is the app's demo: the same employers,
tokens, people with the national numbers the app's demo seed computes, contract dates and registry trainings.
The register keeps its copy so that it imports nothing from the app; this test keeps the two from drifting."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from devregister import seed
from devregister.store import Store
from ila_sme.demo.data import EMPLOYERS, REGISTER_TOKEN, STAFF, TRAININGS
from ila_sme.identifiers import make_insz, make_kbo

TODAY = date(2026, 11, 27)


def test_the_employers_and_their_tokens_are_the_apps_demo_employers(tmp_path):
    store = Store(tmp_path / "register.sqlite3")
    try:
        seed.seed(store, TODAY)
        for spec in EMPLOYERS:
            number = spec["enterprise_number"]
            assert store.caller(REGISTER_TOKEN.format(enterprise_number=number)) == ("employer", number)
        assert store.caller("demo-platform-token") == ("platform", None)
        names = dict(store.read("SELECT employer_id, name FROM employers"))
    finally:
        store.close()
    assert names == {spec["enterprise_number"]: spec["name"] for spec in EMPLOYERS}


def test_the_persons_are_the_apps_demo_staff_with_the_same_numbers_and_contracts():
    expected = []
    for spec in EMPLOYERS:
        for serial, row in enumerate(STAFF[spec["key"]], start=spec["serials"]):
            expected.append({"person_id": make_insz(row[3], serial), "employer_id": spec["enterprise_number"],
                             "name": f"{row[0]} {row[1]}", "start": row[6].isoformat(),
                             "end": row[7].isoformat() if row[7] else None})
    assert seed.demo_data()["persons"] == expected


def test_the_demo_trainings_are_the_apps_registry_trainings_with_their_dates_from_today():
    rows = {row["registry_id"]: row for row in seed.trainings(TODAY)}
    assert len(rows) == len(TRAININGS) + seed.GENERATED_TRAININGS == 330
    for (_key, registry_id, title, provider, language, delivery, hours, points, eqf, cost, ila, paid_leave, micro,
         start, length, withdrawn) in TRAININGS:
        row = rows[registry_id]
        starts_on = TODAY + timedelta(days=start)
        assert (row["title"], row["provider"]["name"], row["language"], row["delivery"]) == (
            title, provider, language, delivery)
        assert row["provider"]["enterprise_number"] == make_kbo(4000000 + sum(map(ord, provider)))
        assert (row["hours"], row["ects"], row["eqf_level"]) == (int(Decimal(hours)),
                                                                 float(points) if points else None, eqf)
        assert (row["cost"], row["currency"]) == (f"{Decimal(cost):.2f}", "EUR")
        assert (row["eligible_ila"], row["eligible_paid_leave"], row["leads_to_microcredential"],
                row["withdrawn"]) == (ila, paid_leave, micro, withdrawn)
        assert row["valid_from"] == (starts_on - timedelta(days=120)).isoformat()
        assert row["valid_until"] == (starts_on + timedelta(days=length + 90)).isoformat()


def test_the_generated_trainings_are_the_same_on_every_machine():
    first, second = seed.trainings(TODAY), seed.trainings(TODAY)
    assert first == second
    generated = [row for row in first if row["registry_id"] not in {spec[1] for spec in TRAININGS}]
    assert len(generated) == seed.GENERATED_TRAININGS
    assert all(len(row["provider"]["enterprise_number"]) == 10 for row in generated)
    assert {row["language"] for row in generated} == {"nl", "fr", "en"}


def test_the_trainings_carry_course_dates_and_the_schemes_they_qualify_for():
    rows = {row["registry_id"]: row for row in seed.trainings(TODAY)}
    for (_key, registry_id, *_rest, ila, paid_leave, _micro, start, length, _withdrawn) in TRAININGS:
        row = rows[registry_id]
        starts_on = date.fromisoformat(row["starts_on"])
        assert starts_on.weekday() == 0 and 0 <= (starts_on - (TODAY + timedelta(days=start))).days < 7
        assert row["ends_on"] == (starts_on + timedelta(days=max(length - 3, 0))).isoformat()
        assert row["qualifies_for"] == [name for name, flag in (("vov", paid_leave), ("vouchers", ila)) if flag]
    for row in rows.values():
        assert row["starts_on"] <= row["ends_on"] and row["registry_id"].startswith("ODB-")
        assert set(row["qualifies_for"]) <= {"vov", "vouchers"}
