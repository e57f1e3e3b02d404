"""Forms of the reconciliation page. They check shape (a period among the open ones, a reason, a
contribution id); the actions in ``actions.py`` check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ila_sme.forms import FlaskForm, IdField
from ila_sme.reconciliation.engine import open_window


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def open_periods(today) -> list[str]:
    """Every period the register still books, newest first: '2026-11', '2026-10', … 13 months back."""
    first, last = open_window(today)
    periods = []
    year, month = int(last[:4]), int(last[5:])
    while f"{year:04d}-{month:02d}" >= first:
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods


class StartRunForm(FlaskForm):
    period = SelectField(_l("Period"), default="",
                         description=_l("Every open period, or only one month."))

    @classmethod
    def for_today(cls, today, **kwargs) -> StartRunForm:
        form = cls(**kwargs)
        form.period.choices = [("", _l("Every open period"))] + [(p, p) for p in open_periods(today)]
        return form

    @property
    def chosen_period(self) -> str | None:
        return self.period.data or None


class ActionForm(FlaskForm):
    """Resubmit and accept: only the button (and the CSRF token)."""


class LinkForm(FlaskForm):
    contribution_id = IdField(_l("Contribution"), message=_l("Choose the contribution this entry is."), validators=[
        InputRequired(message=_l("Choose the contribution this entry is."))])


class OutsideForm(FlaskForm):
    note = StringField(_l("Note"), filters=[_strip], validators=[Optional(), Length(max=500)])


class ReasonForm(FlaskForm):
    """Write off, ask the register to reverse: a reason is required."""

    reason = StringField(_l("Reason"), filters=[_strip], validators=[
        DataRequired(message=_l("Give a reason.")),
        Length(max=500, message=_l("The reason is too long (500 characters at most)."))])
