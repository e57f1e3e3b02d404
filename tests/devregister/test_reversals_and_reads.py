"""Reversals, the employer's entries with cursors, a person's account and the training registry."""

from __future__ import annotations

from decimal import Decimal

import pytest

from devregister.seed import public_credit
from tests.devregister.conftest import (
    BAKERS,
    BAKERY,
    INSTALLER,
    INSTALLERS,
    PLATFORM_TOKEN,
    book,
    contribution,
    key,
    period,
)


def reverse(client, entry_id, reason="booked twice by mistake", idempotency_key=None):
    return client.post(f"/v1/contributions/{entry_id}/reversal", json={"reason": reason},
                       headers={"Idempotency-Key": idempotency_key or key()})


def test_a_reversal_is_a_new_entry_with_the_opposite_amount(register):
    with register.client() as client:
        original = book(client, contribution(amount="150.00")).json()
        idempotency_key = key()
        response = reverse(client, original["entry_id"], idempotency_key=idempotency_key)
        replay = reverse(client, original["entry_id"], idempotency_key=idempotency_key)
        twice = reverse(client, original["entry_id"])
        entries = client.get(f"/v1/employers/{BAKERY}/entries", params={"period": original["period"]}).json()
    assert response.status_code == 201
    reversal = response.json()
    assert reversal["reverses"] == original["entry_id"]
    assert reversal["amount"] == "-150.00"
    assert reversal["entry_id"] != original["entry_id"]
    assert reversal["reference"] == original["reference"]
    assert (replay.status_code, replay.json()) == (200, reversal)
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "already_reversed"
    by_id = {entry["entry_id"]: entry for entry in entries["entries"]}
    assert by_id[original["entry_id"]]["status"] == "reversed"
    assert by_id[original["entry_id"]]["amount"] == "150.00"  # never edited
    assert by_id[reversal["entry_id"]]["reverses"] == original["entry_id"]


def test_a_reversal_needs_a_reason_a_key_and_the_own_employer(register):
    with register.client() as client:
        original = book(client, contribution()).json()
        no_reason = reverse(client, original["entry_id"], reason="")
        no_key = client.post(f"/v1/contributions/{original['entry_id']}/reversal", json={"reason": "x"})
        unknown = reverse(client, "L-DOESNOTEXIST")
    with register.client(INSTALLER) as other:
        foreign = reverse(other, original["entry_id"])
    assert (no_reason.status_code, no_reason.json()["error"]["code"]) == (422, "invalid_request")
    assert no_key.status_code == 400
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (403, "forbidden")


