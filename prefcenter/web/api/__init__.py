"""JSON API for sending systems, under /api/v1, authenticated with bearer API keys."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from prefcenter.errors import DomainError, ValidationFailed
from prefcenter.services import api_keys
from prefcenter.web.api.schema import spec, validate

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.openapi"}


class NotJson(DomainError):
    status = 400
    code = "invalid_json"
    title = "The body must be JSON"


@bp.before_request
def require_api_key() -> None:
    if request.endpoint not in PUBLIC_ENDPOINTS:
        g.api_key = api_keys.authenticate(request.headers.get("Authorization"))


@bp.after_request
def challenge(response: Response) -> Response:
    # RFC 9110 11.6.1: a 401 must say which authentication scheme would be accepted.
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="prefcenter"')
    return response


def request_json() -> Any:
    data = request.get_json(silent=True)
    if data is None:
        raise NotJson("Send a JSON body with Content-Type: application/json.")
    return data


def json_body(schema_name: str) -> Any:
    """The request's JSON body, checked against a schema of the OpenAPI document."""
    data = request_json()
    validate(schema_name, data)
    return data


class TooMany(DomainError):
    status = 422
    code = "too_many"
    title = "Too many items in one request"


def batch_limit(items: list[str]) -> list[str]:
    """`items`, if there are no more than one batch call may carry."""
    limit = current_app.config["API_BATCH_LIMIT"]
    if len(items) > limit:
        raise TooMany(f"At most {limit} items per request; send the rest in another.", limit=limit)
    return items


DEFAULT_PAGE = 50
MAX_PAGE = 500


def _int_arg(name: str, default: int, problem: str) -> int:
    try:
        return int(request.args.get(name) or default)
    except ValueError:
        raise ValidationFailed({name: problem}) from None


def page_args() -> tuple[int, int]:
    """`limit` and `cursor` query arguments: page size and the `next` value of the last page."""
    limit = _int_arg("limit", DEFAULT_PAGE, "must be a whole number")
    after = _int_arg("cursor", 0, "must be a `next` value")
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed({"limit": f"must be between 1 and {MAX_PAGE}"})
    return limit, after


def actor() -> str:
    return f"api_key:{g.api_key.name}"


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(spec())


from prefcenter.web.api import contacts, events, headers, requests, suppressions, webhooks  # noqa: E402, F401 - registers routes
