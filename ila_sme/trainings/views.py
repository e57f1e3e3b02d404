"""The training catalogue: search, detail, and an employer's own trainings."""

from __future__ import annotations

from dataclasses import fields

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ila_sme import paging, permissions
from ila_sme.extensions import db
from ila_sme.tenancy import current_employer, get_or_404, register_url_object
from ila_sme.trainings import services
from ila_sme.trainings.forms import DELIVERY_LABELS, LANGUAGE_LABELS, CatalogueFilterForm, TrainingForm
from ila_sme.trainings.models import Training
from ila_sme.trainings.sync_models import RegistrySyncRun
from ila_sme.web import moment_filter, render, wants_fragment

bp = Blueprint("trainings", __name__, url_prefix="/trainings")
register_url_object("training_id", Training, belongs=lambda training, employer: training.visible_to(employer))

FILTERS = ("q", "language", "delivery", "eqf", "ila", "paid_leave", "microcredential", "withdrawn")
LABELS = {"language_labels": LANGUAGE_LABELS, "delivery_labels": DELIVERY_LABELS}


@bp.before_request
@login_required
def _catalogue_is_for_members():
    permissions.require(permissions.can_view_trainings(current_user, current_employer()))


def _wanted(form: CatalogueFilterForm) -> services.CatalogueFilter:
    form.validate()  # a bad value is ignored below, not shown as an error
    return services.CatalogueFilter(
        search=form.value("q", ""), language=form.value("language"), delivery=form.value("delivery"),
        eqf_level=form.value("eqf"), eligible_ila=form.ila.data, eligible_paid_leave=form.paid_leave.data,
        microcredential=form.microcredential.data, include_withdrawn=form.withdrawn.data,
    )


@bp.get("")
def index():
    employer = current_employer()
    form = CatalogueFilterForm(request.args)
    query = services.catalogue(employer, _wanted(form))
    page = paging.page_of(query, size=services.PER_PAGE)
    # The filters again, for the "show more" link: the known ones, empty values left out.
    args = {name: form.q.data if name == "q" else request.args[name] for name in FILTERS if request.args.get(name)}
    if paging.wants_more() and wants_fragment():  # the next trainings alone, appended under the others
        return render("trainings/index.html", "rows", page=page, more_url=page.next_url("trainings.index", **args),
                      **LABELS)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return render("trainings/index.html", "results", form=form, page=page, total=total,
                  more_url=page.next_url("trainings.index", **args), **LABELS)


@bp.get("/<int:training_id>")
def detail(training_id: int):
    training = get_or_404(Training, training_id)
    return render("trainings/detail.html", training=training, **LABELS)


@bp.route("/new", methods=["GET", "POST"])
def new():
    employer = current_employer()
    permissions.require(permissions.can_manage_trainings(current_user, employer))
    form = TrainingForm()
    if form.validate_on_submit():
        data = services.TrainingInput(**{field.name: form[field.name].data for field in fields(services.TrainingInput)})
        try:
            training = services.create_training(actor=current_user, employer=employer, data=data)
        except services.TrainingError as error:
            form[error.field].errors.append(str(error))
        else:
            db.session.commit()
            flash(_("“%(title)s” was added to the catalogue.", title=training.title), "success")
            return redirect(url_for("trainings.detail", training_id=training.id))
    return render("trainings/new.html", form=form)


SYNC_RUNS_PER_PAGE = 25


@bp.get("/sync-runs")
def sync_runs():
    """Every sync with the register and every file import, newest first: when, counts, error."""
    permissions.require(permissions.can_manage_trainings(current_user, current_employer()))
    page = paging.page_of(select(RegistrySyncRun).order_by(RegistrySyncRun.id.desc()), size=SYNC_RUNS_PER_PAGE)
    more_url = page.next_url("trainings.sync_runs")
    if paging.wants_more() and wants_fragment():  # the older runs alone, appended under the others
        return render("trainings/sync_runs.html", "rows", page=page, more_url=more_url, moment=moment_filter)
    total = db.session.scalar(select(func.count()).select_from(RegistrySyncRun))
    return render("trainings/sync_runs.html", "runs", page=page, total=total, more_url=more_url, moment=moment_filter)
