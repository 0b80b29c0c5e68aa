"""POST/GET /api/v1/contacts and GET /api/v1/categories."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from prefcenter.extensions import db
from prefcenter.models import ConsentEvent, Contact, Subscription, Suppression
from prefcenter.services import contacts
from tests.factories import make_contact, make_suppression

CATEGORIES = ["marketing", "updates", "promotional"]


def table_counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Contact, Subscription, ConsentEvent, Suppression)
    }


def events() -> list[ConsentEvent]:
    return list(db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id)))


def subscriptions_of(email: str) -> dict[str, str]:
    return {s.category: s.status for s in contacts.get(email).subscriptions}


# POST /contacts


def test_create_contact(api: FlaskClient) -> None:
    response = api.post(
        "/api/v1/contacts",
        json={
            "email": "Jane.Doe@Example.COM",
            "name": "Jane Doe",
            "categories": ["marketing", "updates"],
            "wording_version": "signup-2024-05",
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {
        "id",
        "email",
        "name",
        "subscriptions",
        "suppressed",
        "suppressed_categories",
        "created",
        "kept_unsubscribed",
        "created_at",
        "updated_at",
    }
    assert body["email"] == "Jane.Doe@example.com"
    assert body["id"] == contacts.get("jane.doe@example.com").uid
    assert body["name"] == "Jane Doe"
    assert body["subscriptions"] == {
        "marketing": "subscribed",
        "updates": "subscribed",
        "promotional": "unsubscribed",
    }
    assert (body["suppressed"], body["suppressed_categories"]) == (False, [])
    assert (body["created"], body["kept_unsubscribed"]) == (True, [])

    row = db.session.scalars(select(Contact)).one()
    assert (row.email, row.email_key, row.name) == (
        "Jane.Doe@example.com",
        "jane.doe@example.com",
        "Jane Doe",
    )
    assert subscriptions_of("jane.doe@example.com") == {
        "marketing": "subscribed",
        "updates": "subscribed",
    }


def test_create_records_one_consent_event_per_category(api: FlaskClient) -> None:
    """standards F37: who (the API key), when, which wording, how (channel api)."""
    api.post(
        "/api/v1/contacts",
        json={
            "email": "jane@example.com",
            "categories": ["marketing", "updates", "marketing"],
            "wording_version": "signup-v3",
        },
    )
    contact = contacts.get("jane@example.com")
    assert [
        (
            e.contact_id,
            e.category,
            e.old_status,
            e.new_status,
            e.channel,
            e.actor,
            e.wording_version,
        )
        for e in events()
    ] == [
        (contact.id, "marketing", None, "subscribed", "api", "api_key:sender", "signup-v3"),
        (contact.id, "updates", None, "subscribed", "api", "api_key:sender", "signup-v3"),
    ]


@pytest.mark.parametrize(
    "second", ["jane.doe@example.com", "JANE.DOE@EXAMPLE.COM", "  Jane.Doe@example.com "]
)
def test_same_address_in_any_case_updates_the_one_contact(api: FlaskClient, second: str) -> None:
    first = api.post("/api/v1/contacts", json={"email": "Jane.Doe@Example.com", "name": "Jane"})
    assert first.status_code == 201
    response = api.post(
        "/api/v1/contacts", json={"email": second, "name": "Jane D.", "categories": ["updates"]}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["created"] is False
    assert body["email"] == "Jane.Doe@example.com"
    assert body["name"] == "Jane D."
    assert body["subscriptions"]["updates"] == "subscribed"
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1
    assert db.session.scalars(select(Contact.name)).one() == "Jane D."


def test_repeating_a_post_records_no_new_consent(api: FlaskClient) -> None:
    body = {"email": "jane@example.com", "categories": ["marketing"], "wording_version": "v1"}
    assert api.post("/api/v1/contacts", json=body).status_code == 201
    assert api.post("/api/v1/contacts", json=body).status_code == 200
    assert len(events()) == 1


def test_post_without_categories_leaves_subscriptions_alone(api: FlaskClient) -> None:
    make_contact("jane@example.com", categories=["marketing"])
    before = table_counts()
    response = api.post("/api/v1/contacts", json={"email": "jane@example.com"})
    assert response.status_code == 200
    assert response.get_json()["subscriptions"]["marketing"] == "subscribed"
    assert table_counts() == before


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_address_suppressed_for_all_mail_is_refused(api: FlaskClient, existing: bool) -> None:
    """standards D23, F40: an opt-out for all mail can't be undone by an API call."""
    if existing:
        make_contact("jane@example.com", categories=["updates"], name="Jane")
    make_suppression("jane@example.com", "all")
    before = table_counts()
    response = api.post(
        "/api/v1/contacts",
        json={"email": "JANE@example.com", "name": "New name", "categories": CATEGORIES},
    )
    assert response.status_code == 409
    assert response.get_json()["error"] == "suppressed"
    assert table_counts() == before
    if existing:
        assert subscriptions_of("jane@example.com") == {"updates": "subscribed"}
        assert contacts.get("jane@example.com").name == "Jane"


