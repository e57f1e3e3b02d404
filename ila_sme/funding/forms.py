"""Forms of the co-funding screens. They check shape (amounts, choices); the services check the rules.

Amounts are typed as people write them: "1250", "1250,50", "1.250,50", "€ 1 250.50". They become a
Decimal with at most two decimals, never a float.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from ila_sme.extensions import db
from ila_sme.funding import rules
from ila_sme.funding.models import SOURCE_LABELS, Kind, Source
from ila_sme.money import CENT
from ila_sme.trainings.models import Training

MAX_AMOUNT = Decimal("10000000")  # well inside integer cents of any database
SPACES = (" ", "\u00a0", "\u202f", "€")


def parse_amount(text: str, maximum: Decimal = MAX_AMOUNT) -> Decimal | None:
    """'1.250,50' or '1,250.50' or '1250,5' -> Decimal('1250.50'); '' -> None. ValueError says what is wrong."""
    for space in SPACES:
        text = text.replace(space, "")
    if not text:
        return None
    if "," in text and "." in text:  # the last one is the decimal mark, the other groups thousands
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "")
    text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_l("Not an amount: type it like 1250,50.")) from None
    if not amount.is_finite():
        raise ValueError(_l("Not an amount: type it like 1250,50."))
    if amount != amount.quantize(CENT):
        raise ValueError(_l("At most two decimals."))
    if amount < 0:
        raise ValueError(_l("An amount cannot be negative."))
    if amount > maximum:
        from ila_sme.web import babel_locale

        raise ValueError(_l("At most %(maximum)s.", maximum=format_decimal(maximum, locale=babel_locale())))
    return amount.quantize(CENT)


class AmountField(Field):
    """A Decimal with at most two decimals, ≥ 0; a decimal comma is fine. Empty gives None."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, maximum: Decimal = MAX_AMOUNT, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.maximum = maximum

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = parse_amount(valuelist[0] or "", self.maximum)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        from ila_sme.web import babel_locale

        return format_decimal(self.data, format="0.00", locale=babel_locale())


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SplitFields:
    """The five sources of a training's cost. Mixed into the course-fee form and the leave request form."""

    part_account = AmountField(SOURCE_LABELS[Source.ACCOUNT],
                               description=_l("Your individual learning account, for registry trainings."))
    part_employer = AmountField(SOURCE_LABELS[Source.EMPLOYER],
                                description=_l("What you ask your employer to pay."))
    part_vouchers = AmountField(SOURCE_LABELS[Source.VOUCHERS],
                                description=_l("Flemish training vouchers: not when the employer pays, nor with "
                                               "the SME wallet."))
    part_sme_wallet = AmountField(SOURCE_LABELS[Source.SME_WALLET],
                                  description=_l("A share of the cost, for small and medium-sized enterprises."))
    part_other = AmountField(SOURCE_LABELS[Source.OTHER], description=_l("A sector fund or another funder."))

    def split_fields(self) -> list:
        return [self[f"part_{source.value}"] for source in Source]

    def split(self) -> rules.Split:
        return rules.Split(**{source.value: self[f"part_{source.value}"].data or 0 for source in Source})

    def asks_cofunding(self) -> bool:
        return any(f.data for f in self.split_fields())

    def split_valid(self) -> bool:
        return not any(f.errors for f in self.split_fields())


class GetValidation:
    def validate_fields(self) -> bool:
        """Validate a GET (the live preview, the search): the query string carries no CSRF token."""
        self.validate()
        if "csrf_token" in self:
            self.csrf_token.errors = []
        return not self.errors


class TrainingChoice:
    """A training picked from the catalogue by id: the registry's or the employer's own."""

    def chosen_training(self) -> Training | None:
        if self.training_id.data is None:
            return None
        training = db.session.get(Training, self.training_id.data)
        return training if training is not None and training.visible_to(self.employer) else None

    def validate_training_id(self, field):
        self.training = self.chosen_training()
        if field.data is not None and self.training is None:
            raise ValidationError(_l("Choose a training from the catalogue."))


