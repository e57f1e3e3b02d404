from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, DecimalField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ila_sme.forms import FlaskForm, parse_number

MAX_DAYS_PER_FTE = Decimal("365")

SECOND_STEP_CHOICES = [
    ("", _l("None")),
    ("admin", _l("Admin")),
    ("accountant", _l("Accountant")),
]


class DaysField(DecimalField):
    """Days as a Decimal; accepts a decimal comma ("2,5") as people write it in Belgium. A blank value is
    not given; what is not a number of reasonable size (NaN, 1e308) is refused."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] and valuelist[0].strip():
            try:
                days = parse_number(valuelist[0], places=2, minimum=None,
                                    invalid=self.gettext("Not a valid decimal value."))
                self.data = days.quantize(Decimal(1)) if days == days.to_integral() else days.normalize()  # 2.5
            except ValueError:
                self.data = None
                raise
        else:
            self.data = None
            self.raw_data = []

# The units an employer may round its training right down to (``rounding_unit``).
ROUNDING_CHOICES = [
    ("0.01", _l("a hundredth of a day")),
    ("0.25", _l("a quarter of a day")),
    ("0.5", _l("half a day")),
    ("1", _l("a whole day")),
]


def _days(form, field):
    """At least 0, at most two decimals (half and quarter days, 1.33 from a pro rata)."""
    value = field.data
    if value is None:
        return
    if not value.is_finite() or value < 0:
        raise ValidationError(_l("Give a number of days of 0 or more."))
    if value > MAX_DAYS_PER_FTE:
        raise ValidationError(_l("At most %(max)s days.", max=MAX_DAYS_PER_FTE))
    if value.as_tuple().exponent < -2:
        raise ValidationError(_l("At most two decimals, e.g. 1.5 or 2.25."))


class LeaveTypeForm(FlaskForm):
    """One row of the leave-types table; each row has its own prefix, so ids stay unique."""

    scheme = SelectField(_l("Draws from"))
    needs_training = BooleanField(_l("Needs a training"))
    second_step_role = SelectField(_l("Second approval"), choices=SECOND_STEP_CHOICES)
    active = BooleanField(_l("Active"))


class NewVersionForm(FlaskForm):
    """The employer's own values of the training right from a date (a sector agreement, extra days)."""

    employer_extra_days_per_fte = DaysField(
        _l("Extra days per FTE, on top of the legal minimum"), validators=[InputRequired(), _days],
        description=_l("Days per full-time equivalent per calendar year; 0 for none."),
    )
    days_top = DaysField(_l("Days per FTE, top band"), validators=[Optional(), _days])
    days_middle = DaysField(_l("Days per FTE, middle band"), validators=[Optional(), _days])
    days_bottom = DaysField(_l("Days per FTE, lowest band"), validators=[Optional(), _days])
    rounding_unit = SelectField(
        _l("Round the days down to"), choices=ROUNDING_CHOICES, default="0.01",
        description=_l("A right is never rounded up: 3.666… days is 3.66 to the hundredth, 3.5 to the half day."),
    )
    valid_from = DateField(_l("Valid from"), validators=[InputRequired()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()],
                            description=_l("Leave empty if it runs until a next version."))
    note = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)],
                       description=_l("The agreement or decision behind it, e.g. “CAO PC 118.03 2026”."))

    BAND_FIELDS = ("days_top", "days_middle", "days_bottom")

    def validate_valid_until(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The end date is before the start date."))
