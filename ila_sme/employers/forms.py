import re

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ila_sme.forms import FlaskForm, NumberField, WholeNumberField, single_line

JOINT_COMMITTEE = re.compile(r"^\d{3}(\.\d{2}){0,2}$")

REGION_CHOICES = [
    ("flanders", _l("Flanders")),
    ("brussels", _l("Brussels")),
    ("wallonia", _l("Wallonia")),
    ("other", _l("Another country")),
]
LANGUAGE_CHOICES = [("nl", "Nederlands"), ("fr", "Français"), ("en", "English")]


class EmployerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    region = SelectField(_l("Region of the establishment"), choices=REGION_CHOICES)
    country = StringField(_l("Country code"), validators=[DataRequired(), Length(min=2, max=2)],
                          description=_l("Two letters, e.g. BE, NL, FR."))
    average_fte = NumberField(_l("Average headcount in full-time equivalents"), places=2, maximum=100000,
                              validators=[InputRequired()])
    joint_committee = StringField(_l("Joint committee"), validators=[Optional(), Length(max=12)],
                                  description=_l("As 999, 999.99 or 999.99.99, e.g. 118.03."))
    default_language = SelectField(_l("Default language"), choices=LANGUAGE_CHOICES)

    def validate_joint_committee(self, field):
        if field.data and not JOINT_COMMITTEE.match(field.data.strip()):
            raise ValidationError(_l("Write it as 999, 999.99 or 999.99.99."))

    def validate_country(self, field):
        field.data = (field.data or "").strip().upper()
        if not field.data.isalpha():
            raise ValidationError(_l("Two letters, e.g. BE."))
        if self.region.data != "other" and field.data != "BE":
            raise ValidationError(_l("A Belgian region goes with country BE."))


class HeadcountForm(FlaskForm):
    """The average FTE headcount of one reference year (a new row; the latest of a year counts)."""

    year = WholeNumberField(_l("Reference year"), minimum=2000, maximum=2100, validators=[InputRequired()])
    average_fte = NumberField(_l("Average headcount in full-time equivalents"), places=2, maximum=100000,
                              validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300), single_line])
