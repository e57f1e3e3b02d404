"""The catalogue's filters, and the form for an employer's own training (or, for now, a registry one)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, DecimalField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ila_sme.forms import FlaskForm, MoneyField, QueryForm, SearchField

LANGUAGE_LABELS = {"nl": _l("Dutch"), "fr": _l("French"), "de": _l("German"), "en": _l("English")}
DELIVERY_LABELS = {"onsite": _l("On site"), "online": _l("Online"), "blended": _l("Blended")}
EQF_LEVELS = range(1, 9)
REGISTRY_ID = re.compile(r"^[A-Z]{2,10}-[0-9A-Z]{1,28}$")


def _optional_int(value):
    if value is None or not str(value).strip():  # blank: no level (Optional() would pass " " on as it is)
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value  # not among the choices: the field reports it


def _eqf_choices(empty_label):
    return [("", empty_label)] + [(str(level), str(level)) for level in EQF_LEVELS]


class CatalogueFilterForm(QueryForm):
    """Read from the query string (GET, no CSRF): a bookmarkable search. The page is ``forms.paginate``'s."""

    q = SearchField(_l("Search by title or provider"))
    language = SelectField(_l("Language"), validators=[Optional()],
                           choices=[("", _l("Any language"))] + list(LANGUAGE_LABELS.items()))
    delivery = SelectField(_l("Delivery"), validators=[Optional()],
                           choices=[("", _l("Any delivery"))] + list(DELIVERY_LABELS.items()))
    eqf = SelectField(_l("EQF level"), coerce=_optional_int, validators=[Optional()],
                      choices=_eqf_choices(_l("Any level")))
    ila = BooleanField(_l("Eligible for the learning account"))
    paid_leave = BooleanField(_l("Eligible for paid training leave"))
    microcredential = BooleanField(_l("Leads to a micro-credential"))
    withdrawn = BooleanField(_l("Include withdrawn trainings"))

    def value(self, name: str, default=None):
        """The field's value if it is valid, else ``default`` (a bad filter is ignored, not an error)."""
        field = self[name]
        return default if field.errors or field.data in (None, "") else field.data


def _registry_id(form, field):
    field.data = (field.data or "").strip().upper() or None
    if field.data and not REGISTRY_ID.match(field.data):
        raise ValidationError(_l("A registry id looks like ODB-123456."))


class TrainingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    provider_name = StringField(_l("Provider"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language"), choices=list(LANGUAGE_LABELS.items()), default="nl")
    delivery = SelectField(_l("Delivery"), choices=list(DELIVERY_LABELS.items()), default="onsite")
    hours = DecimalField(_l("Contact hours"), places=2,
                         validators=[InputRequired(), NumberRange(min=0, max=10000)])
    study_points = DecimalField(_l("Study points (ECTS)"), places=1,
                                validators=[Optional(), NumberRange(min=0, max=999)])
    eqf_level = SelectField(_l("EQF level"), coerce=_optional_int, validators=[Optional()],
                            choices=_eqf_choices(_l("Not given")))
    cost = MoneyField(_l("Cost in euros"), maximum=1_000_000, default=0, validators=[InputRequired()],
                      description=_l("The course fee per participant, e.g. 450.00."))
    starts_on = DateField(_l("Course starts on"), validators=[Optional()])
    ends_on = DateField(_l("Course ends on"), validators=[Optional()])
    valid_from = DateField(_l("Offered from"), validators=[Optional()])
    valid_until = DateField(_l("Offered until"), validators=[Optional()])
    leads_to_microcredential = BooleanField(_l("Leads to a micro-credential"))
    registry_id = StringField(
        _l("Registry id"), validators=[_registry_id, Length(max=40)],
        description=_l("Only for a training listed in the Flemish training database, e.g. ODB-123456. "
                       "Leave it empty for your own training."),
    )
    eligible_ila = BooleanField(_l("Eligible for the learning account"))
    eligible_paid_leave = BooleanField(_l("Eligible for paid training leave"))

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The course cannot end before it starts."))

    def validate_valid_until(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The until date is before the from date."))
