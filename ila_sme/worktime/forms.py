"""Adding a closing day or a closure of several days."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ila_sme.forms import FlaskForm


class ClosingDaysForm(FlaskForm):
    first = DateField(_l("First day"), validators=[InputRequired()])
    last = DateField(_l("Last day"), validators=[Optional()],
                     description=_l("Leave empty for a single day."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("E.g. “Annual closure” or “Replaces 1 November (a Sunday)”."))

    def validate_last(self, field):
        if field.data and self.first.data and field.data < self.first.data:
            raise ValidationError(_l("The last day is before the first day."))
