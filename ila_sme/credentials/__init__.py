"""Micro-credentials: read Open Badges 2.0/3.0 and European Digital Credentials, map the EU standard
elements (Annex I of 2022/C 243/02), check their proofs offline, and build signed ones for tests and the demo.

- ``formats.parse(data)`` reads an upload into a ``Parsed`` (format, ``Elements``, document) or raises
  ``CredentialError`` with a message fit for the person who uploaded it.
- ``verification.verify(parsed, today=...)`` gives a ``Verification`` (state, plain-language reason).
- ``matching`` checks the learner and finds duplicates; ``issuing`` builds and signs credentials.

Nothing here fetches a URL: JSON-LD contexts come only from ``contexts/`` (see its README).
"""
