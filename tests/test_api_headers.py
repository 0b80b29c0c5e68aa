"""POST /api/v1/headers: list headers and links for one recipient or a batch."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select

from prefcenter.clock import now
from prefcenter.extensions import db
from prefcenter.models import ConsentEvent, Contact, Subscription, Suppression
from prefcenter.services import contacts
from prefcenter.services.addresses import address_hash, normalise
from tests.factories import make_contact, make_suppression

LIST_UNSUBSCRIBE = re.compile(r"^<[^<>\s]+>(\s*,\s*<[^<>\s]+>)*$")
LIST_IDS = {
    "marketing": "Marketing <marketing.example.com>",
    "updates": "Service updates <updates.example.com>",
    "promotional": "Promotions <promotional.example.com>",
}


def headers_for(api: FlaskClient, email: str, category: str = "marketing") -> Any:
    response = api.post("/api/v1/headers", json={"email": email, "category": category})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def unfold(value: str) -> str:
    return re.sub(r"\r\n(?=[ \t])", "", value)


def one_click(app: Flask, url: str) -> int:
    """POST to an unsubscribe URL as a mailbox provider does: no cookies, no auth, no body."""
    return app.test_client().post(urlsplit(url).path).status_code


def statuses(email: str) -> dict[str, str]:
    return {s.category: s.status for s in contacts.get(email).subscriptions}


def suppressions() -> set[tuple[str, str]]:
    return {
        tuple(row)
        for row in db.session.execute(select(Suppression.address_hash, Suppression.scope))
    }


def hash_of(email: str) -> str:
    return address_hash(normalise(email))


# Single recipient


@pytest.mark.parametrize("category", LIST_IDS)
def test_headers_for_one_recipient(api: FlaskClient, category: str) -> None:
    make_contact("jane@example.com")
    body = headers_for(api, "JANE@example.com", category)
    assert (body["email"], body["category"]) == ("jane@example.com", category)
    assert set(body["headers"]) == {"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id"}
    assert body["headers"]["List-Id"] == LIST_IDS[category]  # standards B14
    assert body["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # standards A2
    assert body["unsubscribe_url"].startswith("https://prefs.example.com/u/")
    assert body["preferences_url"].startswith("https://prefs.example.com/p/")
    assert body["unsubscribe_mailto"].startswith("mailto:unsubscribe+")
    assert body["unsubscribe_mailto"].endswith("@example.com")
    assert body["sender_name"] == "Example Shop"


def test_list_unsubscribe_syntax(api: FlaskClient) -> None:
    """standards A1, B11: bracketed, comma-separated; one HTTPS URI (first) and one mailto."""
    make_contact("jane@example.com")
    body = headers_for(api, "jane@example.com")
    value = unfold(body["headers"]["List-Unsubscribe"])
    assert LIST_UNSUBSCRIBE.match(value)
    uris = re.findall(r"<([^<>]+)>", value)
    assert [u for u in uris if u.startswith("https://")] == [body["unsubscribe_url"]]
    assert [u for u in uris if u.startswith("mailto:")] == [body["unsubscribe_mailto"]]
    assert uris == [body["unsubscribe_url"], body["unsubscribe_mailto"]]
    # RFC 5321 4.5.3.1.1: the mailbox local part must fit in 64 octets.
    local_part = body["unsubscribe_mailto"].removeprefix("mailto:").rpartition("@")[0]
    assert len(local_part.encode()) <= 64


def test_postal_address_is_given(api: FlaskClient) -> None:
    """standards D25: every commercial message shows the sender's postal address."""
    make_contact("jane@example.com")
    body = headers_for(api, "jane@example.com")
    assert body["postal_address"] == "1 Main Street, Springfield, CA 90000, USA"


def test_links_differ_per_recipient_and_category(api: FlaskClient) -> None:
    make_contact("jane@example.com")
    make_contact("john@example.com")
    urls = {
        headers_for(api, email, category)["unsubscribe_url"]
        for email in ("jane@example.com", "john@example.com")
        for category in LIST_IDS
    }
    assert len(urls) == 6


