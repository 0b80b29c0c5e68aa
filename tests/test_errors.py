"""Bad input and faults get a clear page or JSON error with a stable code: never a stack trace."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from prefcenter import create_app
from prefcenter.services.tokens import Purpose, TokenSubject, token_service
from tests.conftest import base_config


def test_unknown_page_is_a_friendly_html_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Traceback" not in response.text


def test_unknown_api_path_is_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code in (401, 404)
    assert response.is_json and "error" in response.json


def test_oversized_body_is_refused_with_413(api: FlaskClient) -> None:
    response = api.post(
        "/api/v1/suppressions/check",
        data=b"x" * (9 * 1024 * 1024),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json["error"] == "too_large"


@pytest.fixture
def app_without_database(tmp_path: Path) -> Flask:
    # SQLite cannot open a directory as a database: a real "database unavailable" fault.
    return create_app(base_config(tmp_path, f"sqlite:///{tmp_path}"))


def test_database_outage_answers_503_with_retry_after(app_without_database: Flask) -> None:
    response = app_without_database.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.json["error"] == "temporarily_unavailable"
    assert "sqlite" not in response.text.lower()


def test_one_click_during_an_outage_says_try_again(app_without_database: Flask) -> None:
    # A real token, so the request gets as far as the database.
    with app_without_database.app_context():
        token = token_service().sign(Purpose.UNSUBSCRIBE, TokenSubject("abc", "marketing"))
    response = app_without_database.test_client().post(f"/u/{token}")
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert "try again" in response.text
    assert "Traceback" not in response.text


def test_unexpected_error_shows_no_internals(app: Flask) -> None:
    def broken() -> str:
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/broken", view_func=broken)
    app.add_url_rule("/api/v1/broken", view_func=broken, endpoint="api_broken")
    page = app.test_client().get("/broken")
    assert page.status_code == 500
    assert "secret internal detail" not in page.text
    api = app.test_client().get("/api/v1/broken")
    assert api.json["error"] == "internal_error"
    assert "secret internal detail" not in api.text
