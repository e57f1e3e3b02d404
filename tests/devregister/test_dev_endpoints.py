"""The dev-only endpoints (devregister/dev.py): a booking at the register's portal, an amount its staff
correct, forgetting an employer's entries — behind the dev token, each refused whole on bad input."""

from __future__ import annotations

import pytest

from devregister.dev import DEFAULT_TOKEN
from tests.devregister.conftest import BAKERS, BAKERY, INSTALLER, INSTALLERS, book, contribution, period


def dev(register, path: str, body: dict, token: str | None = DEFAULT_TOKEN):
    with register.client(token=token or "") as client:
        return client.post(path, json=body)


def entries(register, employer: str = BAKERY) -> list[dict]:
    with register.client(employer) as client:
        return client.get(f"/v1/employers/{employer}/entries", params={"limit": 1000}).json()["entries"]


def test_a_portal_booking_is_an_entry_of_the_employer_with_its_own_reference(register):
    person = BAKERS["Sarah Janssens"]
    response = dev(register, "/_dev/portal-booking",
                   {"employer_id": BAKERY, "person_id": person, "amount": "75.00", "period": period(0)})
    assert response.status_code == 201
    entry = response.json()
    assert entry["reference"].startswith("PORTAL-") and entry["amount"] == "75.00" and entry["kind"] == "top-up"
    listed = next(e for e in entries(register) if e["entry_id"] == entry["entry_id"])
    assert (listed["person_id"], listed["amount"], listed["status"]) == (person, "75.00", "booked")


def test_an_amended_amount_is_what_the_register_shows_from_then_on(register):
    with register.client() as client:
        booked = book(client, contribution(amount="200.00")).json()
    response = dev(register, "/_dev/amend", {"entry_id": booked["entry_id"], "amount": "180.00"})
    assert response.status_code == 200 and response.json()["amount"] == "180.00"
    listed = next(e for e in entries(register) if e["entry_id"] == booked["entry_id"])
    assert listed["amount"] == "180.00" and listed["reference"] == booked["reference"]


def test_forget_removes_the_employers_entries_and_keys_only(start):
    register = start()
    with register.client() as client:
        body = contribution()
        first = book(client, body, "the-key")
    with register.client(INSTALLER) as client:
        other = book(client, contribution(employer_id=INSTALLER, person_id=INSTALLERS["Lucas Wouters"]))
    assert first.status_code == other.status_code == 201

    response = dev(register, "/_dev/forget", {"employer_id": BAKERY})

    assert response.status_code == 200 and response.json() == {"employer_id": BAKERY, "removed": 1}
    assert entries(register) == []
    assert [e["entry_id"] for e in entries(register, INSTALLER)] == [other.json()["entry_id"]]
    with register.client() as client:  # the key is forgotten too: the same reference books anew
        again = book(client, body, "the-key")
    assert again.status_code == 201 and again.json()["entry_id"] != first.json()["entry_id"]


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("/_dev/portal-booking", {"employer_id": BAKERY, "person_id": "BAKER", "amount": "7.5", "period": "2026-13"},
     422, "invalid_request"),
    ("/_dev/portal-booking", {"employer_id": BAKERY, "person_id": "LUCAS", "amount": "10.00", "period": "NOW"},
     422, "not_employed"),
    ("/_dev/portal-booking", {"employer_id": BAKERY, "person_id": "BAKER", "amount": 10.0, "period": "NOW"},
     422, "invalid_amount"),
    ("/_dev/portal-booking", {"employer_id": "0123456749", "person_id": "BAKER", "amount": "1.00", "period": "NOW"},
     422, "unknown_employer"),
    ("/_dev/amend", {"entry_id": "L-NOPE", "amount": "1.00"}, 404, "not_found"),
    ("/_dev/amend", {"entry_id": "L-NOPE", "amount": "-1.00"}, 422, "invalid_amount"),
    ("/_dev/forget", {"employer_id": "12345"}, 422, "invalid_request"),
])
def test_bad_input_is_refused_with_its_code_and_changes_nothing(register, path, body, status, code):
    names = {"BAKER": BAKERS["Tom Claes"], "LUCAS": INSTALLERS["Lucas Wouters"], "NOW": period(0)}
    body = {name: names.get(value, value) if isinstance(value, str) else value for name, value in body.items()}
    before = register.counts()
    response = dev(register, path, body)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert register.counts() == before


@pytest.mark.parametrize("token", [None, "demo-token-0712345630", "wrong"])
def test_the_dev_endpoints_need_the_dev_token(register, token):
    before = register.counts()
    response = dev(register, "/_dev/forget", {"employer_id": BAKERY}, token=token)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "unauthorized")
    assert register.counts() == before


def test_without_a_dev_token_the_dev_endpoints_do_not_exist(start):
    register = start("--dev-token", "")
    response = dev(register, "/_dev/forget", {"employer_id": BAKERY})
    assert response.status_code == 404
    assert "Development register listening" in "".join(register.output) and "dev endpoints: off" in "".join(
        register.output)
