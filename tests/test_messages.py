"""ila_sme.messages: a text kept as a message id and its parameters, said in the reader's language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from ila_sme import messages


def test_a_message_is_said_in_the_current_language_with_its_numbers_and_dates(app):
    stored = messages.message("people.regime_changed", pct="80.00", hours="30.40", from_="2026-07-01")
    assert stored == {"id": "people.regime_changed", "args": {"pct": "80.00", "hours": "30.40", "from_": "2026-07-01"}}
    with app.test_request_context(), force_locale("nl"):
        assert messages.say(stored) == "werkregime 80 % (30,4 u per week) vanaf 1 jul 2026"
    with app.test_request_context(), force_locale("en"):
        assert messages.say(stored) == "work regime 80 % (30,4 h a week) from 01 Jul 2026"


def test_nested_messages_are_said_too(app):
    stored = messages.message("leave.recalculated", change=messages.message("leave.carried_over_to", period="2026"),
                              explanations=[messages.message("schemes.vov_no_contract")])
    with app.test_request_context(), force_locale("fr"):
        assert messages.say(stored) == "reporté vers 2026 : pas de contrat pendant cette année scolaire"


def test_text_passes_through_and_an_unknown_id_shows_itself(app):
    assert messages.say("typed by a person") == "typed by a person"
    assert messages.say(None) == ""
    assert messages.say({"id": "gone.message", "args": {}}) == "gone.message"
    with pytest.raises(KeyError, match="no message 'not.registered'"):
        messages.message("not.registered")