def test_one_click_unsubscribes_exactly_that_contact_from_that_category(
    app: Flask, api: FlaskClient
) -> None:
    """standards A4, A6, C18: a bare POST to the URL, with no cookies or auth, acts on one list."""
    make_contact("jane@example.com")
    make_contact("john@example.com")
    url = headers_for(api, "jane@example.com", "marketing")["unsubscribe_url"]

    assert one_click(app, url) == 200

    assert statuses("jane@example.com") == {
        "marketing": "unsubscribed",
        "updates": "subscribed",
        "promotional": "subscribed",
    }
    assert set(statuses("john@example.com").values()) == {"subscribed"}
    assert suppressions() == {(hash_of("jane@example.com"), "marketing")}
    event = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id.desc())).first()
    assert event is not None
    assert (event.category, event.new_status, event.channel) == (
        "marketing",
        "unsubscribed",
        "one_click",
    )


def test_no_headers_after_a_one_click_unsubscribe(app: Flask, api: FlaskClient) -> None:
    """standards B12, C16: once unsubscribed, the sender gets 409 instead of headers."""
    make_contact("jane@example.com")
    url = headers_for(api, "jane@example.com", "marketing")["unsubscribe_url"]
    assert one_click(app, url) == 200
    response = api.post(
        "/api/v1/headers", json={"email": "jane@example.com", "category": "marketing"}
    )
    assert response.status_code == 409
    assert headers_for(api, "jane@example.com", "updates")["category"] == "updates"


@pytest.mark.parametrize("scope", ["all", "marketing"])
def test_suppressed_recipient_gets_no_headers(api: FlaskClient, scope: str) -> None:
    """standards B12: refuse to build headers for a suppressed recipient."""
    make_contact("jane@example.com")
    make_suppression("jane@example.com", scope)
    response = api.post(
        "/api/v1/headers", json={"email": "Jane@example.com", "category": "marketing"}
    )
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "suppressed"
    assert not {"headers", "unsubscribe_url", "unsubscribe_mailto", "preferences_url"} & set(body)


def test_suppression_for_another_category_does_not_block(api: FlaskClient) -> None:
    make_contact("jane@example.com")
    make_suppression("jane@example.com", "promotional")
    assert headers_for(api, "jane@example.com", "marketing")["category"] == "marketing"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"email": "ghost@example.com", "category": "marketing"}, 404, "contact_not_found"),
        ({"email": "jane@example.com", "category": "newsletter"}, 422, "unknown_category"),
        ({"email": "not-an-email", "category": "marketing"}, 422, "invalid_email"),
        ({"email": "jane@example.com"}, 422, "validation_failed"),
        ({"email": "jane@example.com", "category": "marketing", "x": 1}, 422, "validation_failed"),
        ({"category": "marketing", "recipients": "jane@example.com"}, 422, "validation_failed"),
        ({"category": "marketing", "recipients": [1]}, 422, "validation_failed"),
        ([], 422, "validation_failed"),
    ],
)
def test_single_request_errors(api: FlaskClient, body: Any, status: int, error: str) -> None:
    make_contact("jane@example.com")
    response = api.post("/api/v1/headers", json=body)
    assert response.status_code == status
    assert response.get_json()["error"] == error


def test_body_that_is_not_json(api: FlaskClient) -> None:
    response = api.post("/api/v1/headers", data="email=jane@example.com")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"


# Batch


