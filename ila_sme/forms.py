"""Safe form fields and query-string readers: what a user or a client sends is parsed with bounds here,
once, so a bad value always becomes a message on the form and never reaches the database.

- ``FlaskForm`` (with the CSRF token) and ``QueryForm`` (a GET form, no token): every feature's forms
  derive from one of them. Their meta guards every field they bind: single-line text (``StringField``,
  ``EmailField``, ``PasswordField``) refuses control characters, CR/LF and NUL included (a ``HiddenField``
  is the view's to check: e.g. a ``next`` address with a tab is ignored, not an error);
  a ``TextAreaField`` keeps its lines and tabs but loses NUL and the other control characters; a plain
  ``IntegerField`` or ``DecimalField`` refuses what no integer or numeric column holds (and NaN,
  infinities); a ``DateField`` refuses a year before 1900 or after 2199.
- Fields with a meaning: ``MoneyField`` (a decimal comma or point, thousands grouped or not, 0 to
  10,000,000.00, two decimals), ``PercentField`` (0 to 100), ``NumberField`` (any bounded decimal, e.g.
  hours or days), ``WholeNumberField`` (bounded), ``IdField`` (1 to 2^31 - 1: an id both SQLite and
  PostgreSQL hold), ``SearchField`` (one line, at most ``MAX_SEARCH`` characters), ``coerce_id`` for a
  ``SelectField`` of ids.
- Query strings: ``page_arg`` and ``paginate`` (a bad page is page 1; past the end, the last page),
  ``search_arg`` (control characters dropped, capped), ``int_arg``.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal as _format_decimal
from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms import (
    DateField,
    DateTimeField,
    DecimalField,
    Field,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms import Form as _Form
from wtforms.meta import DefaultMeta
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

from ila_sme.extensions import db

MAX_ID = 2**31 - 1  # PostgreSQL's integer; SQLite holds more
MAX_INTEGER = 2**31 - 1
MAX_DECIMAL = Decimal("1000000000")  # no numeric column of the app holds more
MAX_AMOUNT = Decimal("10000000.00")
MAX_PAGE = 100_000
MAX_SEARCH = 200
MAX_NUMBER_TEXT = 40  # characters: a number typed by a person is shorter
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps tab (09) and newline (0a)
DIGITS = re.compile(r"[+-]?[0-9]{1,12}", re.ASCII)
SPACES = (" ", "\u00a0", "\u202f", "\u2009")


def format_decimal(value, format=None) -> str:  # noqa: A002 - Babel's name
    """A number as the user reads it: their language with Belgium's conventions ('1.250,5' in nl and en),
    like the pages (web.BABEL_LOCALES)."""
    language = str(get_locale() or "nl")
    return _format_decimal(value, format=format, locale=language if "_" in language else f"{language}_BE")


# Text -------------------------------------------------------------------------------------------


def clean_text(value):
    """Multi-line text as stored: CR/LF and CR become LF; NUL and the other control characters go."""
    if not isinstance(value, str):
        return value
    return CONTROL_IN_TEXT.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def single_line(form, field) -> None:
    """A validator: one line of text, no control characters (a tab, CR, LF or NUL is refused)."""
    if isinstance(field.data, str) and CONTROL.search(field.data):
        raise StopValidation(_("Use a single line of text, without tabs or control characters."))


def search_text(value, limit: int = MAX_SEARCH) -> str:
    """A search string: one line, control characters dropped, at most ``limit`` characters, trimmed."""
    if not isinstance(value, str):
        return ""
    return CONTROL.sub(" ", value[: limit * 4]).strip()[:limit].strip()


def csv_problem(error: csv.Error) -> str:
    """What a ``csv.Error`` means, for the person who sent the file. The csv module's field size limit is
    process-wide, so it is left as it is and a longer field is reported, with the limit."""
    if "field larger than field limit" in str(error):
        return _("a field is too long (at most %(limit)s characters)", limit=format_decimal(csv.field_size_limit()))
    return _("the line cannot be read as CSV (%(reason)s)", reason=str(error))


class SearchField(StringField):
    """A search box: never refused, cleaned and cut to ``MAX_SEARCH`` characters."""

    def __init__(self, label=None, validators=None, limit: int = MAX_SEARCH, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.limit = limit

    def process_formdata(self, valuelist):
        self.data = search_text(valuelist[0], self.limit) if valuelist else ""


# Numbers ----------------------------------------------------------------------------------------


def parse_number(text, *, places: int = 2, minimum: Decimal | None = Decimal("0"),
                 maximum: Decimal = MAX_DECIMAL, invalid=None, negative=None) -> Decimal | None:
    """'1.250,50', '1,250.50', '1250,5', '€ 1 250' -> a Decimal with at most ``places`` decimals within the
    bounds; blank -> None. A ValueError says what is wrong, in the user's language."""
    invalid = str(invalid or _("Not a number: type it like 12,5."))
    text = (text or "").replace("€", "")
    for space in SPACES:
        text = text.replace(space, "")
    if not text:
        return None
    if len(text) > MAX_NUMBER_TEXT or not re.fullmatch(r"[+-]?[0-9.,]+", text, re.ASCII):
        raise ValueError(invalid)  # also NaN, Infinity, 1e308, other scripts' digits
    if "," in text and "." in text:  # the last one is the decimal mark, the other groups thousands
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "")
    text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(invalid) from None
    if number != number.quantize(Decimal(1).scaleb(-places)):
        if places == 2:
            raise ValueError(_("At most two decimals."))
        raise ValueError(_("Too many decimals: at most %(places)s.", places=places) if places else
                         _("A whole number, without decimals."))
    if minimum is not None and number < minimum:
        if minimum == 0:
            raise ValueError(str(negative or _("It cannot be negative.")))
        raise ValueError(_("At least %(minimum)s.", minimum=format_decimal(minimum)))
    if number > maximum:
        raise ValueError(_("At most %(maximum)s.", maximum=format_decimal(maximum)))
    return number.quantize(Decimal(1).scaleb(-places))


