"""The one exception of the credentials package: a bad upload, with a message for the person who sent it."""

from __future__ import annotations


class CredentialError(ValueError):
    """An upload that cannot become a held credential. Nothing was stored or changed.

    ``code`` names the kind of problem for callers and tests: ``too_large``, ``not_json``,
    ``not_credential``, ``malformed_jwt``, ``wrong_learner``, ``duplicate``. ``message`` is already
    translated into the current locale and never contains a national number.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message