def test_entries_page_in_booking_order_with_a_cursor(start):
    register = start()
    month = period(1)
    with register.client() as client:
        booked = [book(client, contribution(period=month, amount=f"{n}0.00")).json() for n in range(1, 5)]
        reversal = reverse(client, booked[1]["entry_id"]).json()
        book(client, contribution(period=period(2)))  # another period: filtered out
        pages, cursor = [], None
        while True:
            params = {"period": month, "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = client.get(f"/v1/employers/{BAKERY}/entries", params=params).json()
            pages.append(page["entries"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        everything = client.get(f"/v1/employers/{BAKERY}/entries", params={"limit": 1000}).json()
    assert [len(page) for page in pages] == [2, 2, 1]
    ids = [entry["entry_id"] for page in pages for entry in page]
    assert ids == [entry["entry_id"] for entry in booked] + [reversal["entry_id"]]
    assert [entry["amount"] for page in pages for entry in page] == ["10.00", "20.00", "30.00", "40.00", "-20.00"]
    assert pages[0][1]["status"] == "reversed"
    assert set(pages[0][0]) == {"entry_id", "person_id", "amount", "currency", "period", "reference", "kind",
                                "registry_id", "status", "reverses", "booked_at"}
    assert len(everything["entries"]) == 6 and everything["next_cursor"] is None


def test_entries_refuse_bad_queries_and_other_employers(register):
    with register.client() as client:
        other = client.get(f"/v1/employers/{INSTALLER}/entries")
        limits = [client.get(f"/v1/employers/{BAKERY}/entries", params={"limit": n}).status_code
                  for n in (0, 1001, "x")]
        bad_cursor = client.get(f"/v1/employers/{BAKERY}/entries", params={"cursor": "forged"})
        bad_period = client.get(f"/v1/employers/{BAKERY}/entries", params={"period": "2026-13"})
    with register.client(token="wrong") as anonymous:
        unauthorised = anonymous.get(f"/v1/employers/{BAKERY}/entries")
    assert (other.status_code, other.json()["error"]["code"]) == (403, "forbidden")
    assert limits == [400, 400, 400]
    assert (bad_cursor.status_code, bad_cursor.json()["error"]["code"]) == (400, "invalid_cursor")
    assert bad_period.status_code == 400
    assert unauthorised.status_code == 401


def test_a_cursor_is_bound_to_its_query(start):
    register = start()
    with register.client() as client:
        for _ in range(3):
            book(client, contribution())
        cursor = client.get(f"/v1/employers/{BAKERY}/entries", params={"limit": 1}).json()["next_cursor"]
        other_query = client.get(f"/v1/employers/{BAKERY}/entries",
                                 params={"limit": 1, "cursor": cursor, "period": period(3)})
    assert cursor
    assert other_query.status_code == 400


def test_a_persons_account_sums_booked_minus_reversed(register):
    person = BAKERS["An Mertens"]
    with register.client() as client:
        first = book(client, contribution(person_id=person, amount="200.00")).json()
        second = book(client, contribution(person_id=person, amount="75.25")).json()
        reverse(client, second["entry_id"])
        account = client.get(f"/v1/persons/{person}/account").json()
    assert first["status"] == "booked"
    assert account["person_id"] == person
    assert account["public_credit"] == f"{public_credit(person):.2f}"
    assert Decimal("300") <= Decimal(account["public_credit"]) <= Decimal("800")
    assert account["employer_contributions"] == "200.00"
    assert account["spent"] == "0.00"
    assert Decimal(account["balance"]) == (Decimal(account["public_credit"]) + Decimal("200.00")
                                           - Decimal(account["spent"]))
    assert account["currency"] == "EUR"
    assert account["updated_at"].endswith("Z")
    assert all(isinstance(account[name], str) for name in ("balance", "public_credit", "employer_contributions"))


def test_an_account_is_only_for_the_callers_people(register):
    with register.client() as client:
        other = client.get(f"/v1/persons/{INSTALLERS['Lucas Wouters']}/account")
        unknown = client.get("/v1/persons/85073003328/account")
        malformed = client.get("/v1/persons/123/account")
    with register.client(token=PLATFORM_TOKEN) as platform:
        by_platform = platform.get(f"/v1/persons/{BAKERS['Tom Claes']}/account")
    assert (other.status_code, other.json()["error"]["code"]) == (403, "forbidden")
    assert unknown.status_code == 403
    assert malformed.status_code == 400
    assert by_platform.status_code == 403


def _all_trainings(client, **params):
    rows, cursor, pages = [], None, 0
    while True:
        page = client.get("/v1/trainings", params={**params, **({"cursor": cursor} if cursor else {})}).json()
        rows += page["trainings"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return rows, pages


def test_the_training_registry_pages_and_filters_by_update(register):
    with register.client(token=PLATFORM_TOKEN) as client:
        rows, pages = _all_trainings(client, limit=100)
        since = sorted(row["updated_at"] for row in rows)[len(rows) // 2]
        recent, _ = _all_trainings(client, limit=40, updated_since=since)
        offset = since.replace("Z", "+02:00")  # the same instant, written in another zone: two hours earlier
        wider, _ = _all_trainings(client, limit=1000, updated_since=offset)
    assert len(rows) >= 300 and pages == -(-len(rows) // 100)
    assert len({row["registry_id"] for row in rows}) == len(rows)
    assert [row["updated_at"] for row in rows] == sorted(row["updated_at"] for row in rows)
    assert {row["registry_id"] for row in recent} == {row["registry_id"] for row in rows if row["updated_at"] >= since}
    assert len(wider) >= len(recent)
    languages = {row["language"] for row in rows}
    assert languages == {"nl", "fr", "en"}
    assert any(row["withdrawn"] for row in rows) and not all(row["withdrawn"] for row in rows)
    sample = next(row for row in rows if row["registry_id"] == "ODB-104211")
    assert sample["title"] == "Boekhouden voor KMO's"
    for row in rows:
        assert row["registry_id"].startswith("ODB-1") and len(row["registry_id"]) == 10
        assert row["cost"].count(".") == 1 and len(row["cost"].split(".")[1]) == 2
        assert row["delivery"] in ("onsite", "online", "blended")
        assert {"name", "enterprise_number"} <= row["provider"].keys()
        assert {"hours", "ects", "eqf_level", "eligible_ila", "eligible_paid_leave", "quality_label",
                "leads_to_microcredential", "valid_from", "valid_until", "currency"} <= row.keys()


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"updated_since": "yesterday"},
                                    {"cursor": "forged"}])
def test_the_training_registry_refuses_bad_queries(register, params):
    with register.client(token=PLATFORM_TOKEN) as client:
        response = client.get("/v1/trainings", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid_request", "invalid_cursor")


def test_the_training_registry_needs_a_token_of_the_register(register):
    with register.client(token="wrong") as anonymous, register.client(BAKERY) as employer:
        assert anonymous.get("/v1/trainings").status_code == 401
        assert employer.get("/v1/trainings", params={"limit": 1}).json()["trainings"]