class BlankIsNotGiven:
    """A typed value read by ``parse``; a blank one is not given (None, so ``InputRequired`` says so), and a
    value ``parse`` refuses leaves None with its message."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        if not (valuelist[0] or "").strip():
            self.data, self.raw_data = None, []
            return
        try:
            self.data = self.parse(valuelist[0])
        except ValueError:
            self.data = None
            raise


class NumberField(BlankIsNotGiven, Field):
    """A bounded Decimal as people type it (a decimal comma is fine). Empty gives None, and a blank value
    counts as not given (``InputRequired`` then says the field is required)."""

    widget = TextInput()
    invalid_message = _l("Not a number: type it like 12,5.")
    negative_message = None

    def __init__(self, label=None, validators=None, *, places: int = 2, minimum: Decimal | int | None = 0,
                 maximum: Decimal | int = MAX_DECIMAL, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.places = places
        self.minimum = None if minimum is None else Decimal(minimum)
        self.maximum = Decimal(maximum)

    def parse(self, text: str) -> Decimal:
        return parse_number(text, places=self.places, minimum=self.minimum, maximum=self.maximum,
                            invalid=self.invalid_message, negative=self.negative_message)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(self.data, format="0." + "0" * self.places if self.places else "0")


class MoneyField(NumberField):
    """An amount in euros: 0 to ``maximum`` (10,000,000.00), at most two decimals."""

    invalid_message = _l("Not an amount: type it like 1250,50.")
    negative_message = _l("An amount cannot be negative.")

    def __init__(self, label=None, validators=None, *, maximum: Decimal | int = MAX_AMOUNT, **kwargs):
        super().__init__(label, validators, places=2, minimum=0, maximum=maximum, **kwargs)


class PercentField(NumberField):
    """A percentage from 0 to 100, at most two decimals."""

    def __init__(self, label=None, validators=None, *, minimum: Decimal | int = 0, **kwargs):
        super().__init__(label, validators, places=2, minimum=minimum, maximum=100, **kwargs)


def parse_whole(text, minimum: int, maximum: int) -> int:
    """ASCII digits with an optional sign, within the bounds; a ValueError says what is wrong."""
    text = (text or "").strip()
    if not DIGITS.fullmatch(text):
        raise ValueError(_("A whole number, e.g. 3."))
    number = int(text)
    if not minimum <= number <= maximum:
        raise ValueError(_("A whole number from %(minimum)s to %(maximum)s.", minimum=minimum, maximum=maximum))
    return number


class WholeNumberField(BlankIsNotGiven, IntegerField):
    """A whole number within ``minimum``..``maximum``; empty gives None (blank counts as not given)."""

    def __init__(self, label=None, validators=None, *, minimum: int = 0, maximum: int = MAX_INTEGER, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def parse(self, text: str) -> int:
        return parse_whole(text, self.minimum, self.maximum)


class IdField(IntegerField):
    """The id of a row, as a hidden or select value: 1..2^31-1, else ``message``; empty gives None."""

    def __init__(self, label=None, validators=None, *, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message or _l("Not a valid choice.")

    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data, self.raw_data = None, []
            return
        self.data = id_value(valuelist[0])
        if self.data is None:
            raise ValueError(str(self.message))


def id_value(value) -> int | None:
    """'42' -> 42; anything that is not an id of a row (0, -1, 20 digits, '4e2', '٤٢') -> None."""
    text = value.strip() if isinstance(value, str) else str(value) if isinstance(value, int) else ""
    if not re.fullmatch(r"[0-9]{1,10}", text, re.ASCII):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def coerce_id(value) -> int:
    """``coerce`` of a SelectField of ids (0 is the 'Choose…' placeholder); a ValueError for the rest."""
    if value == 0 or value == "0":
        return 0
    number = id_value(value)
    if number is None:
        raise ValueError(_("Not a valid choice."))
    return number


# The guards every form's fields get ------------------------------------------------------------


def _bounded_integer(form, field) -> None:
    if isinstance(field.data, int) and not -MAX_INTEGER <= field.data <= MAX_INTEGER:
        raise StopValidation(_("This number is too large."))


def _bounded_decimal(form, field) -> None:
    value = field.data
    if isinstance(value, Decimal) and (not value.is_finite() or abs(value) >= MAX_DECIMAL):
        raise StopValidation(_("Not a number: type it like 12,5."))


def _bounded_date(form, field) -> None:
    value = field.data.date() if hasattr(field.data, "date") else field.data
    if isinstance(value, date) and not FIRST_DAY <= value <= LAST_DAY:
        raise StopValidation(_("Give a date between 1900 and 2199."))


def guard(field) -> None:
    """Adds the guard of the field's kind (see the module's docstring) before its own validators."""
    if isinstance(field, TextAreaField):
        field.filters = (clean_text, *field.filters)
    elif isinstance(field, StringField) and not isinstance(field, SearchField | HiddenField):
        field.validators = [single_line, *field.validators]
    elif isinstance(field, IntegerField):
        field.validators = [_bounded_integer, *field.validators]
    elif isinstance(field, DecimalField):
        field.validators = [_bounded_decimal, *field.validators]
    elif isinstance(field, DateField | DateTimeField):
        field.validators = [_bounded_date, *field.validators]


class _GuardedMeta:
    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        guard(field)
        return field


class FlaskForm(_FlaskForm):
    """Flask-WTF's form (CSRF token included) with every field guarded."""

    class Meta(_GuardedMeta, _FlaskForm.Meta):
        pass