class PolicyForm(FlaskForm):
    budget = AmountField(_l("Annual budget (€)"), validators=[InputRequired()],
                         description=_l("What the employer pays at most in co-funding this year."))
    cap_per_employee = AmountField(_l("Cap per employee (€ a year)"), validators=[InputRequired()])
    max_share_pct = AmountField(_l("Largest share of a training's cost (%)"), validators=[InputRequired()],
                                maximum=Decimal("100"),
                                description=_l("For course fees: the employer never pays more of a training."))
    gives_top_up = BooleanField(_l("Gives top-ups of the learning account"))
    gives_course_fee = BooleanField(_l("Pays course fees"))
    admin_approval_above = AmountField(
        _l("An admin approves above (€)"), validators=[Optional()],
        description=_l("Above this employer part, an admin decides after the manager. Empty: the manager decides "
                       "alone."))

    @classmethod
    def for_policy(cls, policy, **kwargs) -> PolicyForm:
        """Prefilled with ``policy`` (this year's, or last year's as a starting point)."""
        if policy is None:
            return cls(data={"gives_top_up": True, "gives_course_fee": True}, **kwargs)
        return cls(data={
            "budget": policy.budget, "cap_per_employee": policy.cap_per_employee,
            "max_share_pct": Decimal(policy.max_share_pct).quantize(CENT), "gives_top_up": policy.gives_top_up,
            "gives_course_fee": policy.gives_course_fee, "admin_approval_above": policy.admin_approval_above,
        }, **kwargs)

    def values(self) -> dict:
        return {
            "budget": self.budget.data, "cap_per_employee": self.cap_per_employee.data,
            "max_share_pct": self.max_share_pct.data, "gives_top_up": bool(self.gives_top_up.data),
            "gives_course_fee": bool(self.gives_course_fee.data),
            "admin_approval_above": self.admin_approval_above.data,
        }


class CourseFeeForm(SplitFields, TrainingChoice, GetValidation, FlaskForm):
    """An employee asks the employer (and other sources) to pay a training of the catalogue."""

    kind = Kind.COURSE_FEE.value
    training_id = IntegerField(_l("Training"), validators=[Optional()])
    note = TextAreaField(_l("Note for the decision"), filters=[_strip], validators=[Optional(), Length(max=1000)])

    @classmethod
    def for_employer(cls, employer, **kwargs) -> CourseFeeForm:
        form = cls(**kwargs)
        form.employer = employer
        form.training = form.chosen_training()
        return form

    @property
    def cost(self) -> Decimal:
        return self.training.cost if self.training is not None else Decimal("0.00")

    @property
    def complete(self) -> bool:
        return self.training is not None

    def ask_arguments(self, employee) -> dict:
        return {"employee": employee, "kind": self.kind, "cost": self.cost, "split": self.split(),
                "training": self.training, "note": self.note.data}


class TopUpForm(GetValidation, FlaskForm):
    """A manager or admin grants a top-up of an employee's learning account, paid by the employer alone."""

    kind = Kind.TOP_UP.value
    employee_id = SelectField(_l("Employee"), coerce=int, validators=[InputRequired()])
    amount = AmountField(_l("Amount (€)"), validators=[InputRequired()])
    note = TextAreaField(_l("Why"), filters=[_strip], validators=[Optional(), Length(max=1000)])

    @classmethod
    def for_employees(cls, employees: list, **kwargs) -> TopUpForm:
        form = cls(**kwargs)
        form.employees = {employee.id: employee for employee in employees}
        form.employee_id.choices = [(0, _l("Choose…"))] + [
            (employee.id, f"{employee.full_name}{' · ' + employee.team if employee.team else ''}")
            for employee in employees]
        return form

    def validate_employee_id(self, field):
        if field.data not in self.employees:
            raise ValidationError(_l("Choose an employee."))

    @property
    def employee(self):
        return self.employees.get(self.employee_id.data)

    @property
    def complete(self) -> bool:
        return self.employee is not None and self.amount.data is not None

    def split(self) -> rules.Split:
        return rules.Split(employer=self.amount.data or 0)

    def ask_arguments(self, employee=None) -> dict:
        return {"employee": self.employee, "kind": self.kind, "cost": self.amount.data, "split": self.split(),
                "training": None, "note": self.note.data}


class EmptyForm(FlaskForm):
    """For buttons that only post (CSRF token included)."""


class RefuseForm(FlaskForm):
    reason = StringField(_l("Reason"), filters=[_strip],
                         validators=[DataRequired(message=_l("A refusal needs a reason.")), Length(max=1000)])


class CancelForm(FlaskForm):
    reason = StringField(_l("Why cancel?"), filters=[_strip], validators=[Optional(), Length(max=500)])
