"""The OpenAPI document: valid, public, in step with the routes and with what the API answers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, ValidationError
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.wrappers import Response

from prefcenter.web.api.schema import SPEC_PATH
from tests.factories import make_contact, make_suppression

PREFIX = "/api/v1"
SPEC_URI = "urn:test:openapi"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def load_spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


SPEC = load_spec()
REGISTRY = Registry().with_resource(
    SPEC_URI, Resource.from_contents(SPEC, default_specification=DRAFT202012)
)


def pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def documented_response(path: str, method: str, status: int) -> tuple[dict[str, Any], str]:
    """The response object documented for (path, method, status) and its JSON pointer."""
    responses = SPEC["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} answers {status}, which is not documented"
    found = responses[str(status)]
    at = pointer("paths", path, method.lower(), "responses", str(status))
    if "$ref" in found:
        at = found["$ref"]
        found = REGISTRY.resolver(SPEC_URI).lookup(at).contents
    return found, at


def assert_documented(path: str, method: str, response: Response) -> None:
    """The response's status and content type are documented and its body fits the schema."""
    documented, at = documented_response(path, method, response.status_code)
    assert response.mimetype in documented["content"]
    if "schema" in documented["content"][response.mimetype]:
        schema_at = at + "/" + "/".join(["content", "application~1json", "schema"])
        validator = Draft202012Validator(
            {"$ref": SPEC_URI + schema_at},
            registry=REGISTRY,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        validator.validate(response.get_json())


def flask_routes(app: Flask) -> set[tuple[str, str]]:
    """(OpenAPI path, METHOD) for every /api/v1 route Flask serves."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
            routes |= {(path, m) for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    return routes


def test_document_is_served_without_a_key_and_is_valid(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert document == load_spec()
    validate_spec(document)
    assert_documented("/openapi.json", "get", response)


def test_server_prefix_matches_the_blueprint() -> None:
    assert [server["url"] for server in SPEC["servers"]] == [PREFIX]


def test_every_route_is_documented_and_every_operation_is_served(app: Flask) -> None:
    documented = {
        (path, method.upper())
        for path, item in SPEC["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    served = flask_routes(app)
    assert ("/contacts/{email}", "GET") in served
    assert served - documented == set(), "routes missing from openapi.json"
    assert documented - served == set(), "operations in openapi.json that no route serves"


def test_path_parameters_are_documented() -> None:
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert names == set(re.findall(r"{([^}]+)}", path)), (method, path)


def test_only_the_document_itself_is_public() -> None:
    assert SPEC["security"] == [{"bearer": []}]
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if path == "/openapi.json":
                assert operation["security"] == []
            else:
                assert "security" not in operation, (method, path)
                assert "401" in operation["responses"], (method, path)


def test_documented_limit_bounds_are_enforced(api: FlaskClient) -> None:
    [limit] = [p for p in SPEC["paths"]["/contacts"]["get"]["parameters"] if p["name"] == "limit"]
    bounds = limit["schema"]
    assert api.get(f"/api/v1/contacts?limit={bounds['minimum']}").status_code == 200
    assert api.get(f"/api/v1/contacts?limit={bounds['maximum']}").status_code == 200
    assert api.get(f"/api/v1/contacts?limit={bounds['minimum'] - 1}").status_code == 422
    assert api.get(f"/api/v1/contacts?limit={bounds['maximum'] + 1}").status_code == 422


@pytest.mark.parametrize(
    ("path", "method", "status", "body"),
    [
        ("/contacts/{email}", "get", 200, {}),
        ("/contacts/{email}", "get", 200, {"email": "jane@example.com"}),
        ("/contacts", "post", 201, {"email": "jane@example.com", "created": True}),
        ("/headers", "post", 200, {"items": [{"email": "jane@example.com"}], "total": 1}),
        ("/headers", "post", 200, {"items": [], "total": 0, "next": "abc"}),
        ("/suppressions/check", "post", 200, {"sendable": [1], "suppressed": [], "invalid": []}),
        ("/contacts", "get", 422, {"message": "no code"}),
    ],
)
def test_response_check_rejects_bodies_that_do_not_fit(
    path: str, method: str, status: int, body: dict[str, Any]
) -> None:
    """The helper below is not vacuous: bodies that break the documented schema fail it."""
    response = Response(json.dumps(body), status, mimetype="application/json")
    with pytest.raises(ValidationError):
        assert_documented(path, method, response)


def test_response_check_rejects_undocumented_status() -> None:
    response = Response("{}", 418, mimetype="application/json")
    with pytest.raises(AssertionError, match="not documented"):
        assert_documented("/categories", "get", response)


# (documented path, method, URL, JSON body, status) for the calls a sender typically makes.
TYPICAL_CALLS = [
    ("/categories", "get", "/api/v1/categories", None, 200),
    ("/contacts", "get", "/api/v1/contacts", None, 200),
    ("/contacts", "get", "/api/v1/contacts?limit=1", None, 200),
    ("/contacts", "get", "/api/v1/contacts?limit=0", None, 422),
    ("/contacts", "post", "/api/v1/contacts", {"email": "new@example.com", "name": None}, 201),
    (
        "/contacts",
        "post",
        "/api/v1/contacts",
        {"email": "Jane@example.com", "categories": ["marketing"], "wording_version": "v2"},
        200,
    ),
    (
        "/contacts",
        "post",
        "/api/v1/contacts",
        {"email": "kept@example.com", "categories": ["marketing", "updates"]},
        201,
    ),
    ("/contacts", "post", "/api/v1/contacts", {"email": "gone@example.com"}, 409),
    ("/contacts", "post", "/api/v1/contacts", {"email": "x@example.com", "y": 1}, 422),
    ("/contacts", "post", "/api/v1/contacts", {"email": "not-an-email"}, 422),
    ("/contacts", "post", "/api/v1/contacts", "not json", 400),
    ("/contacts/{email}", "get", "/api/v1/contacts/JANE@example.com", None, 200),
    ("/contacts/{email}", "get", "/api/v1/contacts/gone@example.com", None, 200),
    ("/contacts/{email}", "get", "/api/v1/contacts/ghost@example.com", None, 404),
    ("/contacts/{email}", "get", "/api/v1/contacts/not-an-email", None, 422),
    (
        "/headers",
        "post",
        "/api/v1/headers",
        {"email": "jane@example.com", "category": "marketing"},
        200,
    ),
    (
        "/headers",
        "post",
        "/api/v1/headers",
        {
            "category": "marketing",
            "recipients": ["jane@example.com", "bad", "gone@example.com", "ghost@example.com"],
        },
        200,
    ),
    (
        "/headers",
        "post",
        "/api/v1/headers",
        {"email": "gone@example.com", "category": "marketing"},
        409,
    ),
    (
        "/headers",
        "post",
        "/api/v1/headers",
        {"email": "ghost@example.com", "category": "marketing"},
        404,
    ),
    ("/headers", "post", "/api/v1/headers", {"email": "jane@example.com"}, 422),
    (
        "/suppressions/check",
        "post",
        "/api/v1/suppressions/check",
        {"category": "marketing", "emails": ["jane@example.com", "gone@example.com", "bad"]},
        200,
    ),
    (
        "/suppressions/check",
        "post",
        "/api/v1/suppressions/check",
        {"category": "nope", "emails": []},
        422,
    ),
]


@pytest.mark.parametrize(
    ("path", "method", "url", "body", "status"),
    TYPICAL_CALLS,
    ids=[f"{c[1]} {c[2]} {c[4]}" for c in TYPICAL_CALLS],
)
def test_typical_responses_fit_the_document(
    api: FlaskClient, path: str, method: str, url: str, body: Any, status: int
) -> None:
    make_contact("jane@example.com")
    make_contact("gone@example.com")
    make_contact("other@example.com")
    make_suppression("gone@example.com", "all")
    make_suppression("kept@example.com", "marketing")
    if isinstance(body, str):
        response = api.open(url, method=method, data=body, content_type="text/plain")
    else:
        response = api.open(url, method=method, json=body)
    assert response.status_code == status, response.get_json()
    assert_documented(path, method, response)


@pytest.mark.parametrize(("path", "method", "url"), sorted({c[:3] for c in TYPICAL_CALLS}))
def test_unauthorized_responses_fit_the_document(
    client: FlaskClient, path: str, method: str, url: str
) -> None:
    response = client.open(url, method=method, json={})
    assert response.status_code == 401
    assert_documented(path, method, response)
