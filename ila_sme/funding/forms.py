"""Forms of the co-funding screens. They check shape (amounts, choices); the services check the rules.

Amounts are typed as people write them: "1250", "1250,50", "1.250,50", "€ 1 250.50". They become a
Decimal with at most two decimals, never a float (``ila_sme.forms.MoneyField``).
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ila_sme.extensions import db
from ila_sme.forms import FlaskForm, IdField, MoneyField, PercentField, coerce_id
from ila_sme.funding import rules
from ila_sme.funding.models import SOURCE_LABELS, Kind, Source
from ila_sme.money import CENT
from ila_sme.trainings.models import Training


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SplitFields:
    """The five sources of a training's cost. Mixed into the course-fee form and the leave request form."""

    part_account = MoneyField(SOURCE_LABELS[Source.ACCOUNT],
                               description=_l("Your individual learning account, for registry trainings."))
    part_employer = MoneyField(SOURCE_LABELS[Source.EMPLOYER],
                                description=_l("What you ask your employer to pay."))
    part_vouchers = MoneyField(SOURCE_LABELS[Source.VOUCHERS],
                                description=_l("Flemish training vouchers: not when the employer pays, nor with "
                                               "the SME wallet."))
    part_sme_wallet = MoneyField(SOURCE_LABELS[Source.SME_WALLET],
                                  description=_l("A share of the cost, for small and medium-sized enterprises."))
    part_other = MoneyField(SOURCE_LABELS[Source.OTHER], description=_l("A sector fund or another funder."))

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
    budget = MoneyField(_l("Annual budget (€)"), validators=[InputRequired()],
                         description=_l("What the employer pays at most in co-funding this year."))
    cap_per_employee = MoneyField(_l("Cap per employee (€ a year)"), validators=[InputRequired()])
    max_share_pct = PercentField(_l("Largest share of a training's cost (%)"), validators=[InputRequired()],
                                description=_l("For course fees: the employer never pays more of a training."))
    gives_top_up = BooleanField(_l("Gives top-ups of the learning account"))
    gives_course_fee = BooleanField(_l("Pays course fees"))
    admin_approval_above = MoneyField(
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
    training_id = IdField(_l("Training"), validators=[Optional()],
                          message=_l("Choose a training from the catalogue."))
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
    employee_id = SelectField(_l("Employee"), coerce=coerce_id, validators=[InputRequired()])
    amount = MoneyField(_l("Amount (€)"), validators=[InputRequired()])
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
