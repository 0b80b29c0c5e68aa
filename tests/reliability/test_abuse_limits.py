"""Abuse limits (Flask-Limiter) on the requester's pages, which can cause mail, and the new
confirmation link a requester can ask for; the recipient's unsubscribe and preference pages are
never limited. Staff sign-in's limit is proved in tests/test_console.py (test_sign_in_is_throttled).
"""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta
from email import policy
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from prefcenter.extensions import _owner, db, limiter, login_manager
from prefcenter.models import OutboxMessage, PrivacyRequest
from prefcenter.services.links import preferences_token, unsubscribe_token
from prefcenter.services.request_links import status_token
from prefcenter.web.requests import NEW_LINK_PER_ADDRESS, NEW_LINK_PER_REQUEST, PAGE_LIMIT
from tests.factories import make_contact
from tests.inbound import compose, receive

PER_REQUEST = int(NEW_LINK_PER_REQUEST.split()[0])
PER_ADDRESS = int(NEW_LINK_PER_ADDRESS.split()[0])
PAGES = int(PAGE_LIMIT.split()[0])
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.9"}
NEUTRAL = "If this request is waiting for you to confirm it"


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    # The daily cap on automatic mail per address is its own guard (tests/test_request_mail.py);
    # here it is set out of the way so that only the web limits refuse.
    return {"AUTO_REPLY_LIMIT": 100}


def a_moment() -> datetime:
    """Now, at a half second: a window's Retry-After is then exactly its length."""
    return datetime.now(UTC).replace(microsecond=500_000)


def open_deletion(sender: str = "pat@customer.example.net") -> PrivacyRequest:
    """A deletion request from a known contact: it waits for its confirmation link."""
    make_contact(sender)
    [request] = receive(compose("Please delete my data.", sender=sender), sender).requests
    assert request.status == "awaiting_verification"
    return request


def verifications(request: PrivacyRequest) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).where(
        OutboxMessage.request_id == request.id, OutboxMessage.purpose == "verification"
    )
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def outbox_rows() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(OutboxMessage.id))) or 0


def verify_path(message: OutboxMessage) -> str:
    body = email.message_from_bytes(message.raw, policy=policy.default).get_content()
    found = re.search(r"https://prefs\.example\.com(/v/\S+)", body)
    assert found, body
    return found.group(1)


def new_link_path(request: PrivacyRequest) -> str:
    return f"/r/{status_token(request.reference)}/new-link"


def test_a_new_link_goes_only_to_the_address_on_file_and_replaces_the_old_one(
    client: FlaskClient,
) -> None:
    # standards E34, G45: only the holder of the address on file can confirm.
    request = open_deletion()
    [first] = verifications(request)
    old_link = verify_path(first)
    status_page = client.get(f"/r/{status_token(request.reference)}").text
    assert f'action="{new_link_path(request)}"' in status_page

    answer = client.post(new_link_path(request), data={"email": "mallory@attacker.example"})
    assert answer.status_code == 200
    assert NEUTRAL in answer.text and "mallory" not in answer.text

    [_, renewed] = verifications(request)
    assert renewed.recipient == "pat@customer.example.net"
    message = email.message_from_bytes(renewed.raw, policy=policy.default)
    assert message["To"] == "pat@customer.example.net"
    assert message["Auto-Submitted"] == "auto-generated"  # caused by a click, not a message

    replaced = client.get(old_link)  # the old link now offers a newer one, and confirms nothing
    assert replaced.status_code == 400
    assert "We sent you a newer link" in replaced.text
    assert client.post(old_link).status_code == 400
    db.session.refresh(request)
    assert request.status == "awaiting_verification"
    assert client.post(verify_path(renewed)).status_code == 200
    db.session.refresh(request)
    assert request.status == "completed"
    assert client.get(new_link_path(request)).status_code == 405  # link scanners cause no mail


def test_an_expired_link_offers_a_new_one(client: FlaskClient) -> None:
    received = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(received, tick=False):
        request = open_deletion()
    [first] = verifications(request)
    with time_machine.travel(received + timedelta(hours=73), tick=False):
        expired = client.get(verify_path(first))
        assert expired.status_code == 400
        assert "This link has expired" in expired.text
        assert f'action="{new_link_path(request)}"' in expired.text
        assert client.post(verify_path(first)).status_code == 400  # the same page, no change

        assert client.post(new_link_path(request)).status_code == 200
        [_, renewed] = verifications(request)
        assert client.post(verify_path(renewed)).status_code == 200
    db.session.refresh(request)
    assert request.status == "completed"