def test_batch_keeps_order_and_explains_refusals(api: FlaskClient) -> None:
    for email in ("john@example.com", "jane@example.com", "amy@example.com", "sup@example.com"):
        make_contact(email)
    make_suppression("sup@example.com", "all")
    make_suppression("amy@example.com", "updates")
    recipients = [
        "john@example.com",
        "not-an-email",
        "Jane@Example.com",
        "sup@example.com",
        "ghost@example.com",
        "amy@example.com",
    ]
    response = api.post("/api/v1/headers", json={"category": "marketing", "recipients": recipients})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["total"], body["next"]) == (6, None)
    assert [(item["email"], item.get("error")) for item in body["items"]] == [
        ("john@example.com", None),
        ("not-an-email", "invalid_email"),
        ("jane@example.com", None),
        ("sup@example.com", "suppressed"),
        ("ghost@example.com", "contact_not_found"),
        ("amy@example.com", None),
    ]
    for item in body["items"]:
        if "error" in item:
            assert item["message"]
            assert "headers" not in item
        else:
            assert item["category"] == "marketing"
            assert item["headers"]["List-Id"] == LIST_IDS["marketing"]
            assert LIST_UNSUBSCRIBE.match(unfold(item["headers"]["List-Unsubscribe"]))
            assert item["postal_address"]


def test_batch_link_unsubscribes_its_own_recipient(app: Flask, api: FlaskClient) -> None:
    """standards A4, C18: each batch item's URL acts on that item's recipient only."""
    make_contact("jane@example.com")
    make_contact("john@example.com")
    body = api.post(
        "/api/v1/headers",
        json={"category": "updates", "recipients": ["jane@example.com", "john@example.com"]},
    ).get_json()
    assert one_click(app, body["items"][1]["unsubscribe_url"]) == 200
    assert statuses("john@example.com")["updates"] == "unsubscribed"
    assert set(statuses("jane@example.com").values()) == {"subscribed"}
    assert suppressions() == {(hash_of("john@example.com"), "updates")}


def test_empty_batch(api: FlaskClient) -> None:
    response = api.post("/api/v1/headers", json={"category": "marketing", "recipients": []})
    assert response.get_json() == {"items": [], "total": 0, "next": None}


def test_batch_with_unknown_category(api: FlaskClient) -> None:
    make_contact("jane@example.com")
    response = api.post(
        "/api/v1/headers", json={"category": "newsletter", "recipients": ["jane@example.com"]}
    )
    assert response.status_code == 422
    assert response.get_json()["error"] == "unknown_category"


@pytest.mark.parametrize("config_overrides", [{"API_BATCH_LIMIT": 3}])
@pytest.mark.parametrize(("size", "status"), [(3, 200), (4, 422)])
def test_batch_limit(
    api: FlaskClient, config_overrides: dict[str, Any], size: int, status: int
) -> None:
    make_contact("jane@example.com")
    response = api.post(
        "/api/v1/headers", json={"category": "marketing", "recipients": ["jane@example.com"] * size}
    )
    assert response.status_code == status
    body = response.get_json()
    if status == 200:
        assert len(body["items"]) == size
    else:
        assert (body["error"], body["limit"]) == ("too_many", 3)


def test_batch_of_ten_thousand(api: FlaskClient) -> None:
    """The default limit is served whole and in order (a correctness test, not a timing one)."""
    addresses = [normalise(f"r{i:05d}@example.com") for i in range(10_000)]
    at = now()
    db.session.execute(
        insert(Contact),
        [
            {
                "uid": contacts.new_uid(),
                "email": a.email,
                "email_key": a.key,
                "created_at": at,
                "updated_at": at,
            }
            for a in addresses
        ],
    )
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 10_000
    blocked = {0, 4_999, 9_999}
    for index in blocked:
        make_suppression(addresses[index].email, "marketing")

    response = api.post(
        "/api/v1/headers",
        json={"category": "marketing", "recipients": [a.email for a in addresses]},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == len(body["items"]) == 10_000
    assert [item["email"] for item in body["items"]] == [a.email for a in addresses]
    refused = {i for i, item in enumerate(body["items"]) if "error" in item}
    assert refused == blocked
    assert {body["items"][i]["error"] for i in blocked} == {"suppressed"}
    urls = {item["unsubscribe_url"] for item in body["items"] if "error" not in item}
    assert len(urls) == 10_000 - len(blocked)
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0
