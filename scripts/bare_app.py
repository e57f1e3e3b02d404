"""The reference of the benchmarks: a bare Flask route, served by gunicorn with the app's own settings.

    gunicorn --pythonpath scripts bare_app:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def bare() -> str:
    return "ok"