def test_category_suppression_keeps_that_category_unsubscribed(api: FlaskClient) -> None:
    """standards D23, F40: a category opt-out survives re-registration; the others subscribe."""
    make_suppression("jane@example.com", "marketing", reason="unsubscribe")
    response = api.post(
        "/api/v1/contacts", json={"email": "jane@example.com", "categories": CATEGORIES}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["kept_unsubscribed"] == ["marketing"]
    assert body["suppressed_categories"] == ["marketing"]
    assert body["suppressed"] is False
    assert body["subscriptions"] == {
        "marketing": "unsubscribed",
        "updates": "subscribed",
        "promotional": "subscribed",
    }
    assert subscriptions_of("jane@example.com") == {
        "updates": "subscribed",
        "promotional": "subscribed",
    }
    assert {e.category for e in events()} == {"updates", "promotional"}


def test_api_cannot_undo_a_one_click_unsubscribe(app: Flask, api: FlaskClient) -> None:
    """standards D23, F40: re-registering after a real one-click unsubscribe keeps it."""
    make_contact("jane@example.com")
    links = api.post(
        "/api/v1/headers", json={"email": "jane@example.com", "category": "marketing"}
    ).get_json()
    assert app.test_client().post(urlsplit(links["unsubscribe_url"]).path).status_code == 200
    before = len(events())
    response = api.post(
        "/api/v1/contacts", json={"email": "Jane@Example.com", "categories": ["marketing"]}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["kept_unsubscribed"] == ["marketing"]
    assert body["subscriptions"]["marketing"] == "unsubscribed"
    assert subscriptions_of("jane@example.com")["marketing"] == "unsubscribed"
    assert len(events()) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "(body)"),
        ({"name": "Jane"}, "(body)"),
        ([], "(body)"),
        ("jane@example.com", "(body)"),
        ({"email": 5}, "email"),
        ({"email": ""}, "email"),
        ({"email": None}, "email"),
        ({"email": "jane@example.com", "name": 5}, "name"),
        ({"email": "jane@example.com", "categories": "marketing"}, "categories"),
        ({"email": "jane@example.com", "categories": [1]}, "categories.0"),
        ({"email": "jane@example.com", "wording_version": 2}, "wording_version"),
        ({"email": "jane@example.com", "subscribed": True}, "(body)"),
    ],
)
def test_invalid_body_is_refused_with_fields(api: FlaskClient, body: Any, field: str) -> None:
    before = table_counts()
    response = api.post("/api/v1/contacts", json=body)
    assert response.status_code == 422
    payload = response.get_json()
    assert payload["error"] == "validation_failed"
    assert field in payload["fields"]
    assert table_counts() == before


@pytest.mark.parametrize("email", ["not-an-email", "jane@", "@example.com", "jane@@example.com"])
def test_invalid_address_is_refused(api: FlaskClient, email: str) -> None:
    before = table_counts()
    response = api.post("/api/v1/contacts", json={"email": email, "categories": ["marketing"]})
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_email"
    assert table_counts() == before


