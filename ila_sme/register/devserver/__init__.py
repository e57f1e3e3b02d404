"""The development register: a separate process that implements ../shared/ledger-api.md.

    flask --app app ledger devserver [--port 5055] [--host 127.0.0.1] [--db PATH] [--faults SPEC] [--no-seed]
    python -m ila_sme.register.devserver  (the same options, without the Flask app)

``app`` is the WSGI app, ``store`` its SQLite store, ``seed`` the demo data, ``faults`` the injected faults.
"""
