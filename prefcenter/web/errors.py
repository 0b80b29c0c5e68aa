"""One place that turns every error into an HTML page or a JSON body with a stable `error` code."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from prefcenter.errors import DomainError
from prefcenter.extensions import db, retry_after

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "30"

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def wants_json() -> bool:
    """Machine clients get JSON: the API, the health check, and whoever prefers JSON."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def render_error(
    status: int, code: str, title: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    if wants_json():
        body: dict[str, Any] = {"error": code, "message": message}
        body.update(details or {})
        response = jsonify(body)
    else:
        response = Response(
            render_template(
                "errors/error.html", status=status, code=code, title=title, message=message
            ),
            mimetype="text/html",
        )
    response.status_code = status
    return response


def _domain_error(exc: DomainError) -> Response:
    db.session.rollback()
    return render_error(exc.status, exc.code, exc.title, exc.message, exc.details)


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    response = render_error(
        status, HTTP_CODES.get(status, "http_error"), exc.name, exc.description or exc.name
    )
    # Keep what werkzeug says about the error itself, such as Allow on a 405.
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    if status == 429:  # a rate limit (console sign-in): say when to come back
        response.headers.setdefault("Retry-After", str(retry_after()))
    return response


def _database_unavailable(exc: DBAPIError) -> Response:
    # A lost or locked database is temporary: tell the client to retry, never show the error.
    db.session.rollback()
    log.warning("database unavailable: %s", type(exc.orig).__name__)
    response = render_error(
        503,
        "temporarily_unavailable",
        "Please try again in a moment",
        "The service is briefly unavailable. Nothing was changed; please try again.",
    )
    response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def _conflict(exc: IntegrityError) -> Response:
    # Two requests wrote the same thing at the same moment; this one lost and changed nothing.
    db.session.rollback()
    return render_error(
        409,
        "conflict",
        "Please try again",
        "Another request changed this at the same moment. Nothing was changed; please retry.",
    )


def _unstorable(exc: DataError) -> Response:
    # A value the database refuses to hold (PostgreSQL text cannot hold a NUL): the client's doing.
    db.session.rollback()
    log.warning("refused a value the database cannot store: %s", type(exc.orig).__name__)
    return render_error(
        400,
        "bad_request",
        "This cannot be saved",
        "A value in the request holds a character that cannot be stored. Nothing was changed.",
    )


def _unexpected(exc: Exception) -> Response:
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return render_error(
        500,
        "internal_error",
        "Something went wrong on our side",
        "Nothing was changed. Please try again later.",
    )


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(IntegrityError, _conflict)
    app.register_error_handler(DataError, _unstorable)
    app.register_error_handler(Exception, _unexpected)
