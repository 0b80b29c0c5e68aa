"""The least a Flask app served by gunicorn can do: answer every GET and POST with 200 "ok".

bench/http.py serves it with the same gunicorn set-up as prefcenter, so the difference between
the two is the cost of the application's own work.

    gunicorn bench.baseline_app:app --workers 2 --threads 4 --bind 127.0.0.1:8001
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def anything(path: str) -> str:
    return "ok"
