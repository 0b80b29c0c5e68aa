"""The SMTP intake server, spoken to with smtplib over a real local socket: nothing accepted is lost,
nothing machine-made is answered, unsubscribe mail works whatever it says."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from mail import intake
from mail.server import IntakeServer
from prefcenter.extensions import db
from prefcenter.models import (
    ALL_CATEGORIES,
    ConsentEvent,
    PrivacyRequest,
    Suppression,
)
from prefcenter.services.addresses import address_hash, normalise
from prefcenter.services.links import unsubscribe_token
from tests.factories import make_contact
from tests.inbound import compose, free_port, stored_messages, wait_until_processed

MAX_SIZE = 64 * 1024


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"SMTP_MAX_SIZE": MAX_SIZE}


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[smtplib.SMTP]:
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as connection:
        connection.ehlo("mta.customer.example.net")
        yield connection


def deliver(
    smtp: smtplib.SMTP,
    raw: bytes,
    sender: str = "pat@customer.example.net",
    to: str = "privacy@example.com",
) -> tuple[int, bytes]:
    """One SMTP transaction, lines ending in CRLF as an MTA sends them; the answer to DATA."""
    smtp.mail(sender)
    code, answer = smtp.rcpt(to)
    assert code == 250, answer
    return smtp.data(re.sub(rb"\r?\n", b"\r\n", raw))


def count(model: type) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_message_is_committed_before_the_250(smtp: smtplib.SMTP) -> None:
    raw = compose("Please correct my phone number to 555-0100.").as_bytes()
    code, answer = deliver(smtp, raw)
    assert code == 250, answer
    # No waiting: the row exists by the time the client has its 250.
    [message] = stored_messages()
    assert message.raw == raw.replace(b"\n", b"\r\n")
    assert message.envelope_sender == "pat@customer.example.net"
    assert message.envelope_recipients == ["privacy@example.com"]
    assert message.source == "smtp"


def test_a_batch_stores_each_message_once_and_names_the_stored_one(app: Flask) -> None:
    # The server commits what arrives together in one statement; duplicates must not break it.
    first = compose("Please delete my data.").as_bytes()
    second = compose("What personal data do you hold about me?").as_bytes()
    envelope = intake.Envelope("pat@customer.example.net", ("privacy@example.com",), "smtp")
    [earlier] = intake.store_many([(first, envelope)])
    receipts = intake.store_many([(second, envelope), (first, envelope), (second, envelope)])
    assert [r.duplicate for r in receipts] == [False, True, True]
    assert receipts[1].message_id == earlier.message_id
    assert receipts[2].message_id == receipts[0].message_id
    assert [m.raw for m in stored_messages()] == [first, second]


def test_recipient_outside_our_domains_is_refused_with_550(smtp: smtplib.SMTP) -> None:
    smtp.mail("pat@customer.example.net")
    code, answer = smtp.rcpt("someone@elsewhere.example.net")
    assert code == 550
    assert answer.startswith(b"5.1.1")
    assert count(PrivacyRequest) == 0 and stored_messages() == []


def test_size_is_advertised_and_an_oversize_message_gets_552(smtp: smtplib.SMTP) -> None:
    assert int(smtp.esmtp_features["size"]) == MAX_SIZE
    big = compose("x" * (MAX_SIZE + 1000)).as_bytes()
    code, _ = deliver(smtp, big)
    assert code == 552
    # Announced up front with SIZE=, it is refused before any data is sent.
    smtp.rset()
    code, _ = smtp.mail("pat@customer.example.net", [f"SIZE={MAX_SIZE + 1}"])
    assert code == 552
    assert stored_messages() == []


def test_too_many_recipients_is_a_temporary_refusal(smtp: smtplib.SMTP) -> None:
    smtp.mail("pat@customer.example.net")
    for number in range(100):
        assert smtp.rcpt(f"box{number}@example.com")[0] == 250
    code, answer = smtp.rcpt("box100@example.com")
    assert (code, answer[:5]) == (452, b"4.5.3")


def test_database_failure_answers_451_and_the_resent_message_is_stored_once(
    smtp: smtplib.SMTP,
) -> None:
    raw = compose("Please delete all my data.", subject="Deletion").as_bytes()
    db.session.execute(text("ALTER TABLE inbound_message RENAME TO inbound_message_away"))
    db.session.commit()
    try:
        code, answer = deliver(smtp, raw)
    finally:
        db.session.execute(text("ALTER TABLE inbound_message_away RENAME TO inbound_message"))
        db.session.commit()
    assert code == 451
    assert answer.startswith(b"4.3.0")
    # The sender learns nothing of our insides.
    assert b"inbound_message" not in answer and b"Error" not in answer
    smtp.rset()
    assert deliver(smtp, raw)[0] == 250  # the MTA's retry, after recovery
    assert deliver(smtp, raw)[0] == 250  # and a duplicate delivery
    [message] = wait_until_processed(1)
    assert [r.kind for r in message.requests] == ["deletion"]


def test_the_same_message_by_two_routes_is_stored_once(smtp: smtplib.SMTP) -> None:
    raw = compose("What personal data do you hold about me?").as_bytes()
    assert deliver(smtp, raw)[0] == 250
    relayed = (
        b"Received: from relay.customer.example.net by mx.example.com; Mon, 1 Jan 2026\r\n" + raw
    )
    assert deliver(smtp, relayed)[0] == 250
    [message] = wait_until_processed(1)
    assert [r.kind for r in message.requests] == ["access"]
    assert count(PrivacyRequest) == 1


def test_bounce_out_of_office_and_list_mail_open_no_request(smtp: smtplib.SMTP) -> None:
    # standards G41, G42, G43: kept, marked with the reason, never a request, never a reply.
    bounce = compose(
        "Delivery to the following recipient failed permanently: pat@customer.example.net",
        subject="Delivery Status Notification (Failure)",
        sender="Mail Delivery Subsystem <mailer-daemon@customer.example.net>",
    )
    assert deliver(smtp, bounce.as_bytes(), sender="")[0] == 250
    away = compose(
        "I am out of the office until Monday. Please delete this message if urgent.",
        subject="Automatic reply: your order",
        headers={"Auto-Submitted": "auto-replied"},
    )
    assert deliver(smtp, away.as_bytes())[0] == 250
    newsletter = compose(
        "This week's digest. To unsubscribe, reply with 'unsubscribe'.",
        subject="Weekly digest",
        sender="Digest <digest@lists.customer.example.net>",
        headers={"List-Id": "<digest.lists.customer.example.net>", "Precedence": "list"},
    )
    assert (
        deliver(smtp, newsletter.as_bytes(), sender="digest@lists.customer.example.net")[0] == 250
    )
    messages = wait_until_processed(3)
    assert [m.machine_generated for m in messages] == [True, True, True]
    assert [m.outcome for m in messages] == ["bounce", "machine_generated", "machine_generated"]
    assert messages[0].machine_reason.startswith("null sender")
    assert messages[1].machine_reason == "Auto-Submitted: auto-replied"
    assert messages[2].machine_reason.startswith("Precedence") or "list-id" in (
        messages[2].machine_reason
    )
    assert count(PrivacyRequest) == 0


def test_unsubscribe_mailbox_unsubscribes_whatever_the_body_says(smtp: smtplib.SMTP) -> None:
    # standards D24, C18: a reply to the unsubscribe mailbox is processed, for that list only.
    contact = make_contact("jane@customer.example.net")
    token = unsubscribe_token(contact, "marketing")
    mail = compose("Hi! Please send me more offers.", sender="jane@customer.example.net")
    code, _ = deliver(smtp, mail.as_bytes(), to=f"unsubscribe+{token}@example.com")
    assert code == 250
    [message] = wait_until_processed(1)
    assert message.outcome == "unsubscribed"
    db.session.refresh(contact)
    statuses = {s.category: s.status for s in contact.subscriptions}
    assert statuses == {
        "marketing": "unsubscribed",
        "updates": "subscribed",
        "promotional": "subscribed",
    }
    [event] = db.session.scalars(
        select(ConsentEvent).where(ConsentEvent.new_status == "unsubscribed")
    ).all()
    assert (event.category, event.channel) == ("marketing", "email")
    assert count(PrivacyRequest) == 0


def test_a_damaged_unsubscribe_token_falls_through_to_contact_us(smtp: smtplib.SMTP) -> None:
    contact = make_contact("jane@customer.example.net")
    token = unsubscribe_token(contact, "marketing")
    damaged = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    mail = compose("Unsubscribe me from everything, please.", sender="jane@customer.example.net")
    assert deliver(smtp, mail.as_bytes(), to=f"unsubscribe+{damaged}@example.com")[0] == 250
    [message] = wait_until_processed(1)
    [request] = message.requests
    assert request.kind == "discontinue"


def test_contact_us_mail_opens_a_tracked_request(smtp: smtplib.SMTP) -> None:
    mail = compose(
        "Hello,\nplease erase all my personal data.\n\nThanks,\nPat",
        subject="Data deletion",
        sender="Pat Smith <Pat@Customer.Example.net>",
    )
    assert deliver(smtp, mail.as_bytes())[0] == 250
    [message] = wait_until_processed(1)
    [request] = message.requests
    assert request.kind == "deletion"
    assert request.status == "received"
    assert request.requester_email == "Pat@customer.example.net"
    assert request.reference.startswith("PR-") and len(request.reference) == 12
    assert request.inbound_message_id == message.id
    assert request.received_at == message.received_at
    assert [(e.from_status, e.to_status, e.actor) for e in request.events] == [
        (None, "received", "system")
    ]
    assert message.kind == "deletion" and message.reasons
    assert message.from_name == "Pat Smith"


def test_discontinue_by_email_takes_effect_at_once(smtp: smtplib.SMTP) -> None:
    # standards D24, F40: one reply email suffices; no verification; every category off.
    contact = make_contact("jane@customer.example.net")
    mail = compose("Please stop emailing me.", sender="Jane <jane@customer.example.net>")
    assert deliver(smtp, mail.as_bytes(), sender="jane@customer.example.net")[0] == 250
    [message] = wait_until_processed(1)
    [request] = message.requests
    assert (request.kind, request.status) == ("discontinue", "completed")
    assert request.completed_at is not None
    db.session.refresh(contact)
    assert {s.status for s in contact.subscriptions} == {"unsubscribed"}
    channels = set(
        db.session.scalars(
            select(ConsentEvent.channel).where(ConsentEvent.new_status == "unsubscribed")
        )
    )
    assert channels == {"email"}
    suppressed = db.session.scalar(
        select(Suppression).where(
            Suppression.address_hash == address_hash(normalise("jane@customer.example.net")),
            Suppression.scope == ALL_CATEGORIES,
        )
    )
    assert suppressed is not None and suppressed.channel == "email"


def test_discontinue_from_an_unknown_address_still_suppresses_it(smtp: smtplib.SMTP) -> None:
    mail = compose("Remove me from your mailing list.", sender="stranger@customer.example.net")
    assert deliver(smtp, mail.as_bytes())[0] == 250
    wait_until_processed(1)
    hashes = set(db.session.scalars(select(Suppression.address_hash)))
    assert address_hash(normalise("stranger@customer.example.net")) in hashes


def test_a_reply_from_the_requester_joins_the_request_and_a_strangers_does_not(
    smtp: smtplib.SMTP,
) -> None:
    first = compose("Please delete my account and data.", sender="pat@customer.example.net")
    assert deliver(smtp, first.as_bytes())[0] == 250
    [opened] = wait_until_processed(1)
    reference = opened.requests[0].reference
    reply = compose(
        "Any news on this? Also my phone number changed.",
        subject=f"Re: Your request {reference}",
        sender="pat@customer.example.net",
        headers={"In-Reply-To": f"<{reference}.ack@example.com>"},
    )
    assert deliver(smtp, reply.as_bytes())[0] == 250
    hijack = compose(
        "Please delete my data too.",
        subject=f"Re: Your request {reference}",
        sender="mallory@attacker.example.net",
    )
    assert deliver(smtp, hijack.as_bytes(), sender="mallory@attacker.example.net")[0] == 250
    _, joined, separate = wait_until_processed(3)
    assert joined.outcome == "appended"
    assert [r.reference for r in joined.requests] == [reference]
    assert separate.outcome == "request_opened"
    assert separate.requests[0].reference != reference
    assert separate.requests[0].requester_email == "mallory@attacker.example.net"
    db.session.refresh(opened.requests[0])
    assert [m.id for m in opened.requests[0].messages] == [opened.id, joined.id]


def test_several_kinds_in_one_message_are_all_recorded(smtp: smtplib.SMTP) -> None:
    mail = compose("Please delete my data and stop emailing me.", sender="pat@customer.example.net")
    assert deliver(smtp, mail.as_bytes())[0] == 250
    [message] = wait_until_processed(1)
    assert set(message.kinds) == {"deletion", "discontinue"}
    assert {r.kind for r in message.requests} == {"deletion", "discontinue"}


def test_a_message_that_cannot_be_parsed_is_kept_for_a_person(smtp: smtplib.SMTP) -> None:
    garbage = b"\x00\x01\x02 this is not a message at all \xff\xfe"
    assert deliver(smtp, garbage)[0] == 250
    [message] = wait_until_processed(1)
    assert message.state == "unparsed"
    assert message.raw == garbage + b"\r\n"
    assert count(PrivacyRequest) == 0


def test_a_backlog_larger_than_a_sweep_batch_is_processed_at_start(app: Flask) -> None:
    # An outage (or a node stopped mid-burst) can leave more stored messages than one batch.
    backlog = intake.PENDING_BATCH + 5
    intake.store_many(
        [
            (
                compose("Do you ship abroad?", sender=f"buyer{n}@customer.example.net").as_bytes(),
                intake.Envelope(f"buyer{n}@customer.example.net", ("privacy@example.com",), "smtp"),
            )
            for n in range(backlog)
        ]
    )
    server = IntakeServer(app, "127.0.0.1", free_port())
    server.start()
    try:
        # Well before the next periodic sweep (a minute): the first one took them all.
        messages = wait_until_processed(backlog)
    finally:
        server.stop()
    assert len(messages) == backlog
