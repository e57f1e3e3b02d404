"""WSGI entry point: ``flask --app app …`` and ``gunicorn app:app``."""

from ila_sme.factory import create_app

app = create_app()