def test_unknown_category_is_refused_and_nothing_is_written(api: FlaskClient) -> None:
    before = table_counts()
    response = api.post(
        "/api/v1/contacts", json={"email": "jane@example.com", "categories": ["marketing", "nope"]}
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "unknown_category"
    assert body["allowed"] == CATEGORIES
    assert table_counts() == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("email=jane@example.com", "application/x-www-form-urlencoded"),
        ('{"email": "jane@example.com"', "application/json"),
        ('{"email": "jane@example.com"}', "text/plain"),
        ("", "application/json"),
        ("null", "application/json"),
    ],
)
def test_body_that_is_not_json_is_refused(api: FlaskClient, data: str, content_type: str) -> None:
    before = table_counts()
    response = api.post("/api/v1/contacts", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"
    assert table_counts() == before


# GET /contacts/<email>


@pytest.mark.parametrize("path_email", ["jane@example.com", "JANE@Example.Com"])
def test_get_contact_in_any_case(api: FlaskClient, path_email: str) -> None:
    make_contact("jane@example.com", categories=["updates"], name="Jane")
    response = api.get(f"/api/v1/contacts/{path_email}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == "jane@example.com"
    assert body["name"] == "Jane"
    assert body["subscriptions"] == {
        "marketing": "unsubscribed",
        "updates": "subscribed",
        "promotional": "unsubscribed",
    }
    assert (body["suppressed"], body["suppressed_categories"]) == (False, [])


@pytest.mark.parametrize(
    ("scopes", "suppressed", "categories"),
    [
        (["all"], True, []),
        (["promotional", "marketing"], False, ["marketing", "promotional"]),
        (["all", "updates"], True, ["updates"]),
    ],
)
def test_get_contact_shows_suppressions(
    api: FlaskClient, scopes: list[str], suppressed: bool, categories: list[str]
) -> None:
    make_contact("jane@example.com")
    for scope in scopes:
        make_suppression("jane@example.com", scope)
    body = api.get("/api/v1/contacts/jane@example.com").get_json()
    assert (body["suppressed"], body["suppressed_categories"]) == (suppressed, categories)


def test_get_unknown_contact(api: FlaskClient) -> None:
    make_contact("jane@example.com")
    response = api.get("/api/v1/contacts/john@example.com")
    assert response.status_code == 404
    assert response.get_json()["error"] == "contact_not_found"


def test_get_contact_with_invalid_address(api: FlaskClient) -> None:
    response = api.get("/api/v1/contacts/not-an-address")
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_email"


# GET /contacts


def test_list_contacts_in_pages(api: FlaskClient) -> None:
    emails = [f"person{i}@example.com" for i in range(5)]
    for email in emails:
        make_contact(email)
    seen: list[str] = []
    pages = 0
    url = "/api/v1/contacts?limit=2"
    while True:
        response = api.get(url)
        assert response.status_code == 200
        body = response.get_json()
        assert body["total"] == 5
        assert len(body["items"]) <= 2
        seen += [item["email"] for item in body["items"]]
        pages += 1
        if body["next"] is None:
            break
        url = f"/api/v1/contacts?limit=2&cursor={body['next']}"
    assert seen == emails
    assert pages == 3


def test_list_contacts_default_page(api: FlaskClient) -> None:
    make_contact("jane@example.com", categories=["marketing"])
    body = api.get("/api/v1/contacts").get_json()
    assert body["total"] == 1 and body["next"] is None
    [item] = body["items"]
    assert item["email"] == "jane@example.com"
    assert item["subscriptions"]["marketing"] == "subscribed"


def test_list_contacts_when_there_are_none(api: FlaskClient) -> None:
    assert api.get("/api/v1/contacts").get_json() == {"items": [], "total": 0, "next": None}


@pytest.mark.parametrize("query", ["limit=1", "limit=500", "limit=", "cursor="])
def test_page_arguments_accepted(api: FlaskClient, query: str) -> None:
    assert api.get(f"/api/v1/contacts?{query}").status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=2.5", "limit"),
        ("cursor=abc", "cursor"),
        ("limit=2&cursor=x1", "cursor"),
    ],
)
def test_bad_page_arguments(api: FlaskClient, query: str, field: str) -> None:
    response = api.get(f"/api/v1/contacts?{query}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "validation_failed"
    assert set(body["fields"]) == {field}


# GET /categories


def test_list_categories(api: FlaskClient) -> None:
    response = api.get("/api/v1/categories")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["total"], body["next"]) == (3, None)
    assert [item["key"] for item in body["items"]] == CATEGORIES
    for item in body["items"]:
        assert set(item) == {"key", "label", "description", "list_id"}
        assert item["label"] and item["description"]
        assert item["list_id"] == f"{item['key']}.example.com"
