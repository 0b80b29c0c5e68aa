"""Bounces and complaints, sent over SMTP to the real intake server: what they suppress and
unsubscribe, that they are never answered nor a request, and where staff and senders see them."""

from __future__ import annotations

import json
import re
import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from mail import intake
from prefcenter.extensions import db
from prefcenter.models import (
    ALL_CATEGORIES,
    Bounce,
    ChangeEvent,
    ConsentEvent,
    Contact,
    InboundMessage,
    OutboxMessage,
    PrivacyRequest,
    Suppression,
)
from prefcenter.services.addresses import address_hash, normalise
from prefcenter.services.erasure import erase
from prefcenter.services.links import LinkMaker
from tests.factories import make_contact, make_staff
from tests.inbound import wait_until_processed
from tests.test_console import sign_in

CORPUS = Path(__file__).parent / "corpus" / "bounces"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CORPUS / "expected.json").read_text())
DOMAIN = "shop.example.net"
PRIVACY = f"privacy@{DOMAIN}"
BOUNCE_KINDS = {"hard_bounce": "hard", "soft_bounce": "soft"}
SOFT_LIMIT = 2


class Clock:
    """The app's clock (config CLOCK), moved by the test."""

    def __init__(self) -> None:
        self.at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config_overrides(clock: Clock) -> dict[str, Any]:
    # Not example.com: the corpus mails people there, and our own addresses are never reported.
    return {"MAIL_DOMAIN": DOMAIN, "SOFT_BOUNCE_LIMIT": SOFT_LIMIT, "CLOCK": clock}


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[smtplib.SMTP]:
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as connection:
        connection.ehlo("mx.reporter.example.org")
        yield connection


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def original_sender(raw: bytes) -> str:
    """The envelope sender the message came with: "" for the null sender of a bounce."""
    headers = BytesHeaderParser().parsebytes(raw)
    if "Return-Path" in headers:
        address = str(headers["Return-Path"]).strip().strip("<>")
    else:
        address = parseaddr(str(headers.get("From", "")))[1]
    return "" if re.match(r"(?i)mailer-daemon\b", address) else address


def transportable(raw: bytes) -> bytes:
    """CRLF line ends, and a header line longer than SMTP carries (RFC 5321: 998 octets) folded
    at a space, as an MTA folds it; unfolding gives back the same header (RFC 5322)."""
    head, _, body = re.sub(rb"\r?\n", b"\r\n", raw).partition(b"\r\n\r\n")
    lines = []
    for line in head.split(b"\r\n"):
        while len(line) > 998:
            cut = line.rindex(b" ", 0, 998)
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def deliver(smtp: smtplib.SMTP, raw: bytes, to: str = PRIVACY, sender: str | None = None) -> None:
    smtp.mail(original_sender(raw) if sender is None else sender)
    assert smtp.rcpt(to)[0] == 250
    code, answer = smtp.data(transportable(raw))
    assert code == 250, answer


def hashes(addresses: list[str]) -> set[str]:
    return {address_hash(normalise(a)) for a in addresses}


def suppressed(reason: str) -> set[str]:
    query = select(Suppression.address_hash).where(
        Suppression.scope == ALL_CATEGORIES, Suppression.reason == reason
    )
    return set(db.session.scalars(query))


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def contacts_for(names: list[str]) -> None:
    for name in names:
        for address in EXPECTED[name]["recipients"]:
            if db.session.scalar(select(Contact).where(Contact.email_key == address)) is None:
                make_contact(address)


def return_path(contact: Contact) -> str:
    return LinkMaker("marketing")(contact).return_path


def with_message_id(raw: bytes, number: int) -> bytes:
    """The same report as a new message (intake stores one message once)."""
    return re.sub(rb"(?im)^Message-ID:[^\n]*", f"Message-ID: <copy{number}@t>".encode(), raw)


BOUNCES = sorted(n for n, e in EXPECTED.items() if e["kind"] != "complaint")
COMPLAINTS = sorted(n for n, e in EXPECTED.items() if e["kind"] == "complaint")


def test_the_corpus_suppresses_exactly_the_hard_bounced_addresses(smtp: smtplib.SMTP) -> None:
    # standards G41, G42: bounces, delay notices and auto-replies are never answered and never
    # open a request; they only ever stop mail.
    contacts_for(BOUNCES)
    for name in BOUNCES:
        deliver(smtp, corpus(name))
    messages = wait_until_processed(len(BOUNCES))
    outcomes = {name: m.outcome for name, m in zip(BOUNCES, messages, strict=True)}
    for name, outcome in outcomes.items():
        bounced = EXPECTED[name]["kind"] in BOUNCE_KINDS
        assert outcome == ("bounce" if bounced else "machine_generated"), name
    assert count(PrivacyRequest) == 0 and count(OutboxMessage) == 0

    hard, recorded = [], set()
    for name in BOUNCES:
        expected = EXPECTED[name]
        per_recipient = expected.get("per_recipient", {})
        for address in expected["recipients"] if expected["kind"] in BOUNCE_KINDS else []:
            kind = per_recipient.get(address, expected)["kind"]
            recorded.add((address_hash(normalise(address)), BOUNCE_KINDS[kind]))
            hard += [address] if kind == "hard_bounce" else []
    assert set(db.session.execute(select(Bounce.address_hash, Bounce.kind))) == recorded
    assert suppressed("bounce") == hashes(hard)
    # Soft bounces are counted, and suppress nobody who had fewer than the limit.
    assert count(Suppression) == len(hashes(hard))
    assert count(ConsentEvent) == 3 * count(Contact), "a bounce changes no subscription"


