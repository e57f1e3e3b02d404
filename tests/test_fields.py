"""The safe fields and query-string readers of ila_sme/forms.py, one by one."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DateField, DecimalField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from ila_sme import forms
from ila_sme.forms import (
    IdField,
    MoneyField,
    NumberField,
    PercentField,
    QueryForm,
    SearchField,
    WholeNumberField,
    coerce_id,
)

ENGLISH = {"Accept-Language": "en"}


class Sample(QueryForm):
    name = StringField(validators=[Optional()])
    email = EmailField(validators=[Optional()])
    note = TextAreaField(validators=[Optional()])
    search = SearchField()
    amount = MoneyField(validators=[InputRequired()])
    share = PercentField(validators=[Optional()])
    hours = NumberField(places=1, minimum=Decimal("0.5"), maximum=24, validators=[Optional()])
    exams = WholeNumberField(minimum=0, maximum=20, validators=[Optional()])
    training_id = IdField(validators=[Optional()], message="Choose a training.")
    count = IntegerField(validators=[Optional()])
    fte = DecimalField(validators=[Optional(), NumberRange(min=0, max=100)])
    day = DateField(validators=[Optional()])
    employee_id = SelectField(coerce=coerce_id, choices=[(0, "Choose…"), (7, "Ann")], validators=[Optional()])


def submit(app, **values) -> Sample:
    """The form as a POST of ``values`` would fill it (amount 1 unless given), validated."""
    with app.test_request_context(method="POST", headers=ENGLISH):
        form = Sample(MultiDict({"amount": "1", **values}))
        form.validate()
        return form


@pytest.mark.parametrize(("typed", "amount"), [
    ("1250", "1250.00"), ("1250,5", "1250.50"), ("1.250,50", "1250.50"), ("1,250.50", "1250.50"),
    ("€ 1 250,50", "1250.50"), ("0", "0.00"), ("10000000", "10000000.00"),
])
def test_money_takes_amounts_as_people_type_them(app, typed, amount):
    form = submit(app, amount=typed)
    assert form.amount.errors == []
    assert form.amount.data == Decimal(amount)


@pytest.mark.parametrize(("typed", "message"), [
    ("1e308", "Not an amount"), ("NaN", "Not an amount"), ("Infinity", "Not an amount"),
    ("99999999999999999999", "At most 10"), ("-1", "cannot be negative"), ("12,345", "At most two decimals"),
    ("\u0663\u0664", "Not an amount"), ("1" * 60_000, "Not an amount"), ("1_000", "Not an amount"),
    (" ", "This field is required."),
], ids=["1e308", "NaN", "Infinity", "20 digits", "negative", "3 decimals", "Arabic digits", "60000 digits",
        "underscore", "a space"])
def test_money_refuses_what_no_amount_is_with_a_message(app, typed, message):
    form = submit(app, amount=typed)
    assert form.amount.data is None
    assert message in " ".join(str(error) for error in form.amount.errors)


def test_a_refused_amount_is_shown_again_as_typed(app):
    with app.test_request_context(method="POST", headers=ENGLISH):
        form = Sample(MultiDict({"amount": "1e308"}))
        form.validate()
        assert 'value="1e308"' in str(form.amount())


def test_percent_is_from_0_to_100(app):
    assert submit(app, share="80,5").share.data == Decimal("80.50")
    assert "At most 100" in submit(app, share="100.01").share.errors[0]
    assert submit(app, share="-0.5").share.errors


def test_numbers_keep_their_bounds_and_places(app):
    assert submit(app, hours="7,5").hours.data == Decimal("7.5")
    assert submit(app, hours="0.4").hours.errors == ["At least 0,5."]
    assert submit(app, hours="7.25").hours.errors == ["Too many decimals: at most 1."]
    assert submit(app, hours="25").hours.errors


@pytest.mark.parametrize("typed", ["99999999999999999999", "21", "-1", "1.5", "1e3", "\u0663", " 3x"])
def test_whole_numbers_are_ascii_digits_within_bounds(app, typed):
    form = submit(app, exams=typed)
    assert form.exams.errors and form.exams.data is None


def test_whole_number_in_bounds(app):
    assert submit(app, exams=" 20 ").exams.data == 20


@pytest.mark.parametrize("typed", ["0", "-1", "99999999999999999999", "2147483648", "4e2", "\u0664\u0662", "abc"])
def test_an_id_field_refuses_what_is_no_id(app, typed):
    form = submit(app, training_id=typed)
    assert form.training_id.data is None
    assert form.training_id.errors == ["Choose a training."]


def test_an_id_field_takes_an_id_and_an_empty_value(app):
    assert submit(app, training_id="2147483647").training_id.data == 2**31 - 1
    empty = submit(app, training_id="")
    assert empty.training_id.data is None and not empty.training_id.errors


def test_a_select_of_ids_refuses_a_huge_value_without_a_database(app):
    assert submit(app, employee_id="7").employee_id.data == 7
    assert submit(app, employee_id="99999999999999999999").employee_id.errors
    assert coerce_id("0") == 0
    with pytest.raises(ValueError):
        coerce_id("99999999999999999999")


@pytest.mark.parametrize("typed", ["Ann\r\nBcc: x@example.com", "Ann\x00", "Ann\tLee", "Ann\u2028Lee", "\x7f"])
def test_single_line_text_refuses_control_characters(app, typed):
    form = submit(app, name=typed, email=typed)
    assert form.name.errors == ["Use a single line of text, without tabs or control characters."]
    assert form.email.errors == ["Use a single line of text, without tabs or control characters."]


def test_single_line_text_keeps_ordinary_text(app):
    form = submit(app, name="Anne-Marie d'Hondt · Ø")
    assert not form.name.errors and form.name.data == "Anne-Marie d'Hondt · Ø"


def test_multi_line_text_keeps_lines_and_tabs_and_loses_the_rest(app):
    form = submit(app, note="one\r\ntwo\rthree\x00\tfour\x1b\x07")
    assert not form.note.errors
    assert form.note.data == "one\ntwo\nthree\tfour"


def test_a_search_is_cleaned_and_capped(app):
    assert submit(app, search="  bak\x00ker \r\n").search.data == "bak ker"
    assert submit(app, search="x" * 60_000).search.data == "x" * forms.MAX_SEARCH


def test_plain_wtforms_fields_get_bounds_too(app):
    assert submit(app, count="99999999999999999999").count.errors == ["This number is too large."]
    assert submit(app, count="12").count.data == 12
    for typed in ("NaN", "1e308", "-Infinity"):
        assert submit(app, fte=typed).fte.errors, typed
    assert submit(app, fte="12.5").fte.data == Decimal("12.5")
    assert submit(app, day="9999-12-31").day.errors == ["Give a date between 1900 and 2199."]
    assert submit(app, day="99999-12-31").day.errors
    assert submit(app, day="2026-02-28").day.data == date(2026, 2, 28)


@pytest.mark.parametrize(("query", "page"), [
    ("", 1), ("page=3", 3), ("page=0", 1), ("page=-2", 1), ("page=abc", 1), ("page=1e3", 1),
    ("page=99999999999999999999", 1), ("page=9999999", forms.MAX_PAGE), ("page=%D9%A3", 1),
])
def test_page_arg(app, query, page):
    with app.test_request_context(f"/?{query}"):
        assert forms.page_arg() == page


def test_paginate_past_the_end_shows_the_last_page(app):
    from ila_sme.accounts.models import User
    from ila_sme.extensions import db

    for n in range(5):
        db.session.add(User(email=f"u{n}@example.be", name=f"U{n}"))
    db.session.flush()
    with app.test_request_context("/?page=99999999999999999999"):
        assert forms.paginate(db.select(User).order_by(User.id), per_page=2).page == 1
    with app.test_request_context("/?page=50"):
        last = forms.paginate(db.select(User).order_by(User.id), per_page=2)
        assert last.page == 3 and len(last.items) == 1


def test_int_arg_and_search_arg(app):
    with app.test_request_context("/?year=2026&bad=99999999999999999999&q=%00abc"):
        assert forms.int_arg("year", minimum=2000, maximum=2100) == 2026
        assert forms.int_arg("bad", 7) == 7
        assert forms.int_arg("missing", 5) == 5
        assert forms.search_arg() == "abc"


def test_csv_problem_names_the_limit(app):
    reader = csv.reader(io.StringIO("a\n" + "x" * (csv.field_size_limit() + 1) + "\n"))
    with pytest.raises(csv.Error) as caught:
        list(reader)
    with app.test_request_context(headers=ENGLISH):
        assert forms.csv_problem(caught.value) == "a field is too long (at most 131.072 characters)"


def test_hostile_ids_in_urls_are_not_found(client):
    assert client.get("/trainings/99999999999999999999").status_code == 404
    assert client.get("/trainings/2147483648").status_code == 404
