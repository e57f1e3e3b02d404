"""The development register: a separate program that implements ../shared/ledger-api.md, the contract of the
national learning-account register, for a developer's machine, the demo and the tests.

    python -m devregister [--port 5055] [--host 127.0.0.1] [--store instance/dev-register.sqlite3]
                          [--faults SPEC] [--no-seed] [--today YYYY-MM-DD] [--dev-token TOKEN]

(``flask --app app ledger devserver`` starts the same program with the app's instance folder.)

It imports nothing from the app (``ila_sme``): the two share only the contract, which each side reads for
itself (``contract.py`` here, ``ila_sme/register/client.py`` there), and the demo's tokens and people, which
this program keeps in its own data file.

- ``app.py``: the WSGI app (werkzeug) with the contract's endpoints; ``serve`` runs it threaded.
- ``dev.py``: dev-only endpoints ``/_dev/portal-booking``, ``/_dev/amend``, ``/_dev/forget`` behind a dev
  token, which the app's demo seed uses over HTTP for what happens at the register itself.
- ``store.py``: its own SQLite store (WAL; one ``BEGIN IMMEDIATE`` transaction per write).
- ``seed.py`` and ``demo_data.json``: the demo employers (token ``demo-token-<enterprise number>``), their
  staff with a public credit, the platform token ``demo-platform-token``, and 330 registry trainings.
- ``faults.py``: injected faults (``--faults`` or ``LEDGER_FAULTS``): latency, 429/503 with Retry-After, a
  dropped connection after commit, an answer slower than the client's timeout.
- ``contract.py``: the contract's shapes as this register reads them (amounts, periods, identifiers, entries).
"""
