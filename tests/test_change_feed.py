"""GET /api/v1/events: every change a sending system must follow, in commit order, never skipped
or repeated, even while writers commit concurrently (the last tests run on PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from prefcenter.database import begin_write
from prefcenter.extensions import db
from prefcenter.models import ChangeEvent, Channel, SubscriptionStatus
from prefcenter.services import subscriptions
from prefcenter.services.links import preferences_token, unsubscribe_token
from prefcenter.services.subscriptions import ConsentSource
from tests.conftest import POSTGRES_URL
from tests.factories import make_contact
from tests.inbound import compose, receive
from tests.test_openapi import assert_documented
from tests.test_preferences import csrf_token

EVENTS = "/api/v1/events"
on_postgresql = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="SQLite has one writer at a time: a transaction's events commit in insert order",
)


def read(api: FlaskClient, after: str | None = None, limit: int | None = None) -> dict[str, Any]:
    params = {k: v for k, v in {"after": after, "limit": limit}.items() if v is not None}
    response = api.get(EVENTS, query_string=params)
    assert response.status_code == 200, response.get_json()
    assert_documented("/events", "get", response)
    return response.get_json()


def read_to_the_end(api: FlaskClient, after: str | None = None) -> tuple[list[dict], str]:
    """Every event after `after`, page after page; and the cursor to poll with next."""
    events: list[dict] = []
    while True:
        page = read(api, after, limit=7)
        events += page["events"]
        after = page["next"]
        if not page["more"]:
            return events, after


def summary(event: dict[str, Any]) -> tuple[Any, ...]:
    return (event["type"], event["category"], event["old"], event["new"], event["channel"])


def one_click(client: FlaskClient, contact: Any, category: str) -> None:
    assert client.post(f"/u/{unsubscribe_token(contact, category)}").status_code == 200


def test_a_one_click_unsubscribe_is_a_consent_change_and_a_suppression(
    api: FlaskClient, client: FlaskClient
) -> None:
    # standards C16, D23: the system that sends the mail learns of an opt-out as it commits.
    jane = make_contact("jane@example.com", categories=["marketing"])
    _, start = read_to_the_end(api)
    one_click(client, jane, "marketing")
    page = read(api, start)
    assert [summary(e) for e in page["events"]] == [
        ("suppression.added", "marketing", None, "unsubscribe", "one_click"),
        ("consent.changed", "marketing", "subscribed", "unsubscribed", "one_click"),
    ]
    assert {e["contact"] for e in page["events"]} == {jane.uid}
    assert {e["email"] for e in page["events"]} == {"jane@example.com"}
    assert page["more"] is False
    # Nothing new: the same cursor comes back, and the click repeated adds nothing.
    one_click(client, jane, "marketing")
    assert read(api, page["next"]) == {"events": [], "next": page["next"], "more": False}


def test_contacts_api_id_is_the_feeds_contact(api: FlaskClient) -> None:
    created = api.post(
        "/api/v1/contacts", json={"email": "pat@example.com", "categories": ["updates"]}
    ).get_json()
    events, _ = read_to_the_end(api)
    assert [(summary(e), e["contact"]) for e in events] == [
        (("consent.changed", "updates", None, "subscribed", "api"), created["id"])
    ]


def test_preference_page_opt_back_in_lifts_the_suppression(
    api: FlaskClient, client: FlaskClient
) -> None:
    jane = make_contact("jane@example.com", categories=["marketing"])
    one_click(client, jane, "marketing")
    _, start = read_to_the_end(api)
    client.environ_base["wsgi.url_scheme"] = "https"
    page_url = f"/p/{preferences_token(jane)}"
    form = {"csrf_token": csrf_token(client.get(page_url).text), "category": ["marketing"]}
    assert client.post(page_url, data={**form, "action": "save"}).status_code == 200
    events, _ = read_to_the_end(api, start)
    assert [summary(e) for e in events] == [
        ("consent.changed", "marketing", "unsubscribed", "subscribed", "preference_page"),
        ("suppression.lifted", "marketing", "unsubscribe", None, "preference_page"),
    ]


def test_global_privacy_control_is_an_opt_out_of_sale_in_the_feed(
    api: FlaskClient, client: FlaskClient
) -> None:
    # standards E33: the signal is honoured as an opt-out, and the senders are told.
    jane = make_contact("jane@example.com", categories=["marketing"])
    _, start = read_to_the_end(api)
    client.get(f"/p/{preferences_token(jane)}", headers={"Sec-GPC": "1"})
    events, _ = read_to_the_end(api, start)
    assert [summary(e) for e in events] == [
        ("consent.changed", "sale_sharing", None, "opted_out", "gpc")
    ]


def test_a_request_opened_by_email_reports_its_status_changes(api: FlaskClient) -> None:
    make_contact("pat@customer.example.net", categories=["marketing"])
    _, start = read_to_the_end(api)
    receive(compose("Please stop all emails to me and unsubscribe me from everything."))
    events, _ = read_to_the_end(api, start)
    requests = [e for e in events if e["type"] == "request.status_changed"]
    assert [(e["old"], e["new"], e["detail"]) for e in requests] == [
        (None, "received", "discontinue"),
        ("received", "completed", "discontinue"),
    ]
    assert requests[0]["request"].startswith("PR-")
    assert requests[0]["email"] == "pat@customer.example.net"
    consent = [summary(e) for e in events if e["type"] == "consent.changed"]
    assert consent == [
        ("consent.changed", "marketing", "subscribed", "unsubscribed", "email"),
        ("consent.changed", "updates", None, "unsubscribed", "email"),
        ("consent.changed", "promotional", None, "unsubscribed", "email"),
    ]


def test_pages_follow_each_other_and_an_events_id_resumes_after_it(
    api: FlaskClient, client: FlaskClient
) -> None:
    contacts = [make_contact(f"c{i}@example.com", categories=["marketing"]) for i in range(5)]
    _, start = read_to_the_end(api)
    for contact in contacts:
        one_click(client, contact, "marketing")
    first = read(api, start, limit=3)
    assert len(first["events"]) == 3 and first["more"] is True
    second = read(api, first["next"], limit=100)
    assert len(second["events"]) == 7 and second["more"] is False
    whole = first["events"] + second["events"]
    assert len({e["id"] for e in whole}) == 10
    resumed = read(api, whole[4]["id"], limit=100)
    assert resumed["events"] == whole[5:]


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        ({"after": "5"}, 400, "invalid_cursor"),
        ({"after": "NQ.not-our-signature"}, 400, "invalid_cursor"),
        ({"after": "x" * 5000}, 400, "invalid_cursor"),
        ({"limit": "0"}, 422, "validation_failed"),
        ({"limit": "1001"}, 422, "validation_failed"),
        ({"limit": "ten"}, 422, "validation_failed"),
        ({"limit": "²"}, 422, "validation_failed"),
    ],
)
def test_bad_cursors_and_limits_are_refused_clearly(
    api: FlaskClient, query: dict[str, str], status: int, error: str
) -> None:
    response = api.get(EVENTS, query_string=query)
    assert response.status_code == status
    assert response.get_json()["error"] == error
    assert_documented("/events", "get", response)


def test_the_feed_needs_an_api_key(client: FlaskClient) -> None:
    response = client.get(EVENTS)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def hold_a_change_open(app: Flask, uid: str, written: threading.Event, go: threading.Event) -> None:
    """A transaction that writes its event, then waits to commit until told."""
    with app.app_context():
        begin_write()
        contact = subscriptions.lock(uid)
        source = ConsentSource(Channel.STAFF.value, "slow writer")
        subscriptions.change_status(contact, "updates", SubscriptionStatus.UNSUBSCRIBED, source)
        written.set()
        go.wait(10)
        db.session.commit()


@on_postgresql
def test_an_event_written_first_but_committed_last_is_not_skipped(
    app: Flask, api: FlaskClient, client: FlaskClient
) -> None:
    # The case a feed ordered by id gets wrong: ids are given at insert, visibility at commit.
    slow = make_contact("slow@example.com", categories=["updates"])
    fast = make_contact("fast@example.com", categories=["marketing"])
    _, start = read_to_the_end(api)
    written, go = threading.Event(), threading.Event()
    writer = threading.Thread(target=hold_a_change_open, args=(app, slow.uid, written, go))
    writer.start()
    assert written.wait(10)
    one_click(client, fast, "marketing")  # inserted after the slow one, committed before it
    seen, cursor = read_to_the_end(api, start)
    assert {e["email"] for e in seen} == {"fast@example.com"}
    go.set()
    writer.join()
    later, _ = read_to_the_end(api, cursor)
    assert [(e["email"], e["category"]) for e in later] == [("slow@example.com", "updates")]


WRITERS = 6
TOGGLES = 15


@on_postgresql
def test_concurrent_writers_and_a_polling_reader_see_each_event_once_in_order(
    app: Flask, api: FlaskClient
) -> None:
    # Writers toggle their contacts' subscriptions (one-click off, preference page on) while a
    # reader follows the feed; afterwards the reader has seen every stored event exactly once,
    # and each contact's changes in the order they were made.
    people = [make_contact(f"w{i}@example.com", categories=["marketing"]) for i in range(WRITERS)]
    # Plain values: the contacts belong to this thread's session, which other threads must not use.
    writers = [(p.uid, p.email, f"/u/{unsubscribe_token(p, 'marketing')}") for p in people]
    _, start = read_to_the_end(api)
    done = threading.Event()
    failures: list[BaseException] = []

    def toggle(uid: str, link: str) -> None:
        try:
            with app.app_context():
                for _ in range(TOGGLES):
                    assert app.test_client().post(link).status_code == 200
                    begin_write()
                    row = subscriptions.lock(uid)
                    source = ConsentSource(Channel.API.value, "writer")
                    subscriptions.change_status(
                        row, "marketing", SubscriptionStatus.SUBSCRIBED, source
                    )
                    db.session.commit()
        except BaseException as exc:  # reported by the main thread, which asserts
            failures.append(exc)

    seen: list[dict] = []

    def follow() -> None:
        cursor = start
        reader = app.test_client()
        reader.environ_base["HTTP_AUTHORIZATION"] = api.environ_base["HTTP_AUTHORIZATION"]
        with app.app_context():
            while not done.is_set():
                events, cursor = read_to_the_end(reader, cursor)
                seen.extend(events)
            events, _ = read_to_the_end(reader, cursor)
            seen.extend(events)

    reader = threading.Thread(target=follow)
    reader.start()
    threads = [threading.Thread(target=toggle, args=(uid, link)) for uid, _, link in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join()
    assert not failures

    ids = Counter(e["id"] for e in seen)
    assert max(ids.values()) == 1, "an event was delivered twice"
    stored = db.session.scalar(select(db.func.count(ChangeEvent.id)).where(ChangeEvent.seq > 0))
    assert len(seen) == stored - WRITERS  # all but the sign-ups before `start`
    by_contact: dict[str, list[str]] = defaultdict(list)
    for event in seen:
        if event["type"] == "consent.changed":
            by_contact[event["email"]].append(event["new"])
    expected = ["unsubscribed", "subscribed"] * TOGGLES
    assert by_contact == {email: expected for _, email, _ in writers}
