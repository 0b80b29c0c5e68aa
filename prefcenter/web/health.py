"""Liveness for load balancers and process managers."""

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from prefcenter.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
