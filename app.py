"""WSGI entry point: ``flask --app app …`` and ``gunicorn app:app``."""

from ila_sme import create_app

app = create_app()
