"""Forms of the statements page. They carry the CSRF token and check shape; the services in
``periods``, ``cofunding``, ``exports`` and ``vov_account_audit`` check the rules and say what is wrong."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from ila_sme.forms import FlaskForm, coerce_id


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class DownloadForm(FlaskForm):
    """The statement's parameters as the preview shows them (hidden fields), and the Download button."""

    period = HiddenField(filters=[_strip])
    source = HiddenField(filters=[_strip])
    format = HiddenField(filters=[_strip])
    separator = HiddenField()


class CloseForm(FlaskForm):
    period = HiddenField(filters=[_strip], validators=[DataRequired(message=_l("Choose a period."))])


class VovClaimsForm(FlaskForm):
    school_year = StringField(_l("School year"), filters=[_strip], description=_l("For example 2025-26."),
                              validators=[DataRequired(message=_l("Give a school year, for example 2025-26."))])


class TrainingAccountForm(FlaskForm):
    employee_id = SelectField(_l("Employee"), coerce=coerce_id,
                              validators=[InputRequired(message=_l("Choose an employee."))])
    year = IntegerField(_l("Year"), validators=[InputRequired(message=_l("Give a year.")),
                                                NumberRange(min=1900, max=2999, message=_l("Give a year."))])
    format = SelectField(_l("Format"), choices=[("pdf", "PDF"), ("csv", "CSV")], default="pdf")

    @classmethod
    def for_employees(cls, employees, **kwargs) -> TrainingAccountForm:
        form = cls(**kwargs)
        form.employee_id.choices = [(employee.id, employee.full_name) for employee in employees]
        return form


class AuditLogForm(FlaskForm):
    start = DateField(_l("From"), validators=[InputRequired(message=_l("Give the first day."))])
    end = DateField(_l("To"), validators=[InputRequired(message=_l("Give the last day."))])
