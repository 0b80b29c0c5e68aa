"""API keys: every /api/v1 route but the OpenAPI document needs a live key, stored only hashed."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from prefcenter.extensions import db
from prefcenter.models import (
    ApiKey,
    ConsentEvent,
    Contact,
    Subscription,
    Suppression,
    WebhookEndpoint,
)
from prefcenter.services import api_keys, webhooks
from tests.factories import make_api_key, make_contact
from tests.inbound import compose, receive

PUBLIC_ROUTES = {"/api/v1/openapi.json"}

# Bodies that a valid key turns into a success, so a route that forgot the check would show it.
BODIES: dict[str, dict[str, Any]] = {
    "/api/v1/contacts": {"email": "new@example.com", "categories": ["marketing"]},
    "/api/v1/headers": {"email": "jane@example.com", "category": "marketing"},
    "/api/v1/suppressions/check": {"category": "marketing", "emails": ["jane@example.com"]},
    "/api/v1/webhooks": {"url": "http://127.0.0.1:9/hook", "events": ["consent.changed"]},
}


def protected_calls(
    app: Flask, reference: str = "PR-0000-0000", webhook_id: int = 1
) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(method, url, body) for every method of every /api/v1 route that needs a key; deletions
    last, so that what they delete is there for the other calls."""
    values = {"email": "jane@example.com", "reference": reference, "webhook_id": webhook_id}
    adapter = app.url_map.bind("localhost")
    calls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule in PUBLIC_ROUTES:
            continue
        url = adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            calls.append((method, url, BODIES.get(rule.rule, {}) if method == "POST" else None))
    return sorted(calls, key=lambda call: call[0] == "DELETE")


def table_counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Contact, Subscription, ConsentEvent, Suppression, WebhookEndpoint)
    }


def test_route_walk_finds_the_api(app: Flask) -> None:
    """The walk below covers the routes we know of, so an empty walk can't pass silently."""
    urls = {(method, url) for method, url, _ in protected_calls(app)}
    assert urls >= {
        ("GET", "/api/v1/categories"),
        ("GET", "/api/v1/contacts"),
        ("POST", "/api/v1/contacts"),
        ("GET", "/api/v1/contacts/jane@example.com"),
        ("POST", "/api/v1/headers"),
        ("POST", "/api/v1/suppressions/check"),
        ("GET", "/api/v1/requests"),
        ("GET", "/api/v1/requests/PR-0000-0000"),
        ("GET", "/api/v1/inbound"),
        ("GET", "/api/v1/events"),
        ("POST", "/api/v1/webhooks"),
        ("GET", "/api/v1/webhooks/1/deliveries"),
        ("DELETE", "/api/v1/webhooks/1"),
    }


def test_every_route_works_with_a_valid_key(app: Flask, api: FlaskClient) -> None:
    make_contact("jane@example.com")
    reference = receive(compose("Please delete my data.")).requests[0].reference
    endpoint, _ = webhooks.add("http://127.0.0.1:9/existing")
    db.session.commit()
    for method, url, body in protected_calls(app, reference, endpoint.id):
        response = api.open(url, method=method, json=body)
        assert response.status_code < 300, (method, url, response.get_json())


BAD_AUTHORIZATION = {
    "no header": None,
    "empty": "",
    "scheme only": "Bearer",
    "scheme and space": "Bearer ",
    "unknown key": "Bearer pck_" + "x" * 43,
    "truncated key": "Bearer {key_minus_one}",
    "key without scheme": "{key}",
    "basic scheme": "Basic {key}",
    "token scheme": "Token {key}",
}


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION.values(), ids=BAD_AUTHORIZATION.keys())
def test_every_route_refuses_a_missing_or_wrong_key(
    app: Flask, client: FlaskClient, api_key: str, authorization: str | None
) -> None:
    make_contact("jane@example.com")
    before = table_counts()
    headers = {}
    if authorization is not None:
        headers["Authorization"] = authorization.format(key=api_key, key_minus_one=api_key[:-1])
    for method, url, body in protected_calls(app):
        response = client.open(url, method=method, json=body, headers=headers)
        assert response.status_code == 401, (method, url)
        assert response.get_json()["error"] == "unauthorized"
        assert response.get_json()["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert table_counts() == before


def test_every_route_refuses_a_revoked_key(app: Flask, client: FlaskClient) -> None:
    make_contact("jane@example.com")
    key = make_api_key("old-sender")
    assert api_keys.revoke("old-sender")
    before = table_counts()
    for method, url, body in protected_calls(app):
        response = client.open(
            url, method=method, json=body, headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 401, (method, url)
        assert response.get_json()["error"] == "unauthorized"
    assert table_counts() == before
    row = db.session.scalar(select(ApiKey).where(ApiKey.name == "old-sender"))
    assert row is not None and row.revoked_at is not None


def test_revoking_one_key_leaves_others_working(client: FlaskClient, api_key: str) -> None:
    other = make_api_key("other-sender")
    assert api_keys.revoke("other-sender")
    ok = client.get("/api/v1/categories", headers={"Authorization": f"Bearer {api_key}"})
    refused = client.get("/api/v1/categories", headers={"Authorization": f"Bearer {other}"})
    assert (ok.status_code, refused.status_code) == (200, 401)


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_auth_scheme_is_case_insensitive(client: FlaskClient, api_key: str, scheme: str) -> None:
    """RFC 9110 11.1: the scheme name is case-insensitive; the key itself is not."""
    response = client.get("/api/v1/categories", headers={"Authorization": f"{scheme} {api_key}"})
    assert response.status_code == 200


def test_key_is_case_sensitive(client: FlaskClient, api_key: str) -> None:
    swapped = api_key[:4] + api_key[4:].swapcase()
    assert swapped != api_key
    response = client.get("/api/v1/categories", headers={"Authorization": f"Bearer {swapped}"})
    assert response.status_code == 401


def test_keys_are_stored_hashed(app: Flask) -> None:
    """The api_key table never holds the plaintext key."""
    keys = [make_api_key("one"), make_api_key("two")]
    rows = db.session.execute(text("SELECT * FROM api_key")).all()
    assert len(rows) == 2
    stored = " ".join(str(value) for row in rows for value in row)
    for key in keys:
        assert key not in stored
    hashes = {row.key_hash for row in db.session.scalars(select(ApiKey))}
    assert len(hashes) == 2 and not hashes & set(keys)
