"""CRLF injection: no name, address or Message-ID from anyone else's mail or API call can add a
header to a message we send. Checked where messages are composed, and at a real relay after the
whole path: SMTP intake, request, acknowledgement, verification mail, outbox worker."""

from __future__ import annotations

import email
import re
import smtplib
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mail.outbound import Draft, compose
from prefcenter.cli import main
from prefcenter.extensions import db
from prefcenter.models import MessageState, OutboxMessage
from tests.conftest import RelayHandler
from tests.inbound import free_port, wait_until_processed
from tests.reliability.hostile_strategies import (
    INJECTED,
    INJECTED_NAME,
    LINE_BREAKS,
    b_word,
    hostile_addresses,
    hostile_text,
    message_ids,
    outbound_header_problems,
    q_word,
)

Relay = tuple[int, RelayHandler]
CONFIG = {"DKIM_KEY_FILE": None}
THREAD_HEADERS = {"In-Reply-To", "References"}


def draft(recipient: str = "pat@customer.example.net", in_reply_to: str | None = None) -> Draft:
    return Draft(
        sender_name="Example Shop",
        sender="privacy@example.com",
        recipient=recipient,
        subject="[PR-7KQ3-M9XD] We received your message",
        body="Hello,\nwe received your message.\n",
        message_id="<PR-7KQ3-M9XD.0123456789abcdef@example.com>",
        date=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        auto_submitted="auto-replied",
        in_reply_to=in_reply_to,
        references=(in_reply_to,) if in_reply_to else (),
        loop="privacy@example.com",
    )


