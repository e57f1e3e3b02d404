"""Belgian identifiers: enterprise number (KBO/BCE) and national number (INSZ/NISS)."""

from __future__ import annotations

from datetime import date

import pytest

from ila_sme import identifiers
from ila_sme.identifiers import (
    InvalidIdentifier,
    format_kbo,
    make_insz,
    make_kbo,
    mask_insz,
    normalise_insz,
    normalise_kbo,
)

# Enterprise number --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0403.170.701", "BE0403170701", "BE 0403.170.701", "403170701", " 0403170701 "])
def test_kbo_is_normalised_to_ten_digits(value):
    assert normalise_kbo(value) == "0403170701"


def test_kbo_starting_with_one_is_valid():
    number = make_kbo(14031707)
    assert number.startswith("1")
    assert normalise_kbo(number) == number


def test_kbo_format_groups_digits():
    assert format_kbo("0403170701") == "0403.170.701"
    assert format_kbo(normalise_kbo("BE0403170701")) == "0403.170.701"


def test_kbo_format_leaves_odd_values_alone():
    assert format_kbo("") == ""
    assert format_kbo(None) == ""
    assert format_kbo("123") == "123"


@pytest.mark.parametrize(
    "value",
    [
        "0403.170.702",  # wrong check digits
        "0403170700",
        "04O3170701",  # a letter O
        "ABCDEFGHIJ",
        "",
        "04031707011",  # too long
        "40317070",  # too short
    ],
)
def test_invalid_kbo_is_refused(value):
    with pytest.raises(InvalidIdentifier):
        normalise_kbo(value)


@pytest.mark.parametrize("first_digits", [24031707, 54031707, 94031707])
def test_kbo_starting_with_2_to_9_is_refused_even_with_a_valid_check(first_digits):
    number = make_kbo(first_digits)
    assert number[0] in "23456789"
    with pytest.raises(InvalidIdentifier, match="starts with 0 or 1"):
        normalise_kbo(number)


def test_invalid_identifier_is_a_value_error():
    assert issubclass(InvalidIdentifier, ValueError)


# National number ----------------------------------------------------------------------------

BORN_1985 = make_insz(date(1985, 7, 30), 33)
BORN_2001 = make_insz(date(2001, 5, 21), 5)


def test_make_insz_known_values():
    # 85.07.30-033.28 is the classic example; after 2000 the check is computed over "2" + the digits.
    assert BORN_1985 == "85073003328"
    assert BORN_2001 == "01052100532"
    assert 97 - int("2" + BORN_2001[:9]) % 97 == int(BORN_2001[9:])
    assert 97 - int(BORN_2001[:9]) % 97 != int(BORN_2001[9:])


@pytest.mark.parametrize(
    "value, expected",
    [
        ("85.07.30-033.28", "85073003328"),
        ("85073003328", "85073003328"),
        ("850730 033 28", "85073003328"),
        (BORN_2001, BORN_2001),
        ("01.05.21-005.32", BORN_2001),
    ],
)
def test_insz_is_normalised(value, expected):
    assert normalise_insz(value) == expected


@pytest.mark.parametrize(
    "born, serial",
    [(date(1950, 1, 1), 1), (date(1985, 12, 31), 997), (date(1999, 12, 31), 500),
     (date(2000, 1, 1), 2), (date(2001, 5, 21), 5), (date(2010, 2, 28), 123)],
)
def test_generated_insz_are_valid_before_and_after_2000(born, serial):
    number = make_insz(born, serial)
    assert len(number) == 11
    assert normalise_insz(number) == number


@pytest.mark.parametrize(
    "value",
    [
        "85073003327",  # check digit off by one
        "85073003329",
        "85133003328"[:9] + "00",  # month 13 and a wrong check
        "8507300332",  # 10 digits
        "850730033281",  # 12 digits
        "8507300332A",
        "",
    ],
)
def test_invalid_insz_is_refused_without_repeating_it(value):
    with pytest.raises(InvalidIdentifier) as caught:
        normalise_insz(value)
    message = str(caught.value)
    assert message  # something to show the user
    if value:
        assert value not in message
        assert value[:6] not in message  # not even the birth-date part


def test_insz_error_message_is_the_same_for_every_input():
    messages = set()
    for value in ("85.07.30-033.27", "12345678901", "abc"):
        with pytest.raises(InvalidIdentifier) as caught:
            normalise_insz(value)
        messages.add(str(caught.value))
    assert len(messages) == 1  # nothing of the input leaks into it


# Masking ------------------------------------------------------------------------------------


def test_mask_insz_shows_only_the_last_two_digits():
    masked = mask_insz(BORN_1985)
    assert masked.endswith("28")
    assert sum(char.isdigit() for char in masked) == 2
    assert BORN_1985[:9] not in masked
    assert "850730" not in masked


def test_mask_insz_of_post_2000_number():
    masked = mask_insz(BORN_2001)
    assert masked.endswith(BORN_2001[-2:])
    assert sum(char.isdigit() for char in masked) == 2


@pytest.mark.parametrize("value", [None, ""])
def test_mask_insz_of_nothing_is_empty(value):
    assert mask_insz(value) == ""


def test_make_kbo_is_valid_and_normalises_to_itself():
    for base in (1, 1_000_001, 4_031_707):
        number = make_kbo(base)
        assert len(number) == 10
        assert identifiers.normalise_kbo(number) == number
