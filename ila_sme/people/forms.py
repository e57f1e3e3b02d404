from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, DecimalField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from ila_sme.forms import FlaskForm, NumberField, PercentField, id_value, single_line
from ila_sme.identifiers import InvalidIdentifier, mask_typed_insz, normalise_insz


def _valid_insz(form, field):
    if not field.data:
        return
    try:
        field.data = normalise_insz(field.data)
    except InvalidIdentifier as error:
        raise ValidationError(_l("Not a valid national number (11 digits with a valid check).")) from error


class EmployeeForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(check_deliverability=False), Length(max=254)])
    national_number = StringField(
        _l("National number (INSZ)"),
        validators=[_valid_insz],
        description=_l("11 digits, e.g. 85.07.30-033.28. Stored securely and always shown masked."),
    )
    team = StringField(_l("Team"), validators=[Optional(), Length(max=100)])
    approver_id = SelectField(_l("Approver"), coerce=int, validators=[Optional()])
    deputy_id = SelectField(_l("Deputy approver"), coerce=int, validators=[Optional()])
    deputy_from = DateField(_l("Deputy from"), validators=[Optional()])
    deputy_until = DateField(_l("Deputy until"), validators=[Optional()])

    def validate_deputy_until(self, field):
        if field.data and self.deputy_from.data and field.data < self.deputy_from.data:
            raise ValidationError(_l("The until date is before the from date."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() on an empty deputy_until would skip it.
        if self.deputy_id.data and not (self.deputy_from.data and self.deputy_until.data):
            self.deputy_until.errors.append(_l("A deputy needs a from and an until date."))
            valid = False
        return valid

    def validate_deputy_id(self, field):
        if field.data and field.data == self.approver_id.data:
            raise ValidationError(_l("The deputy must be someone other than the approver."))

    def forget_national_number(self) -> str:
        """Empty the national number before the form is shown again; return what was typed, masked.

        A redisplayed form never echoes the number: the person re-enters it, helped by the masked hint.
        """
        typed = (self.national_number.raw_data or [""])[0] or ""
        self.national_number.raw_data = []
        self.national_number.data = ""
        return mask_typed_insz(typed) if typed.strip() else ""


WEEKDAY_LABELS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
                  _l("Sunday"))


def _day_field(weekday: int) -> NumberField:
    return NumberField(WEEKDAY_LABELS[weekday], places=2, minimum=0, maximum=24, validators=[Optional()])


class PatternFields:
    """The weekly pattern as seven fields, Monday first (``day_0`` .. ``day_6``); a blank day is 0 hours."""

    day_0, day_1, day_2, day_3, day_4, day_5, day_6 = (_day_field(weekday) for weekday in range(7))

    @property
    def pattern_errors(self) -> list[str]:
        """Errors of the whole pattern (a service refused it), shown below the seven days."""
        return self.__dict__.setdefault("_pattern_errors", [])

    def day_fields(self) -> list:
        return [self[f"day_{weekday}"] for weekday in range(7)]

    def pattern_given(self) -> bool:
        return any(field.data is not None for field in self.day_fields())

    def pattern(self) -> list[Decimal]:
        return [field.data if field.data is not None else Decimal("0") for field in self.day_fields()]

    def fill_pattern(self, pattern) -> None:
        for field, hours in zip(self.day_fields(), pattern, strict=True):
            field.data = Decimal(str(hours))


class NewEmployeeForm(PatternFields, EmployeeForm):
    """A new employee: who they are, plus the first terms and contract of their history."""

    employment_pct = DecimalField(
        _l("Work regime (%)"), places=2, validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    hours_per_week = DecimalField(
        _l("Hours per week"), places=2, validators=[InputRequired(), NumberRange(min=1, max=60)]
    )
    contract_start = DateField(_l("Contract start"), validators=[InputRequired()])
    contract_end = DateField(_l("Contract end"), validators=[Optional()])

    def validate_contract_end(self, field):
        if field.data and self.contract_start.data and field.data < self.contract_start.data:
            raise ValidationError(_l("The contract cannot end before it starts."))


class TermsForm(PatternFields, FlaskForm):
    """New work terms from a day on: a new row of the history."""

    valid_from = DateField(_l("From"), validators=[InputRequired()])
    employment_pct = PercentField(_l("Work regime (%)"), validators=[InputRequired()])
    hours_per_week = NumberField(_l("Hours per week"), places=2, minimum=0, maximum=168, validators=[Optional()],
                                 description=_l("Leave it empty: the sum of the days below."))
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300), single_line])


class ContractForm(FlaskForm):
    """A contract period: a new one, or the correction of one (its start or end)."""

    starts_on = DateField(_l("Contract start"), validators=[InputRequired()])
    ends_on = DateField(_l("Contract end"), validators=[Optional()],
                        description=_l("Empty: open-ended."))
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300), single_line])


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    role = SelectField(_l("Role"))


class LinkAccountForm(FlaskForm):
    """An admin links an existing account (one with a role here, no employee yet) to a staff record."""

    user_id = SelectField(_l("Account"), coerce=id_value, validate_choice=False,  # the service says why one cannot;
                          validators=[DataRequired(message=_l("Choose an account."))])  # not an id -> None


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class EmptyForm(FlaskForm):
    """For buttons that only post (CSRF token included)."""