def parsed(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def addressed_to(message: EmailMessage) -> list[str]:
    return [address.addr_spec for address in message["To"].addresses]


# Composing


@settings(max_examples=300, deadline=None)
@given(
    recipient=st.one_of(hostile_addresses(), hostile_text()),
    in_reply_to=st.one_of(st.none(), message_ids(), hostile_text()),
)
def test_a_composed_message_has_only_the_headers_we_write(
    recipient: str, in_reply_to: str | None
) -> None:
    # standards G44: one recipient, our headers, and nothing a stranger's text could add.
    raw = compose(draft(recipient, in_reply_to), CONFIG)
    assert outbound_header_problems(raw) == [], raw
    message = parsed(raw)
    # The To header names the recipient exactly, or nobody (the envelope still does).
    assert addressed_to(message) in ([recipient], [])
    # The thread is kept whenever the Message-ID answered is a plain one.
    if in_reply_to and re.fullmatch(r"<[!-;=?-~]{1,900}>", in_reply_to) and "=?" not in in_reply_to:
        assert message["In-Reply-To"] == in_reply_to


ENCODED_BREAKS = [word(brk + INJECTED) for brk in LINE_BREAKS for word in (b_word, q_word)]


@pytest.mark.parametrize("hidden", ENCODED_BREAKS)
def test_an_encoded_line_break_in_a_message_id_we_answer_adds_no_header(hidden: str) -> None:
    # Python's email package decodes encoded words even inside a Message-ID, then wrote the
    # decoded line break out as is: In-Reply-To and References each carried a header of their own.
    for in_reply_to in (f"<{hidden}@customer.example.net>", f"<pat@customer.example.net{hidden}>"):
        raw = compose(draft(in_reply_to=in_reply_to), CONFIG)
        assert outbound_header_problems(raw) == [], raw
        assert INJECTED_NAME not in parsed(raw)
        assert not THREAD_HEADERS & set(parsed(raw).keys())


@pytest.mark.parametrize("hidden", ENCODED_BREAKS)
def test_an_address_with_an_encoded_word_can_still_be_answered(hidden: str) -> None:
    # Such a local part is valid (RFC 5322 atext), so a contact may have it (by API, or by an
    # applied email correction). The email package reads it decoded; compose raised ValueError,
    # and with it whatever was to send that mail (an acknowledgement, a staff action).
    recipient = f"{hidden}@customer.example.net"
    raw = compose(draft(recipient), CONFIG)
    assert outbound_header_problems(raw) == [], raw
    assert addressed_to(parsed(raw)) == []
    assert parsed(raw)["To"] == "undisclosed-recipients:;"


# The whole path, to a real relay


@pytest.fixture
def config_overrides(relay: Relay) -> dict[str, Any]:
    return {"SMTP_RELAY": f"127.0.0.1:{relay[0]}", "SMTP_STARTTLS": False}


def deliver(port: int, raw: bytes, sender: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.sendmail(sender, ["privacy@example.com"], re.sub(rb"\r?\n", b"\r\n", raw))


def send_outbox(runner: FlaskCliRunner) -> None:
    result = runner.invoke(main, ["worker", "--once"])
    assert result.exit_code == 0, result.output


def hostile_mail(number: int, headers: str) -> tuple[bytes, str]:
    """A deletion request whose headers carry an injection; (raw, envelope sender)."""
    sender = f"pat{number}@customer.example.net"
    head = headers.format(sender=sender, number=number)
    raw = f"{head}\r\nTo: privacy@example.com\r\n\r\nPlease delete all my data.\r\n"
    return raw.encode("utf-8"), sender


HOSTILE_HEADERS = [
    # A display name with a raw line separator, and with encoded CRLF.
    "From: Pat\u2028X-Injected: 1 <{sender}>\r\nSubject: delete",
    "From: " + q_word(f"Pat\r\n{INJECTED}") + " <{sender}>\r\nSubject: delete",
    # The Message-ID we answer, with an encoded line break inside.
    "From: {sender}\r\nMessage-ID: <" + b_word(f"\r\n{INJECTED}") + "@customer.example.net>",
    "From: {sender}\r\nMessage-ID: <{number}@customer.example.net" + q_word(f"\n{INJECTED}") + ">",
    # A subject and a References header with encoded breaks.
    "From: {sender}\r\nSubject: " + b_word(f"x\r\n{INJECTED}\r\n\r\nInjected body"),
    "From: {sender}\r\nReferences: <a@b" + b_word(f"\r\n{INJECTED}") + ">",
]


def test_hostile_headers_in_mail_we_answer_never_reach_our_messages(
    smtp_port: int, relay: Relay, runner: FlaskCliRunner
) -> None:
    # standards G44: every acknowledgement is composed from our headers only.
    for number, headers in enumerate(HOSTILE_HEADERS):
        raw, sender = hostile_mail(number, headers)
        deliver(smtp_port, raw, sender)
    messages = wait_until_processed(len(HOSTILE_HEADERS))
    assert {(m.state, m.attempts) for m in messages} == {(MessageState.PROCESSED.value, 0)}
    send_outbox(runner)
    received = relay[1].received
    assert len(received) == len(HOSTILE_HEADERS)
    for _, recipients, raw in received:
        assert outbound_header_problems(raw) == [], raw
        assert b"Injected body" not in raw
        assert addressed_to(parsed(raw)) == recipients and len(recipients) == 1


def test_an_envelope_sender_with_an_encoded_line_break_is_refused(smtp_port: int) -> None:
    # aiosmtpd reads MAIL FROM with the email package, which decodes the encoded word: the
    # sender then holds a line break, which is no address and cannot be answered or stored.
    sender = b_word(f"\r\n{INJECTED}") + "@customer.example.net"
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
        smtp.ehlo("mta.customer.example.net")
        code, answer = smtp.mail(sender)
    assert (code, answer[:5]) == (553, b"5.1.7")


def test_a_contact_name_with_line_breaks_never_reaches_a_header(
    api: FlaskClient, smtp_port: int, relay: Relay, runner: FlaskCliRunner
) -> None:
    jane = {"email": "jane@customer.example.net", "categories": ["marketing"]}
    assert api.post("/api/v1/contacts", json={**jane, "name": "Jane"}).status_code == 201
    for brk in LINE_BREAKS:
        response = api.post("/api/v1/contacts", json={**jane, "name": f"Jane{brk}{INJECTED}"})
        assert response.status_code < 500, response.json
        refused = api.post("/api/v1/contacts", json={"email": f"jo{brk}{INJECTED}@example.com"})
        assert refused.status_code == 422, refused.json
    mail = (
        b"From: =?utf-8?q?Jane=0D=0AX-Injected:_1?= <jane@customer.example.net>\r\n"
        b"To: privacy@example.com\r\nSubject: delete\r\n\r\nPlease delete all my data.\r\n"
    )
    deliver(smtp_port, mail, "jane@customer.example.net")
    wait_until_processed(1)
    send_outbox(runner)
    # The acknowledgement and the verification link, both to the address on file.
    purposes = set(db.session.scalars(select(OutboxMessage.purpose)))
    assert purposes == {"acknowledgement", "verification"}
    assert len(relay[1].received) == 2
    for _, recipients, raw in relay[1].received:
        assert recipients == ["jane@customer.example.net"]
        assert outbound_header_problems(raw) == [], raw


@pytest.mark.parametrize("smtputf8", [True, False])
def test_an_internationalised_address_goes_only_to_a_relay_that_takes_it(
    app: Flask, smtp_port: int, runner: FlaskCliRunner, smtputf8: bool
) -> None:
    # RFC 6531: "jörg@" needs SMTPUTF8. The worker used to crash on it (UnicodeEncodeError in
    # smtplib), on every run, before the messages after it were tried.
    handler = RelayHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8)
    controller.start()
    app.config["SMTP_RELAY"] = f"127.0.0.1:{port}"
    try:
        for sender in ("jörg@customer.example.net", "pat@customer.example.net"):
            raw = f"From: {sender}\r\nSubject: delete\r\n\r\nDelete my data.".encode()
            deliver(smtp_port, raw, "mta@customer.example.net")
        messages = wait_until_processed(2)
        assert {(m.state, m.attempts) for m in messages} == {(MessageState.PROCESSED.value, 0)}
        send_outbox(runner)
    finally:
        controller.stop()
    statuses = dict(db.session.execute(select(OutboxMessage.recipient, OutboxMessage.status)).all())
    assert statuses == {
        "jörg@customer.example.net": "sent" if smtputf8 else "failed",
        "pat@customer.example.net": "sent",
    }
    delivered = [recipients for _, recipients, _ in handler.received]
    assert ["pat@customer.example.net"] in delivered
    assert (["jörg@customer.example.net"] in delivered) == smtputf8
