"""Parts that features above leave add to the leave request page (co-funding adds the cost of the training).

Why a registry and not the page moved into funding: the request is leave's own screen, under leave's URLs
and rules, and a leave request is whole without co-funding; co-funding only adds to it. So leave keeps the
page and asks the parts registered here, and funding, which sits above leave, registers its part when it is
imported (the factory imports it). Leave imports nothing of the features that fill this registry.

A part gives:

* ``fields``: a mixin of form fields, added to the request form;
* ``fields_template`` and ``preview_template``: what the page shows of it, in the form (the fieldset that
  the training picker brings back, at ``/leave/new/cofunding``) and in the live preview;
* ``context(form, employee)``: the variables those templates read;
* ``submit(form, actor=, employee=, leave_request=, today=)``: called once the leave request is written, in
  the same transaction: it adds and flushes, and returns whether it asked for anything;
* ``refusals``: the exceptions it refuses with: the page shows them as the request's, and nothing is saved;
* ``sent_message``: what the employee is told when it asked for something with the leave;
* ``problems(context)``: what of the part, in the context it gave, stops the request from being sent (its
  preview lists them): the page then says nothing is in the way of the leave alone, and its send button is off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestPart:
    fields: type
    fields_template: str
    preview_template: str
    context: Callable[..., dict]
    submit: Callable[..., bool]
    refusals: tuple[type[Exception], ...]
    sent_message: Callable[[], str]
    problems: Callable[[dict], list] = lambda context: []


_parts: list[RequestPart] = []


def register(part: RequestPart) -> None:
    """Add ``part`` to every leave request from now on (called once, when the feature's module is imported)."""
    _parts.append(part)


def parts() -> tuple[RequestPart, ...]:
    return tuple(_parts)


def blocking(contexts: list[dict]) -> bool:
    """Whether some part, in the context it gave (``contexts``, one per part, in order), stops the request."""
    return any(part.problems(context) for part, context in zip(_parts, contexts, strict=True))


def refusals() -> tuple[type[Exception], ...]:
    """The exceptions of every part: with LeaveError, what makes a request fail with a message."""
    return tuple(error for part in _parts for error in part.refusals)
