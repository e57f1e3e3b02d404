"""Forms of the credential screens: the upload, the manual entry of a paper certificate, sharing, and the
skills-matrix filters. They check shape (a file, dates, numbers); the services check the credential itself."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, ValidationError

from ila_sme.credentials import formats
from ila_sme.forms import FlaskForm, upload_size


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class FileSize:
    """Refuses a file larger than ``maximum`` bytes, as the import would (formats.MAX_BYTES)."""

    def __init__(self, maximum: int):
        self.maximum = maximum

    def __call__(self, form, field):
        size = upload_size(field)
        if size is not None and size > self.maximum:
            raise ValidationError(_l("The file is too large: a credential may be at most %(limit)s KiB.",
                                     limit=self.maximum // 1024))


class UploadForm(FlaskForm):
    file = FileField(_l("Credential file"), validators=[FileRequired(_l("Choose the file of a credential.")),
                                                       FileSize(formats.MAX_BYTES)],
                     description=_l("Open Badges 3.0 (JSON or VC-JWT), Open Badges 2.0 or a European Digital "
                                    "Credential, as the issuer gave it to you."))

    def payload(self) -> tuple[bytes, str | None]:
        upload = self.file.data
        return upload.read(formats.MAX_BYTES + 1), (upload.filename or None)


class EmptyForm(FlaskForm):
    """Only the CSRF token: share and stop sharing."""


EQF_CHOICES = [("", _l("None or not given"))] + [(str(level), str(level)) for level in range(1, 9)]
IDENTITY_CHOICES = [("", _l("Not stated")), ("yes", _l("Yes")), ("no", _l("No"))]


class ManualForm(FlaskForm):
    """A credential that came on paper: the EU standard elements as printed on it. Only the title is required;
    what is left empty is shown as missing."""

    # mandatory elements
    learner_name = StringField(_l("Name of the learner"), filters=[_strip], validators=[Optional(), Length(max=200)])
    title = StringField(_l("Title"), filters=[_strip], validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), filters=[_strip], validators=[Optional(), Length(max=5000)])
    issuer_country = StringField(_l("Country of the issuer"), filters=[_strip],
                                 validators=[Optional(), Length(min=2, max=3)],
                                 description=_l("Two or three letters: BE, NL, IRL."))
    issuer_region = StringField(_l("Region of the issuer"), filters=[_strip], validators=[Optional(), Length(max=100)])
    awarding_body = StringField(_l("Awarding body"), filters=[_strip], validators=[Optional(), Length(max=300)])
    awarding_body_url = StringField(_l("Website of the awarding body"), filters=[_strip],
                                    validators=[Optional(), Length(max=500), URL(message=_l("Not a web address."))])
    issued_on = DateField(_l("Date of issuing"), validators=[Optional()])
    learning_outcomes = TextAreaField(_l("Learning outcomes"), filters=[_strip],
                                      validators=[Optional(), Length(max=10000)],
                                      description=_l("One learning outcome a line."))
    workload_ects = DecimalField(_l("Workload in ECTS credits"), places=2,
                                 validators=[Optional(), NumberRange(min=0, max=999)])
    workload_hours = DecimalField(_l("Workload in hours"), places=2,
                                  validators=[Optional(), NumberRange(min=0, max=99999)])
    eqf_level = SelectField(_l("EQF level"), choices=EQF_CHOICES, validators=[Optional()])
    nqf_level = StringField(_l("NQF level"), filters=[_strip], validators=[Optional(), Length(max=20)])
    assessment_type = StringField(_l("Type of assessment"), filters=[_strip], validators=[Optional(), Length(max=200)])
    participation_form = StringField(_l("Form of participation"), filters=[_strip],
                                     validators=[Optional(), Length(max=200)],
                                     description=_l("Online, onsite or blended."))
    quality_assurance = StringField(_l("Type of quality assurance"), filters=[_strip],
                                    validators=[Optional(), Length(max=300)])
    # optional elements
    prerequisites = TextAreaField(_l("Prerequisites"), filters=[_strip], validators=[Optional(), Length(max=5000)])
    supervision = StringField(_l("Supervision during assessment"), filters=[_strip],
                              validators=[Optional(), Length(max=200)])
    identity_checked = SelectField(_l("Identity verified during assessment"), choices=IDENTITY_CHOICES,
                                   validators=[Optional()])
    grade = StringField(_l("Grade"), filters=[_strip], validators=[Optional(), Length(max=100)])
    stackability = StringField(_l("Integration or stackability"), filters=[_strip],
                               validators=[Optional(), Length(max=300)])
    further_information = TextAreaField(_l("Further information"), filters=[_strip],
                                        validators=[Optional(), Length(max=5000)])
    language = StringField(_l("Language"), filters=[_strip], validators=[Optional(), Length(max=20)])
    registry_id = StringField(_l("Training id in the training database"), filters=[_strip],
                              validators=[Optional(), Length(max=60)],
                              description=_l("For example ODB-123456: links the credential to the training, and to "
                                             "the leave and co-funding that paid for it."))
    # validity
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])

    MANDATORY = ("learner_name", "title", "description", "issuer_country", "issuer_region", "awarding_body",
                 "awarding_body_url", "issued_on", "learning_outcomes", "workload_ects", "workload_hours",
                 "eqf_level", "nqf_level", "assessment_type", "participation_form", "quality_assurance")
    OPTIONAL = ("prerequisites", "supervision", "identity_checked", "grade", "stackability", "further_information",
                "language")

    def validate_valid_until(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The end of validity comes before its start."))

    def validate_issued_on(self, field):
        if field.data and self.valid_until.data and field.data > self.valid_until.data:
            raise ValidationError(_l("A credential cannot be issued after it stops being valid."))

    def values(self) -> dict:
        """Credential column names → values (None for what was left empty)."""
        text = {name: getattr(self, name).data or None for name in (
            "learner_name", "title", "description", "issuer_region", "awarding_body", "awarding_body_url",
            "nqf_level", "assessment_type", "participation_form", "quality_assurance", "prerequisites",
            "supervision", "grade", "stackability", "further_information", "language", "registry_id")}
        outcomes = [line.strip() for line in (self.learning_outcomes.data or "").splitlines() if line.strip()]
        country = (self.issuer_country.data or "").upper() or None
        return {
            **text,
            "issuer_country": country,
            "issued_on": self.issued_on.data,
            "learning_outcomes": outcomes or None,
            "workload_ects": _decimal(self.workload_ects.data),
            "workload_hours": _decimal(self.workload_hours.data),
            "eqf_level": int(self.eqf_level.data) if self.eqf_level.data else None,
            "identity_checked": {"yes": True, "no": False}.get(self.identity_checked.data),
            "valid_from": _moment(self.valid_from.data),
            "valid_until": _moment(self.valid_until.data),
        }


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def _moment(day) -> datetime | None:
    return None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)


GROUPINGS = ("credential", "eqf", "training", "issuer")


class MatrixFilterForm(FlaskForm):
    """The skills-matrix filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    group = SelectField(_l("Columns"), choices=[
        ("credential", _l("Credential")), ("eqf", _l("EQF level")), ("training", _l("Training")),
        ("issuer", _l("Issuer"))], default="credential", validators=[Optional()])
    team = SelectField(_l("Team"), choices=[("", _l("Every team"))], default="", validators=[Optional()])
    verified = BooleanField(_l("Verified only"))
    expiring = BooleanField(_l("Expiring in the next 90 days"))

    @classmethod
    def for_teams(cls, teams: list[str], formdata):
        form = cls(formdata=formdata)
        form.team.choices = [("", _l("Every team"))] + [(team, team) for team in teams]
        if form.group.data not in GROUPINGS:
            form.group.data = "credential"
        if form.team.data and form.team.data not in teams:
            form.team.data = ""
        return form
