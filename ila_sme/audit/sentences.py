"""An audit event said as a sentence in the reader's language: "Els Van Damme added Sarah Janssens to the
staff", with a link to the object while it still exists. The log keeps codes (``action``) and data; this
module only reads. Objects are found by their class name among the app's models, so no feature is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from werkzeug.routing import BuildError

from ila_sme.extensions import db

# One sentence per action; %(actor)s is who did it, %(object)s what it was done to.
SENTENCES = {
    "calendar_feed.created": _l("%(actor)s made a private calendar feed"),
    "calendar_feed.revoked": _l("%(actor)s revoked a private calendar feed"),
    "closing_days.added": _l("%(actor)s added a collective closing day"),
    "closing_days.removed": _l("%(actor)s removed a collective closing day"),
    "cofunding_policy.saved": _l("%(actor)s saved the co-funding policy"),
    "contribution.booked": _l("%(actor)s booked %(object)s at the register"),
    "contribution.created": _l("%(actor)s prepared %(object)s for the register"),
    "contribution.failed": _l("The register refused %(object)s"),
    "contribution.reversed": _l("%(actor)s reversed %(object)s at the register"),
    "credential.entered": _l("%(actor)s entered the micro-credential %(object)s"),
    "credential.imported": _l("%(actor)s imported the micro-credential %(object)s"),
    "credential.replaced": _l("%(actor)s replaced the micro-credential %(object)s with a verified copy"),
    "credential.shared": _l("%(actor)s changed who sees the micro-credential %(object)s"),
    "credential.state_changed": _l("The check of the micro-credential %(object)s changed its state"),
    "employee.contract_added": _l("%(actor)s added a contract period for %(object)s"),
    "employee.contract_corrected": _l("%(actor)s corrected a contract period of %(object)s"),
    "employee.created": _l("%(actor)s added %(object)s to the staff"),
    "employee.terms_changed": _l("%(actor)s changed the work regime of %(object)s"),
    "employee.updated": _l("%(actor)s changed the staff record of %(object)s"),
    "employees.imported": _l("%(actor)s imported staff records from a file"),
    "employer.created": _l("%(actor)s registered the employer %(object)s"),
    "employer.headcount_set": _l("%(actor)s set the average headcount of %(object)s"),
    "employer.updated": _l("%(actor)s changed the details of %(object)s"),
    "funding.approved": _l("%(actor)s approved %(object)s"),
    "funding.cancelled": _l("%(actor)s cancelled %(object)s"),
    "funding.first_approved": _l("%(actor)s gave the first approval to %(object)s"),
    "funding.rejected": _l("%(actor)s rejected %(object)s"),
    "funding.requested": _l("%(actor)s asked for co-funding: %(object)s"),
    "invitation.accepted": _l("%(actor)s accepted an invitation"),
    "invitation.created": _l("%(actor)s sent an invitation"),
    "invitation.resent": _l("%(actor)s sent an invitation again"),
    "invitation.revoked": _l("%(actor)s withdrew an invitation"),
    "learning_account.refreshed": _l("%(actor)s asked the register again for a learning account"),
    "leave.approved": _l("%(actor)s approved %(object)s"),
    "leave.balance_corrected": _l("%(actor)s corrected the training-leave balance of %(object)s"),
    "leave.cancellation_refused": _l("%(actor)s refused to cancel %(object)s"),
    "leave.cancellation_requested": _l("%(actor)s asked to cancel %(object)s"),
    "leave.cancelled": _l("%(actor)s cancelled %(object)s"),
    "leave.final_assessment_recorded": _l("%(actor)s recorded the final assessment of %(object)s"),
    "leave.first_approved": _l("%(actor)s gave the first approval to %(object)s"),
    "leave.rejected": _l("%(actor)s rejected %(object)s"),
    "leave.requested": _l("%(actor)s submitted %(object)s"),
    "leave.withdrawn": _l("%(actor)s withdrew %(object)s"),
    "leave_type.updated": _l("%(actor)s changed the leave type %(object)s"),
    "mail.retried": _l("%(actor)s had a mail sent again"),
    "membership.created": _l("%(actor)s gave %(object)s a role"),
    "membership.removed": _l("%(actor)s took a role away from %(object)s"),
    "reconciliation.requested": _l("%(actor)s started %(object)s"),
    "reconciliation.reopened": _l("%(actor)s reopened a difference with the register"),
    "reconciliation.resubmitted": _l("%(actor)s sent a contribution to the register again"),
    "reconciliation.accepted": _l("%(actor)s took over the register's amount"),
    "reconciliation.linked": _l("%(actor)s linked a register entry to a contribution"),
    "reconciliation.booked_outside": _l("%(actor)s recorded a register entry as booked outside the app"),
    "reconciliation.written_off": _l("%(actor)s left a difference with the register as it is"),
    "reconciliation.settled": _l("A later run found a difference with the register in order"),
    "registry.synced": _l("The training register was read into the catalogue"),
    "registry.imported": _l("%(actor)s imported trainings from a file into the catalogue"),
    "scheme_parameter.closed": _l("%(actor)s closed a version of the leave parameters"),
    "scheme_parameter.created": _l("%(actor)s added a version of the leave parameters"),
    "statements.adjustment": _l("%(actor)s booked an adjustment in an open period"),
    "statements.exported": _l("%(actor)s exported %(object)s"),
    "statements.period_closed": _l("%(actor)s closed a period of the statements"),
    "training.created": _l("%(actor)s added the training %(object)s"),
    "training.registry_added": _l("The register added the training %(object)s"),
    "training.registry_withdrawn": _l("The register withdrew the training %(object)s"),
    "user.created": _l("An account was made for %(object)s"),
    "user.deactivated": _l("%(actor)s deactivated the account of %(object)s"),
    "user.password_changed": _l("%(actor)s changed their password"),
    "user.password_reset": _l("%(actor)s chose a new password with a reset link"),
    "user.signed_in": _l("%(actor)s signed in"),
    "user.signed_out": _l("%(actor)s signed out"),
}
# What an object is called when it has no name of its own (or no longer exists).
NOUNS = {
    "LeaveRequest": _l("training-leave request %(number)s"), "FundingRequest": _l("co-funding request %(number)s"),
    "Contribution": _l("contribution %(number)s"), "ReconciliationRun": _l("reconciliation run %(number)s"),
    "StatementExport": _l("export %(number)s"), "EmployeeRecord": _l("staff record %(number)s"),
    "Credential": _l("micro-credential %(number)s"), "Training": _l("training %(number)s"),
    "User": _l("account %(number)s"), "Employer": _l("employer %(number)s"),
}
OWNED = {"LeaveRequest": _l("the training-leave request of %(name)s"),
         "FundingRequest": _l("the co-funding request of %(name)s")}
# The page of an object, where it has one an admin may open.
LINKS = {"EmployeeRecord": ("people.show", "employee_id"), "Credential": ("credentials.detail", "credential_id"),
         "Training": ("trainings.detail", "training_id"),
         "ReconciliationRun": ("reconciliation.run", "reconciliation_run_id")}


@dataclass(frozen=True)
class Said:
    text: str  # the plain sentence (CSV)
    html: Markup  # the sentence with the object's link


@cache
def _models() -> dict[str, type]:
    """Every model by its class name (the app's models are all imported before the first request)."""
    return {mapper.class_.__name__: mapper.class_ for mapper in db.Model.registry.mappers}


def load(object_type: str | None, object_id: str | None, *, cache: dict | None = None):
    """The object an event names, or None when it no longer exists (or has no integer id)."""
    if not object_type or not object_id or not str(object_id).isdigit():
        return None
    key = (object_type, object_id)
    if cache is not None and key in cache:
        return cache[key]
    model = _models().get(object_type)
    found = db.session.get(model, int(object_id)) if model is not None else None
    if cache is not None:
        cache[key] = found
    return found


def preload(events, cache: dict) -> None:
    """What a page of ``events`` names, read in a few queries instead of a few per event: the objects (one query
    per kind), the employees they belong to and the actors. Loaded into ``cache`` for ``say``; employees and actors
    into the session, whose identity map then answers ``found.employee`` and ``event.actor`` without a query."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.object_type and event.object_id and str(event.object_id).isdigit():
            wanted.setdefault(event.object_type, set()).add(int(event.object_id))
    found: dict[tuple[str, int], object] = {}
    for object_type, ids in wanted.items():
        model = _models().get(object_type)
        if model is not None:
            rows = db.session.scalars(select(model).where(model.id.in_(ids)))
            found.update(((object_type, obj.id), obj) for obj in rows)
    for event in events:
        if event.object_type in wanted and str(event.object_id).isdigit():
            cache[(event.object_type, event.object_id)] = found.get((event.object_type, int(event.object_id)))
    # held by the cache: the session's identity map keeps only the objects someone refers to
    employee_ids = {getattr(obj, "employee_id", None) for obj in found.values()}
    cache[("_employees", None)] = _load_all("EmployeeRecord", employee_ids)
    cache[("_actors", None)] = _load_all("User", {getattr(event, "actor_id", None) for event in events})


def _load_all(model_name: str, ids: set) -> list:
    model = _models().get(model_name)
    ids = {object_id for object_id in ids if isinstance(object_id, int)}
    if model is None or not ids:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(ids))))


def object_label(object_type: str | None, object_id: str | None, found) -> str:
    if not object_type:
        return ""
    if found is not None:
        employee = getattr(found, "employee", None)
        if object_type in OWNED and employee is not None:
            return str(OWNED[object_type]) % {"name": employee.full_name}
        for attribute in ("full_name", "name", "title"):
            value = getattr(found, attribute, None)
            if value:
                return str(value)
    noun = NOUNS.get(object_type)
    return str(noun) % {"number": object_id} if noun else _("an object (%(number)s)", number=object_id)


def _link(object_type: str | None, found) -> str | None:
    if found is None or object_type not in LINKS:
        return None
    endpoint, argument = LINKS[object_type]
    try:
        return url_for(endpoint, **{argument: found.id})
    except BuildError:
        return None


def say(event, *, actor_name: str | None = None, cache: dict | None = None, links: bool = True) -> Said:
    """The event as a sentence. ``actor_name``: who did it (default: the event's actor, or the system)."""
    found = load(event.object_type, event.object_id, cache=cache)
    label = object_label(event.object_type, event.object_id, found)
    if actor_name is None:
        actor = getattr(event, "actor", None)
        actor_name = actor.name if actor is not None else None
    actor = actor_name or _("The system")
    template = SENTENCES.get(event.action)
    if template is None:  # an action this module does not know yet: say what there is, never a 500
        template = _l("%(actor)s: %(object)s")
    url = _link(event.object_type, found) if links else None
    shown = Markup('<a href="%s">%s</a>') % (url, label) if url else escape(label)
    html = escape(str(template)) % {"actor": actor, "object": shown}  # escapes the actor's name and the label
    return Said(str(template) % {"actor": actor, "object": label}, html)