def test_soft_bounces_suppress_at_the_limit_within_the_window(
    smtp: smtplib.SMTP, clock: Clock
) -> None:
    make_contact("kijitora@example.jp")
    full, start = corpus("hotmail-mailbox-full.eml"), clock.at
    for number, day in enumerate([0, 8, 9]):
        clock.at = start + timedelta(days=day)
        deliver(smtp, with_message_id(full, number))
        wait_until_processed(number + 1)
        # Day 8 drops day 0 out of the 7-day window; day 9 makes two within it.
        assert bool(suppressed("bounce")) == (day == 9), day
    assert [k for (k,) in db.session.execute(select(Bounce.kind))] == ["soft"] * 3


def test_one_report_naming_an_address_twice_counts_once(smtp: smtplib.SMTP) -> None:
    make_contact("kijitora@example.jp")
    full = corpus("hotmail-mailbox-full.eml")
    block = b"Final-Recipient: rfc822;kijitora@example.jp\nAction: failed\nStatus: 5.2.2\n"
    twice = full.replace(block, block + b"\n" + block.replace(b"Final", b"Original"))
    assert twice.count(b"kijitora@example.jp\nAction") == 2
    deliver(smtp, twice)
    deliver(smtp, twice)  # the same message again: stored once
    [message] = wait_until_processed(1)
    assert message.outcome == "bounce"
    assert count(Bounce) == 1 and suppressed("bounce") == set()


def test_a_complaint_unsubscribes_from_every_category_at_once(smtp: smtplib.SMTP) -> None:
    # standards C16 (honoured at once), D22 (every category), F37 (how, on each consent event).
    contacts_for(COMPLAINTS)
    bystander = make_contact("someone@customer.example.net")
    for name in [*COMPLAINTS, "arf-dmarc-auth-failure.eml", "apple-mail-unsubscribe.eml"]:
        deliver(smtp, corpus(name), to=f"fbl@{DOMAIN}")
    messages = wait_until_processed(len(COMPLAINTS) + 2)
    assert [m.outcome for m in messages] == ["complaint"] * 5 + ["machine_generated"] * 2
    named = [a for n in COMPLAINTS for a in EXPECTED[n]["recipients"]]
    complainants = sorted(set(named))
    assert (len(named), len(complainants)) == (10, 9)
    assert suppressed("complaint") == hashes(complainants)
    for address in complainants:
        contact = db.session.scalar(select(Contact).where(Contact.email_key == address))
        assert {s.status for s in contact.subscriptions} == {"unsubscribed"}
        events = db.session.scalars(
            select(ConsentEvent).where(
                ConsentEvent.contact_id == contact.id, ConsentEvent.new_status == "unsubscribed"
            )
        ).all()
        assert sorted(e.category for e in events) == ["marketing", "promotional", "updates"]
        assert {(e.channel, e.actor) for e in events} == {("complaint", "feedback loop")}
    assert {s.status for s in bystander.subscriptions} == {"subscribed"}
    kinds = db.session.scalars(select(Bounce.kind)).all()
    assert kinds == ["complaint"] * len(named)
    assert count(PrivacyRequest) == 0 and count(OutboxMessage) == 0


def test_a_redacted_complaint_finds_the_contact_by_our_token(smtp: smtplib.SMTP) -> None:
    jane = make_contact("jane@customer.example.net")
    raw = corpus("arf-redacted-recipient.eml").replace(
        b"Return-Path: <support@example.ed.jp>", f"Return-Path: <{return_path(jane)}>".encode()
    )
    deliver(smtp, raw, to=f"abuse@{DOMAIN}")
    [message] = wait_until_processed(1)
    assert message.outcome == "complaint"
    db.session.refresh(jane)
    assert {s.status for s in jane.subscriptions} == {"unsubscribed"}
    assert suppressed("complaint") == hashes(["jane@customer.example.net"])


def test_a_bounce_to_the_return_path_is_about_the_tokens_contact(smtp: smtplib.SMTP) -> None:
    jane = make_contact("jane@customer.example.net")
    make_contact("userunknown@libsisimai.org")
    # The DSN names someone else: the signed token, not the report's text, says whose it is.
    deliver(smtp, corpus("postfix-user-unknown.eml"), to=return_path(jane), sender="")
    [message] = wait_until_processed(1)
    assert message.outcome == "bounce"
    assert suppressed("bounce") == hashes(["jane@customer.example.net"])
    [bounce] = db.session.scalars(select(Bounce)).all()
    assert (bounce.kind, bounce.status, bounce.inbound_message_id) == ("hard", "5.1.1", message.id)
    assert count(PrivacyRequest) == 0 and count(OutboxMessage) == 0


