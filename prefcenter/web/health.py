"""Liveness for load balancers and process managers."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from prefcenter.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
