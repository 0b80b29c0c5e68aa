"""POST /api/v1/suppressions/check: may these addresses be sent this category?"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from prefcenter.extensions import db
from prefcenter.models import Suppression
from tests.factories import make_contact, make_suppression


def check(api: FlaskClient, category: str, emails: list[str]) -> Any:
    response = api.post("/api/v1/suppressions/check", json={"category": category, "emails": emails})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def one_click_unsubscribe(app: Flask, api: FlaskClient, email: str, category: str) -> None:
    """The recipient's own one-click POST, with the URL the API handed the sender."""
    links = api.post("/api/v1/headers", json={"email": email, "category": category}).get_json()
    response = app.test_client().post(urlsplit(links["unsubscribe_url"]).path)
    assert response.status_code == 200


def test_splits_in_input_order(api: FlaskClient) -> None:
    make_suppression("b@example.com", "marketing")
    make_suppression("e@example.com", "all")
    emails = [
        "e@example.com",
        "a@example.com",
        "not-an-email",
        "b@example.com",
        "d@example.com",
        "",
        "c@example.com",
    ]
    assert check(api, "marketing", emails) == {
        "sendable": ["a@example.com", "d@example.com", "c@example.com"],
        "suppressed": ["e@example.com", "b@example.com"],
        "invalid": ["not-an-email", ""],
    }


def test_addresses_are_answered_as_given_and_matched_in_any_case(api: FlaskClient) -> None:
    make_suppression("jane@example.com", "marketing")
    emails = ["JANE@Example.COM", " jane@example.com", "john@EXAMPLE.com"]
    assert check(api, "marketing", emails) == {
        "sendable": ["john@EXAMPLE.com"],
        "suppressed": ["JANE@Example.COM", " jane@example.com"],
        "invalid": [],
    }


def test_one_click_unsubscribe_suppresses_only_that_category(app: Flask, api: FlaskClient) -> None:
    """standards C16, C18: effective at once, for marketing only; service updates still go."""
    make_contact("jane@example.com")
    make_contact("john@example.com")
    emails = ["jane@example.com", "john@example.com"]
    assert check(api, "marketing", emails)["suppressed"] == []

    one_click_unsubscribe(app, api, "jane@example.com", "marketing")

    assert check(api, "marketing", emails) == {
        "sendable": ["john@example.com"],
        "suppressed": ["jane@example.com"],
        "invalid": [],
    }
    for category in ("updates", "promotional"):
        assert check(api, category, emails)["sendable"] == emails
    assert db.session.scalars(select(Suppression.scope)).all() == ["marketing"]


@pytest.mark.parametrize("category", ["marketing", "updates", "promotional"])
def test_all_scope_blocks_every_category(api: FlaskClient, category: str) -> None:
    """standards F40: an objection to all mail blocks every category."""
    make_suppression("jane@example.com", "all")
    result = check(api, category, ["jane@example.com", "john@example.com"])
    assert (result["sendable"], result["suppressed"]) == (
        ["john@example.com"],
        ["jane@example.com"],
    )


def test_suppression_outlives_the_contact(api: FlaskClient) -> None:
    """standards E31, F40: the hashed entry blocks an address that has no contact row."""
    make_suppression("gone@example.com", "all")
    assert check(api, "updates", ["gone@example.com"])["suppressed"] == ["gone@example.com"]


def test_check_changes_nothing(api: FlaskClient) -> None:
    make_suppression("jane@example.com", "marketing")
    check(api, "marketing", ["jane@example.com", "new@example.com"])
    assert db.session.scalar(select(func.count()).select_from(Suppression)) == 1


def test_empty_list(api: FlaskClient) -> None:
    assert check(api, "marketing", []) == {"sendable": [], "suppressed": [], "invalid": []}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"category": "newsletter", "emails": ["jane@example.com"]}, "unknown_category"),
        ({"category": "all", "emails": ["jane@example.com"]}, "unknown_category"),
        ({"emails": ["jane@example.com"]}, "validation_failed"),
        ({"category": "marketing"}, "validation_failed"),
        ({"category": "marketing", "emails": "jane@example.com"}, "validation_failed"),
        ({"category": "marketing", "emails": [None]}, "validation_failed"),
        ({"category": "marketing", "emails": [], "extra": True}, "validation_failed"),
    ],
)
def test_bad_requests(api: FlaskClient, body: dict[str, Any], error: str) -> None:
    response = api.post("/api/v1/suppressions/check", json=body)
    assert response.status_code == 422
    assert response.get_json()["error"] == error


def test_body_that_is_not_json(api: FlaskClient) -> None:
    response = api.post("/api/v1/suppressions/check", data="category=marketing")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"


@pytest.mark.parametrize("config_overrides", [{"API_BATCH_LIMIT": 3}])
@pytest.mark.parametrize(("size", "status"), [(3, 200), (4, 422)])
def test_batch_limit(
    api: FlaskClient, config_overrides: dict[str, Any], size: int, status: int
) -> None:
    emails = [f"r{i}@example.com" for i in range(size)]
    response = api.post(
        "/api/v1/suppressions/check", json={"category": "marketing", "emails": emails}
    )
    assert response.status_code == status
    body = response.get_json()
    if status == 200:
        assert body["sendable"] == emails
    else:
        assert (body["error"], body["limit"]) == ("too_many", 3)


def test_many_addresses_across_query_chunks(api: FlaskClient) -> None:
    """Addresses are looked up in chunks; entries in every chunk are still found."""
    emails = [f"r{i:04d}@example.com" for i in range(1_200)]
    blocked = [emails[0], emails[499], emails[500], emails[1_199]]
    for email in blocked:
        make_suppression(email, "marketing")
    result = check(api, "marketing", emails)
    assert result["suppressed"] == blocked
    assert result["sendable"] == [e for e in emails if e not in blocked]