def test_a_return_path_with_a_damaged_token_changes_nothing(smtp: smtplib.SMTP) -> None:
    # standards A5: a tampered token changes nothing; G42: and a bounce gets no reply.
    jane = make_contact("jane@customer.example.net")
    make_contact("userunknown@libsisimai.org")
    address = return_path(jane)
    damaged = address.replace("bounce+", "bounce+x", 1)
    deliver(smtp, corpus("postfix-user-unknown.eml"), to=damaged, sender="")
    [message] = wait_until_processed(1)
    assert (message.outcome, message.machine_generated) == ("machine_generated", True)
    assert count(Bounce) == 0 and count(Suppression) == 0
    assert count(PrivacyRequest) == 0 and count(OutboxMessage) == 0


def test_an_auto_reply_to_the_return_path_is_dropped_quietly(smtp: smtplib.SMTP) -> None:
    jane = make_contact("jane@customer.example.net")
    reply = b"From: Jane <jane@customer.example.net>\r\nSubject: Re: offers\r\n\r\nThanks!\r\n"
    deliver(smtp, reply, to=return_path(jane), sender="jane@customer.example.net")
    [message] = wait_until_processed(1)
    assert (message.outcome, message.machine_generated) == ("machine_generated", True)
    assert message.machine_reason == "sent to our return path, not a bounce report"
    assert count(Bounce) == 0 and count(Suppression) == 0
    assert count(PrivacyRequest) == 0 and count(OutboxMessage) == 0


def test_bounces_and_complaints_are_in_the_change_feed(smtp: smtplib.SMTP) -> None:
    jane = make_contact("jane@customer.example.net")
    yahoo = make_contact("this-local-part-does-not-exist-on-yahoo@yahoo.com")
    deliver(smtp, corpus("postfix-user-unknown.eml"), to=return_path(jane), sender="")
    wait_until_processed(1)
    deliver(smtp, corpus("arf-yahoo.eml"), to=f"fbl@{DOMAIN}")
    wait_until_processed(2)
    events = db.session.scalars(select(ChangeEvent).order_by(ChangeEvent.id)).all()
    mine = [
        (e.type, e.contact_uid, e.email, e.new, e.channel, e.detail)
        for e in events
        if e.type in {"bounce.received", "complaint.received"}
    ]
    assert mine == [
        ("bounce.received", jane.uid, jane.email, "hard", "bounce", "5.1.1"),
        ("complaint.received", yahoo.uid, yahoo.email, None, "complaint", "Feedback-Type: abuse"),
    ]
    after_bounce = [e.type for e in events][[e.type for e in events].index("bounce.received") + 1]
    assert after_bounce == "suppression.added"


def test_the_contact_page_lists_bounces_and_complaints(app: Flask, client: FlaskClient) -> None:
    jane = make_contact("jane@customer.example.net")
    complaint = corpus("arf-yahoo.eml").replace(
        b"Return-Path: <shironeko@example.com>", f"Return-Path: <{return_path(jane)}>".encode()
    )
    for raw, to in [(corpus("sendmail-user-unknown.eml"), return_path(jane)), (complaint, PRIVACY)]:
        intake.accept(raw, intake.Envelope("", (to,), "smtp"))
    assert db.session.scalars(select(InboundMessage.outcome)).all() == ["bounce", "complaint"]
    sign_in(client, make_staff())
    page = client.get(f"/console/contacts/{jane.id}").get_data(as_text=True)
    assert "2026-03-02 09:00 UTC · complaint · Feedback-Type: abuse" in page
    assert (
        "2026-03-02 09:00 UTC · hard · 5.1.1 · 550 5.1.1 &lt;userunknown@bouncehammer.jp&gt;"
        in page
    )
    other = make_contact("pat@customer.example.net")
    assert "Bounces and complaints</h2>\n  <ol><li>None." in client.get(
        f"/console/contacts/{other.id}"
    ).get_data(as_text=True)


def test_erasing_an_address_blanks_the_reports_about_it(smtp: smtplib.SMTP) -> None:
    # standards E31: after deletion the address is gone from the reports and the bounce log; the
    # bounce suppression stays, so the address is still never mailed.
    jane = make_contact("jane@customer.example.net")
    deliver(smtp, corpus("postfix-user-unknown.eml"), to=return_path(jane), sender="")
    [report] = wait_until_processed(1)
    erase(normalise("jane@customer.example.net"))
    db.session.commit()
    db.session.refresh(report)
    assert report.raw == b"" and report.subject is None
    assert db.session.scalars(select(Bounce.diagnostic)).all() == [None]
    assert suppressed("bounce") == hashes(["jane@customer.example.net"])
