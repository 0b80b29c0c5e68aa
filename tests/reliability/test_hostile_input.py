"""Hostile input at every door: any bytes to the parser, the classifier and intake, through the
real SMTP server; any JSON to the API; any path, header or form to the pages. Nothing escapes as an
exception, nothing answers 500, and every message ends in a state a person can see."""

from __future__ import annotations

import json
import re
import smtplib
import time
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mail import intake
from mail.analysis import analyse
from mail.classify import classify
from mail.parse import attachment
from mail.server import path_refusal
from prefcenter.extensions import db
from prefcenter.models import Contact, InboundMessage, MessageState, OutboxMessage
from prefcenter.services.links import preferences_token
from tests.factories import make_contact
from tests.reliability.hostile_strategies import (
    LINE_BREAKS,
    fresh_client_address,
    hostile_addresses,
    hostile_text,
    json_bodies,
    outbound_header_problems,
    raw_messages,
)

# The app and SMTP fixtures are made once per test and shared by its examples, on purpose: the
# database fills up as it would in service.
SHARED_FIXTURES = [
    HealthCheck.function_scoped_fixture,
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
]
FINAL_STATES = {MessageState.PROCESSED.value, MessageState.UNPARSED.value}
SETTLE_SECONDS = 30.0
# What the SMTP server lets through as an envelope sender (mail.server.path_refusal).
envelope_senders = st.one_of(
    st.none(),
    st.just(""),
    hostile_addresses().filter(lambda address: path_refusal(address, "5.1.7") is None),
)


def no_line_break(value: str | None) -> bool:
    return value is None or not any(brk in value for brk in LINE_BREAKS)


# The parser and the classifier


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(raw=raw_messages, sender=st.one_of(st.none(), st.just(""), hostile_addresses()))
def test_the_parser_and_classifier_read_any_bytes(raw: bytes, sender: str | None) -> None:
    result = analyse(raw, envelope_sender=sender, own_domains=("example.com",))
    if result.parsed is None:
        return
    parsed = result.parsed
    # What the console shows on one line stays on one line.
    assert no_line_break(parsed.subject)
    assert no_line_break(parsed.from_name) and no_line_break(parsed.from_address)
    for index, listed in enumerate(parsed.attachments):
        described, data = attachment(raw, index)  # the console's download path
        assert described == listed and len(data) == listed.size
    if result.classification is not None:
        assert result.classification.kinds
        assert 0 <= result.classification.confidence <= 1


@settings(max_examples=150, deadline=None)
@given(subject=hostile_text(300), text=st.one_of(hostile_text(3000), st.text(min_size=1)))
def test_the_classifier_reads_any_text(subject: str, text: str) -> None:
    result = classify(subject, text)
    assert result.kind in result.kinds
    assert 0 <= result.confidence <= 1 and result.reasons


# Intake, as files and the SMTP server take it


def outbound_for(message: InboundMessage) -> list[OutboxMessage]:
    ids = [request.id for request in message.requests]
    if not ids:
        return []
    query = select(OutboxMessage).where(OutboxMessage.request_id.in_(ids))
    return list(db.session.scalars(query))


@settings(max_examples=60, deadline=None, suppress_health_check=SHARED_FIXTURES)
@given(raw=raw_messages, sender=envelope_senders)
def test_intake_takes_any_message_to_a_state_a_person_can_see(
    app: Flask, raw: bytes, sender: str | None
) -> None:
    receipt = intake.accept(raw, intake.Envelope(sender, ("privacy@example.com",), "smtp"))
    db.session.rollback()
    message = db.session.get(InboundMessage, receipt.message_id)
    if receipt.duplicate:
        return
    assert message.raw == raw
    event(f"{message.state}, {message.outcome}")
    # Processed or waiting for a person, at the first try: never `failed`, never retried.
    assert (message.state, message.attempts) in {(state, 0) for state in FINAL_STATES}
    # standards G44: whatever the sender put in its headers, our answer has only ours.
    for queued in outbound_for(message):
        assert outbound_header_problems(queued.raw) == [], queued.raw


