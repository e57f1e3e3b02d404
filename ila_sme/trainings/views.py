"""The training catalogue: search, detail, and an employer's own trainings."""

from __future__ import annotations

from flask import Blueprint

from ila_sme.tenancy import register_url_object
from ila_sme.trainings.models import Training

bp = Blueprint("trainings", __name__, url_prefix="/trainings")
register_url_object("training_id", Training, belongs=lambda training, employer: training.visible_to(employer))
