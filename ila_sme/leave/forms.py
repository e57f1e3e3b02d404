"""Forms of the employee side of training leave. They check shape; the services check the rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ila_sme.extensions import db
from ila_sme.forms import FlaskForm, IdField, NumberField, WholeNumberField, coerce_id, upload_size
from ila_sme.leave import assessments, request_parts
from ila_sme.leave.services import RequestInput
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import SCHEME_LABELS, Scheme
from ila_sme.trainings.models import Training


class RequestForm(FlaskForm):
    """A leave request, with the fields of the parts other features add to it (``request_parts``).
    ``for_employer`` builds it with those fields, fills the choices and resolves the ids to objects."""

    leave_type_id = SelectField(_l("Kind of leave"), coerce=coerce_id, validators=[InputRequired()])
    training_id = IdField(_l("Training"), validators=[Optional()],
                          message=_l("Choose a training from the catalogue."))
    start_date = DateField(_l("First day"), validators=[InputRequired()])
    end_date = DateField(_l("Last day"), validators=[InputRequired()])
    start_half = BooleanField(_l("First day: afternoon only"))
    end_half = BooleanField(_l("Last day: morning only"))
    hours_per_day = NumberField(
        _l("Training hours per day"), places=2, minimum=Decimal("0.5"), maximum=24, validators=[Optional()],
        description=_l("Flemish training leave counts hours: the contact hours of the training on each day."),
    )
    exams = WholeNumberField(
        _l("Exams"), default=0, minimum=0, maximum=20, validators=[Optional()],
        description=_l("Flemish training leave counts 8 hours per exam."),
    )
    study_points = NumberField(
        _l("Study points"), places=1, minimum=0, maximum=60, validators=[Optional()],
        description=_l("Flemish training leave counts 4 hours per study point."),
    )
    evc_competences = WholeNumberField(
        _l("Competences to be recognised (EVC)"), default=0, minimum=0, maximum=50, validators=[Optional()],
        description=_l("Only for validation of prior learning: 16 hours per competence."),
    )
    employer_suggested = BooleanField(
        _l("My employer suggested this training"),
        description=_l("Flemish training leave: this school year allows extra hours for training your employer "
                       "suggests."),
    )
    note = TextAreaField(_l("Note for your approver"), validators=[Optional(), Length(max=1000)])

    @classmethod
    def for_employer(cls, employer, **kwargs) -> RequestForm:
        form = _with_fields_of(cls, tuple(part.fields for part in request_parts.parts()))(**kwargs)
        form.employer = employer
        form.training = None
        form.leave_types = {leave_type.id: leave_type for leave_type in schemes.leave_types(employer)}
        form.leave_type_id.choices = [
            (leave_type.id, f"{leave_type.label} · {SCHEME_LABELS.get(leave_type.scheme, leave_type.scheme)}")
            for leave_type in form.leave_types.values()
        ]
        return form

    def validate_training_id(self, field):
        self.training = self.chosen_training()
        if field.data is not None and self.training is None:
            raise ValidationError(_l("Choose a training from the catalogue."))

    def chosen_training(self) -> Training | None:
        """The training the id names, if the employer may see it (registry or its own)."""
        if self.training_id.data is None:
            return None
        training = db.session.get(Training, self.training_id.data)
        return training if training is not None and training.visible_to(self.employer) else None

    def validate_fields(self) -> bool:
        """Validate a GET (the preview, the search): the query string carries no CSRF token, and needs none."""
        self.validate()
        if "csrf_token" in self:
            self.csrf_token.errors = []
        return not self.errors

    def offers_suggested(self, day) -> bool:
        """Whether to show "my employer suggested this training": the employer offers Flemish training leave
        for a training and the school year of ``day`` allows extra hours for training the employer suggests."""
        if not date.min.year < day.year < date.max.year:  # a typed 0001 or 9999: its school year has no calendar
            return False
        return any(leave_type.scheme == Scheme.VOV and leave_type.needs_training
                   for leave_type in self.leave_types.values()) and schemes.vov_allows_suggested(self.employer, day)

    @property
    def complete(self) -> bool:
        """Enough to compute a preview: a kind of leave and both dates."""
        return bool(self.leave_type_id.data in self.leave_types and self.start_date.data and self.end_date.data)

    def request_input(self) -> RequestInput:
        return RequestInput(
            leave_type=self.leave_types[self.leave_type_id.data],
            training=self.training,
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            start_half=bool(self.start_half.data),
            end_half=bool(self.end_half.data),
            hours_per_day=self.hours_per_day.data,
            exams=self.exams.data or 0,
            evc_competences=self.evc_competences.data or 0,
            study_points=self.study_points.data or Decimal("0"),
            employer_suggested=bool(self.employer_suggested.data),
            note=self.note.data,
        )


@cache
def _with_fields_of(form_class: type, mixins: tuple[type, ...]) -> type:
    """``form_class`` with the parts' fields mixed in; one class per set of parts."""
    return type(form_class.__name__, (*mixins, form_class), {}) if mixins else form_class


class CancellationForm(FlaskForm):
    reason = StringField(_l("Why cancel?"), validators=[Optional(), Length(max=500)])


class EmptyForm(FlaskForm):
    """For buttons that only post (CSRF token included)."""


class CorrectionForm(FlaskForm):
    scheme = SelectField(_l("Scheme"))
    period = StringField(
        _l("Period"), validators=[DataRequired(), Length(max=9)],
        description=_l("A calendar year (2026) for the training right, a school year (2025-26) for Flemish leave."),
    )
    amount = NumberField(
        _l("Amount"), places=2, minimum=-1000, maximum=1000, validators=[InputRequired()],
        description=_l("In the scheme's unit (days or hours); negative to take away."),
    )
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])

    @classmethod
    def for_schemes(cls, scheme_names: list[str], **kwargs) -> CorrectionForm:
        form = cls(**kwargs)
        form.scheme.choices = [(name, SCHEME_LABELS.get(name, name)) for name in scheme_names]
        return form

    def validate_period(self, field):
        label = (field.data or "").strip()
        try:
            valid = schemes.period_by_label(self.scheme.data, label).label == label
        except ValueError:
            valid = False
        if not valid:
            raise ValidationError(_l("Not a period of this scheme (e.g. 2026 or 2025-26)."))
        field.data = label


class ProofSize:
    """Refuses a proof larger than the final assessment allows, before it is read into memory."""

    def __call__(self, form, field):
        size = upload_size(field)
        if size is not None and size > assessments.MAX_PROOF_BYTES:
            raise ValidationError(_l("The proof is too large: at most %(limit)s MiB.",
                                     limit=assessments.MAX_PROOF_BYTES // (1024 * 1024)))


class FinalAssessmentForm(FlaskForm):
    """That the final assessment of a VOV training was taken: the date, and an optional proof."""

    training_id = IdField(_l("Training"), validators=[Optional()])
    taken_on = DateField(_l("Final assessment taken on"), validators=[InputRequired()])
    proof = FileField(_l("Proof (optional)"), validators=[Optional(), ProofSize()],
                      description=_l("A certificate or the provider's attestation: PDF, PNG or JPEG, at most 2 MiB."))

    def payload(self) -> tuple[bytes | None, str | None]:
        upload = self.proof.data
        if upload is None or not hasattr(upload, "read") or not upload.filename:
            return None, None
        return upload.read(assessments.MAX_PROOF_BYTES + 1) or None, upload.filename