def settled_messages() -> list[InboundMessage]:
    """The stored messages, once the server's background processing has caught up."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        db.session.rollback()
        waiting = db.session.scalar(
            select(func.count(InboundMessage.id)).where(
                InboundMessage.state == MessageState.STORED.value, InboundMessage.attempts == 0
            )
        )
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return list(db.session.scalars(select(InboundMessage)))


@settings(max_examples=12, deadline=None, suppress_health_check=SHARED_FIXTURES)
@given(batch=st.lists(raw_messages, min_size=1, max_size=4))
def test_the_smtp_server_answers_any_message_and_stays_up(smtp_port: int, batch: list[bytes]):
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
        smtp.ehlo("mta.customer.example.net")
        for raw in batch:
            smtp.mail("pat@customer.example.net")
            assert smtp.rcpt("privacy@example.com")[0] == 250
            # An MTA sends CRLF line ends; a bare CR stays as hostile as it was.
            code, answer = smtp.data(re.sub(rb"\r?\n", b"\r\n", raw))
            # 500: a line longer than RFC 5321's 1,000 octets (4.5.3.1.6); never a 4xx or a hang-up.
            assert code in (250, 500), answer
            if code != 250:
                smtp.rset()
        assert smtp.noop()[0] == 250
    for message in settled_messages():
        assert (message.state, message.attempts) in {(state, 0) for state in FINAL_STATES}


# Values that made processing fail on PostgreSQL, five times over, until the message was `failed`.
KNOWN_HOSTILE = {
    "NUL in the subject": b"From: pat@customer.example.net\r\nSubject: =?utf-8?q?a=00b?=\r\n",
    "NUL in the body": b"From: pat@customer.example.net\r\nSubject: x\r\n\r\nPlease \x00",
    "NUL in the name": b"From: =?utf-8?q?P=00t?= <pat@customer.example.net>\r\nSubject: x\r\n",
    "long Auto-Submitted": b"From: pat@customer.example.net\r\nAuto-Submitted: " + b"x" * 5000,
    "long system sender": b"From: owner-" + b"x" * 300 + b"@customer.example.net\r\n",
}


@pytest.mark.parametrize("case", list(KNOWN_HOSTILE))
def test_values_a_database_cannot_hold_are_cleaned_or_cut(app: Flask, case: str) -> None:
    raw = KNOWN_HOSTILE[case] + b"\r\n\r\nPlease delete my data.\r\n"
    receipt = intake.accept(raw, intake.Envelope("pat@customer.example.net", (), "smtp"))
    db.session.rollback()
    message = db.session.get(InboundMessage, receipt.message_id)
    assert (message.state, message.attempts) == (MessageState.PROCESSED.value, 0)
    assert "\x00" not in (message.subject or "") + (message.text or "")


def test_a_nul_in_a_message_id_is_stored_like_any_other(app: Flask) -> None:
    # PostgreSQL text cannot hold a NUL: such a Message-ID is not used to recognise the message.
    raw = b"From: pat@customer.example.net\r\nMessage-ID: <a\x00b@x>\r\n\r\nDelete my data.\r\n"
    receipt = intake.accept(raw, intake.Envelope("pat@customer.example.net", (), "smtp"))
    db.session.rollback()
    assert db.session.get(InboundMessage, receipt.message_id).state == MessageState.PROCESSED.value


HELLO = b"From: pat@customer.example.net\r\nSubject: hello\r\n\r\nPlease delete my data.\r\n"


@pytest.mark.parametrize(
    ("command", "address", "code"),
    [
        ("MAIL FROM", "pat\x00@customer.example.net", 553),
        ("MAIL FROM", "p" * 300 + "@customer.example.net", 501),
        ("RCPT TO", "privacy\x00@example.com", 553),
        ("RCPT TO", "p" * 300 + "@example.com", 501),
    ],
)
def test_an_envelope_address_that_cannot_be_stored_is_refused_at_once(
    smtp_port: int, command: str, address: str, code: int
) -> None:
    # RFC 5321 4.5.3.1.3: a path is at most 256 octets. Such a sender used to be accepted, then
    # answered 451 after DATA (on PostgreSQL), at every retry of the sending MTA for days.
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
        smtp.ehlo("mta.customer.example.net")
        if command == "RCPT TO":
            assert smtp.mail("pat@customer.example.net")[0] == 250
        assert smtp.docmd(f"{command}:<{address}>")[0] == code
        smtp.rset()
        smtp.sendmail("pat@customer.example.net", ["privacy@example.com"], HELLO)
    assert [m.envelope_sender for m in settled_messages()] == ["pat@customer.example.net"]


# The API


@pytest.fixture
def contact(app: Flask) -> Contact:
    return make_contact("jane@example.com")


BODY_ENDPOINTS = ["/api/v1/contacts", "/api/v1/headers", "/api/v1/suppressions/check"]


def encoded(body: object, how: str) -> tuple[bytes, str]:
    text = json.dumps(body)  # NaN and Infinity included: Python writes them, others may too
    if how == "truncated":
        return text[: len(text) // 2].encode(), "application/json"
    if how == "latin-1":
        return text.encode("latin-1", "replace"), "application/json"
    if how == "utf-16":
        return text.encode("utf-16"), "application/json"
    if how == "form":
        return text.encode(), "application/x-www-form-urlencoded"
    return text.encode(), "application/json"


@settings(max_examples=150, deadline=None, suppress_health_check=SHARED_FIXTURES)
@given(
    path=st.sampled_from(BODY_ENDPOINTS),
    body=json_bodies(),
    how=st.sampled_from(["json", "json", "json", "truncated", "latin-1", "utf-16", "form"]),
)
def test_the_api_answers_any_body_without_a_500(
    api: FlaskClient, contact: Contact, path: str, body: object, how: str
) -> None:
    data, content_type = encoded(body, how)
    response = api.post(path, data=data, content_type=content_type)
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.is_json and response.json["error"]


@settings(max_examples=80, deadline=None, suppress_health_check=SHARED_FIXTURES)
@given(
    segment=st.one_of(hostile_text(60), hostile_addresses()),
    args=st.dictionaries(
        st.sampled_from(["limit", "cursor", "kind", "status", "machine_generated"]),
        hostile_text(20),
        max_size=3,
    ),
)
def test_the_api_answers_any_path_and_query_without_a_500(
    api: FlaskClient, contact: Contact, segment: str, args: dict[str, str]
) -> None:
    quoted = quote(segment, safe="")
    for path in (
        f"/api/v1/contacts/{quoted}",
        f"/api/v1/requests/{quoted}",
        "/api/v1/contacts",
        "/api/v1/requests",
        "/api/v1/inbound",
    ):
        response = api.get(path, query_string=args)
        assert response.status_code < 500, (path, response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/contacts", {"email": "pat@example.com", "name": "Pat\x00"}),
        ("/api/v1/requests/PR-%00", None),
    ],
)
def test_a_nul_in_an_api_value_is_refused_not_a_500(
    api: FlaskClient, path: str, body: dict[str, str] | None
) -> None:
    # PostgreSQL text cannot hold a NUL; the property tests find it now and then, these always.
    response = api.post(path, json=body) if body else api.get(path)
    assert response.status_code < 500, response.json


# The pages

PAGE_ROUTES = [
    ("GET", "/u/{}"),
    ("POST", "/u/{}"),
    ("GET", "/p/{}"),
    ("POST", "/p/{}"),
    ("GET", "/v/{}"),
    ("POST", "/v/{}"),
    ("GET", "/r/{}"),
    ("GET", "/x/{}"),
]
# Header values a client can send: no control characters (the test client refuses them).
header_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=SHARED_FIXTURES)
@given(
    route=st.sampled_from(PAGE_ROUTES),
    token=st.one_of(hostile_text(120), st.binary(max_size=80).map(lambda b: b.decode("latin-1"))),
    gpc=header_text,
    accept=st.one_of(st.just("application/json"), header_text),
    form=st.dictionaries(st.sampled_from(["category", "action", "csrf_token"]), hostile_text(30)),
)
def test_the_pages_answer_any_token_without_a_500(
    client: FlaskClient,
    contact: Contact,
    route: tuple[str, str],
    token: str,
    gpc: str,
    accept: str,
    form: dict[str, str],
) -> None:
    method, path = route
    response = client.open(
        path.format(quote(token, safe="")),
        method=method,
        data=form if method == "POST" else None,
        headers={"Sec-GPC": gpc, "Accept": accept},
        environ_overrides=fresh_client_address(),
        # A token starting with "/" makes "//", which werkzeug answers with a 308 to one "/".
        follow_redirects=True,
    )
    # A made-up token is refused (400) or names no page (404); it never works, never breaks.
    assert 400 <= response.status_code < 500, (method, path, token, response.status_code)


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


@settings(max_examples=40, deadline=None, suppress_health_check=SHARED_FIXTURES)
@given(
    categories=st.lists(st.one_of(st.sampled_from(["marketing", "updates"]), hostile_text(30))),
    action=st.one_of(st.sampled_from(["save", "unsubscribe_all"]), hostile_text(30)),
    gpc=header_text,
)
def test_the_preference_form_takes_any_fields_without_a_500(
    client: FlaskClient, contact: Contact, categories: list[str], action: str, gpc: str
) -> None:
    client.environ_base["wsgi.url_scheme"] = "https"  # the CSRF cookie is Secure
    url = f"/p/{preferences_token(contact)}"
    page = client.get(url, headers={"Sec-GPC": gpc}, environ_overrides=fresh_client_address())
    assert page.status_code == 200
    data = {"csrf_token": csrf_token(page.text), "category": categories, "action": action}
    response = client.post(url, data=data, environ_overrides=fresh_client_address())
    assert response.status_code == 200, response.text
    db.session.rollback()
    db.session.refresh(contact)
    # Only configured categories exist, whatever names the form carried.
    assert {s.category for s in contact.subscriptions} <= {"marketing", "updates", "promotional"}