def test_the_answer_is_the_same_whether_or_not_a_link_was_sent(
    app: Flask, client: FlaskClient
) -> None:
    request = open_deletion()
    sent = client.post(new_link_path(request))
    assert sent.status_code == 200 and len(verifications(request)) == 2

    app.config["AUTO_REPLY_LIMIT"] = 3  # acknowledgement, first link, new link: the day's mail
    capped = client.post(new_link_path(request))
    assert (capped.status_code, capped.text) == (200, sent.text)
    links = verifications(request)
    assert len(links) == 2
    assert client.get(verify_path(links[-1])).status_code == 200  # the live link still works

    [other] = receive(compose("Do you ship to Canada?", sender="kim@customer.example.net")).requests
    assert other.status == "received"  # nothing to confirm
    before = outbox_rows()
    unneeded = client.post(new_link_path(other))
    assert (unneeded.status_code, unneeded.text.replace(status_token(other.reference), "")) == (
        200,
        sent.text.replace(status_token(request.reference), ""),
    )
    assert outbox_rows() == before
    assert client.post("/r/not-a-token/new-link").status_code == 400


def test_new_links_are_limited_per_request(client: FlaskClient) -> None:
    request = open_deletion()
    started = a_moment()
    with time_machine.travel(started, tick=False):
        for _ in range(PER_REQUEST):
            assert client.post(new_link_path(request)).status_code == 200
        links = verifications(request)
        live = verify_path(links[-1])
        before = outbox_rows()

        refused = client.post(new_link_path(request))
        assert refused.status_code == 429
        assert refused.mimetype == "text/html"
        assert "Please wait a little" in refused.text and "Nothing was sent" in refused.text
        assert int(refused.headers["Retry-After"]) == 3600  # the hour from the first ask
        assert "60 minutes" in refused.text
        assert outbox_rows() == before  # nothing changed: no mail, the live link still works
        assert client.get(live).status_code == 200

        from_elsewhere = client.post(new_link_path(request), environ_base=ELSEWHERE)
        assert from_elsewhere.status_code == 429  # the request's count, whoever asks
        other = open_deletion("kim@customer.example.net")
        assert client.post(new_link_path(other)).status_code == 200

    with time_machine.travel(started + timedelta(minutes=61), tick=False):
        assert client.post(new_link_path(request)).status_code == 200


def test_new_links_are_limited_per_client_address(client: FlaskClient) -> None:
    senders = [f"person{number}@customer.example.net" for number in range(PER_ADDRESS // 3 + 1)]
    requests = [open_deletion(sender) for sender in senders]
    answers = [
        client.post(new_link_path(request)).status_code
        for request in requests
        for _ in range(PER_REQUEST)
    ]
    assert answers[:PER_ADDRESS] == [200] * PER_ADDRESS
    assert set(answers[PER_ADDRESS:]) == {429}
    sent = sum(len(verifications(request)) for request in requests)
    assert sent == len(requests) + PER_ADDRESS  # each one's first link, and the ten new ones
    fresh = open_deletion("someone.else@customer.example.net")
    assert client.post(new_link_path(fresh)).status_code == 429  # the address's count, any request
    assert client.post(new_link_path(fresh), environ_base=ELSEWHERE).status_code == 200


def test_status_page_views_are_limited_per_client_address(client: FlaskClient) -> None:
    request = open_deletion()
    page = f"/r/{status_token(request.reference)}"
    with time_machine.travel(a_moment(), tick=False):
        assert {client.get(page).status_code for _ in range(PAGES)} == {200}
        refused = client.get(page)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) == 60
        assert "Please wait a little" in refused.text
        assert client.get(page, environ_base=ELSEWHERE).status_code == 200


def test_the_limiter_runs_for_the_console_and_the_requesters_pages_only(app: Flask) -> None:
    def hooked(extension: object) -> set[str | None]:
        return {
            blueprint
            for hooks in (app.before_request_funcs, app.after_request_funcs)
            for blueprint, functions in hooks.items()
            if any(_owner(function) is extension for function in functions)
        }

    assert hooked(limiter) == {"console", "requests"}
    assert hooked(login_manager) == {"console"}


def test_a_burst_of_one_click_posts_from_one_address_is_never_limited(
    client: FlaskClient,
) -> None:
    # standards A6, C20: an opt-out is never refused, however many share one client address
    # (a mail provider's one-click requests all come from a few of its addresses).
    contact = make_contact("jane@example.com")
    one_click = f"/u/{unsubscribe_token(contact, 'marketing')}"
    preferences = f"/p/{preferences_token(contact)}"
    answers = [
        client.post(one_click, data={"List-Unsubscribe": "One-Click"}).status_code
        for _ in range(200)
    ]
    answers += [client.get(preferences).status_code for _ in range(PAGES + 5)]
    assert set(answers) == {200}
