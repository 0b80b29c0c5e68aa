"""Two auto-responders answering each other: ours, and one at the requester's address that
answers every message it gets. Our mail goes out through a real relay (the `relay` fixture);
each of its answers comes back into our real SMTP intake by smtplib, until one side stops.

Whatever the other side does, the loop ends: an answer marked as automatic is never answered
(RFC 3834), a threaded one joins its request, and one that looks like a person's new message each
time gets answers only until the day's cap for that address (PREFCENTER_AUTO_REPLY_LIMIT).
"""

from __future__ import annotations

import email
import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from mail.worker import run_once
from prefcenter.extensions import db
from prefcenter.models import InboundMessage, OutboxMessage, PrivacyRequest
from tests.conftest import RelayHandler
from tests.inbound import compose, wait_until_processed

Relay = tuple[int, RelayHandler]
THEM = "helpdesk@shop.example.org"
US = "privacy@example.com"
MAX_ROUNDS = 20  # far more than any cap: a loop still going by then is a failure


@pytest.fixture
def config_overrides(relay: Relay) -> dict[str, Any]:
    return {"SMTP_RELAY": f"127.0.0.1:{relay[0]}", "SMTP_STARTTLS": False}


def their_answer(ours: EmailMessage, style: str, number: int) -> tuple[str, EmailMessage]:
    """(envelope sender, message): the other side's automatic answer to one of our messages."""
    answer = EmailMessage()
    answer["From"] = f"Shop Helpdesk <{THEM}>"
    answer["To"] = US
    answer["Message-ID"] = make_msgid(domain="shop.example.org")
    answer.set_content(
        "Thank you for contacting us. We have received your message and will get back to you "
        "within two business days.\n"
    )
    if style == "new-ticket":
        # A helpdesk that opens a ticket for every message and says so, with no trace of ours.
        answer["Subject"] = f"[Ticket #{4000 + number}] We have received your message"
        return THEM, answer
    answer["Subject"] = f"Re: {ours['Subject']}"
    answer["In-Reply-To"] = ours["Message-ID"]
    answer["References"] = ours["Message-ID"]
    if style == "auto-submitted":
        answer["Auto-Submitted"] = "auto-replied"
    return ("" if style == "null-sender" else THEM), answer


def send_to_intake(port: int, envelope_sender: str, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail(envelope_sender, [US], message.as_bytes())  # "" is MAIL FROM:<>


def to_them(relay: Relay) -> list[EmailMessage]:
    return [
        email.message_from_bytes(raw, policy=policy.default)
        for _, recipients, raw in relay[1].received
        if recipients == [THEM]
    ]


def count(model: type) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def ping_pong(smtp_port: int, relay: Relay, style: str) -> int:
    """A person at THEM writes once; then their auto-responder answers each message of ours.
    How many rounds it took for a round to pass with nothing sent."""
    send_to_intake(smtp_port, THEM, compose("Do you ship to Canada?", sender=THEM))
    received = 1
    wait_until_processed(received)
    answered = 0
    for round_number in range(1, MAX_ROUNDS + 1):
        run_once()  # the outbox worker: our mail goes to the relay
        ours = to_them(relay)[answered:]
        if not ours:
            return round_number
        for message in ours:
            send_to_intake(smtp_port, *their_answer(message, style, received))
            received += 1
        answered += len(ours)
        wait_until_processed(received)
    raise AssertionError(f"still answering each other after {MAX_ROUNDS} rounds")


@pytest.mark.parametrize(
    ("style", "reason"),
    [
        # standards G41: Auto-Submitted other than "no" is never answered.
        pytest.param("auto-submitted", "Auto-Submitted: auto-replied", id="rfc3834-header"),
        # standards G42: nor is a null envelope sender, as RFC 3834 asks auto-responders to use.
        pytest.param("null-sender", "null sender <> (bounce or notification)", id="null-sender"),
    ],
)
def test_an_auto_reply_marked_as_one_is_never_answered(
    app: Flask, smtp_port: int, relay: Relay, style: str, reason: str
) -> None:
    rounds = ping_pong(smtp_port, relay, style)
    [acknowledgement] = to_them(relay)
    assert rounds == 2
    assert acknowledgement["Auto-Submitted"] == "auto-replied"  # standards G44
    assert count(InboundMessage) == 2 and count(PrivacyRequest) == 1
    answer = db.session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
    assert answer is not None
    assert (answer.machine_generated, answer.machine_reason) == (True, reason)


def test_an_unmarked_reply_in_our_thread_joins_the_request_and_is_not_answered(
    app: Flask, smtp_port: int, relay: Relay
) -> None:
    # The other side sets no RFC 3834 header, but keeps our Message-ID in In-Reply-To (G44):
    # the answer is added to the request it answers, and nothing more is sent.
    ping_pong(smtp_port, relay, "threaded")
    assert len(to_them(relay)) == 1
    assert count(InboundMessage) == 2
    [request] = db.session.scalars(select(PrivacyRequest)).all()
    assert len(request.messages) == 2


def test_an_unmarked_auto_responder_gets_at_most_the_daily_cap(
    app: Flask, smtp_port: int, relay: Relay
) -> None:
    # The worst case: no RFC 3834 header, no X-Loop, no thread, a new subject each time. Each
    # answer reads as a person's new message, so each is tracked as a request; our answers to
    # that address stop at PREFCENTER_AUTO_REPLY_LIMIT, and with them the loop.
    cap = app.config["AUTO_REPLY_LIMIT"]
    assert cap == 5  # the default
    rounds = ping_pong(smtp_port, relay, "new-ticket")
    ours = to_them(relay)
    assert len(ours) == cap
    assert rounds == cap + 1
    assert count(InboundMessage) == cap + 1  # every message kept, none answered past the cap
    assert count(PrivacyRequest) == cap + 1  # and each one tracked for a person to see
    assert count(OutboxMessage) == cap
    for message in ours:  # standards G44: each says it is automatic and names our loop header
        assert message["Auto-Submitted"] == "auto-replied"
        assert message["X-Loop"] == US
        assert message["In-Reply-To"]
