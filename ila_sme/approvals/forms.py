from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from ila_sme.forms import FlaskForm, coerce_id


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class DecideForm(FlaskForm):
    """The Approve button of a row (CSRF token only)."""


class RejectForm(FlaskForm):
    reason = StringField(
        _l("Reason"), filters=[_strip],
        validators=[DataRequired(message=_l("A rejection needs a reason.")), Length(max=1000)],
    )


class BulkApproveForm(FlaskForm):
    # The rows' checkboxes; which of them the user may decide is the service's question, not the form's.
    request_ids = SelectMultipleField(coerce=coerce_id, validate_choice=False)