class QueryForm(_Form):
    """A form read from the query string (GET, no CSRF token), with every field guarded."""

    class Meta(_GuardedMeta, DefaultMeta):
        pass


class IdConverter(IntegerConverter):
    """``<int:…>`` in a route: ASCII digits up to ``MAX_ID``, so a 20-digit id in a URL is a 404 (it would
    overflow the database's integer), and so are other scripts' digits."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 - werkzeug's
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


# Query strings ---------------------------------------------------------------------------------


def int_arg(name: str, default: int | None = None, *, minimum: int = 0, maximum: int = MAX_INTEGER,
            args=None) -> int | None:
    """A whole number from the query string, or ``default`` when it is missing or not one within bounds."""
    try:
        return parse_whole((args if args is not None else request.args).get(name, ""), minimum, maximum)
    except ValueError:
        return default


def page_arg(name: str = "page", args=None) -> int:
    """The page asked for: 1 when missing or not a page number, at most ``MAX_PAGE``."""
    text = (args if args is not None else request.args).get(name, "").strip()
    if not re.fullmatch(r"[0-9]{1,12}", text, re.ASCII):
        return 1
    return min(max(int(text), 1), MAX_PAGE)


def search_arg(name: str = "q", args=None) -> str:
    return search_text((args if args is not None else request.values).get(name, ""))


def paginate(select, *, per_page: int, page: int | None = None):
    """``db.paginate`` of the page asked for (``page_arg``); past the last page, the last page."""
    page = page_arg() if page is None else min(max(page, 1), MAX_PAGE)
    pagination = db.paginate(select, page=page, per_page=per_page, error_out=False)
    if pagination.pages and page > pagination.pages:
        pagination = db.paginate(select, page=pagination.pages, per_page=per_page, error_out=False)
    return pagination


def upload_size(field) -> int | None:
    """The size in bytes of a file field's upload, measured without reading it into memory (None: no upload)."""
    upload = field.data
    if upload is None or not hasattr(upload, "stream"):
        return None
    stream = upload.stream
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size
