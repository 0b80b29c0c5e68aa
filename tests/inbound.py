"""Helpers for inbound-mail tests: composing messages, and waiting for background processing."""

from __future__ import annotations

import socket
import time
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import func, select

from mail import intake
from prefcenter.extensions import db
from prefcenter.models import InboundMessage, MessageState

PROCESSING_DEADLINE = 15.0


def compose(
    body: str,
    *,
    subject: str = "Hello",
    sender: str = "Pat Smith <pat@customer.example.net>",
    to: str = "privacy@example.com",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="customer.example.net")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stored_messages() -> list[InboundMessage]:
    # End the test thread's read snapshot first: the server committed on its own connections.
    db.session.rollback()
    return list(db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def wait_until_processed(expected: int) -> list[InboundMessage]:
    """The stored messages, once `expected` of them exist and none is still waiting to be processed."""
    deadline = time.monotonic() + PROCESSING_DEADLINE
    while True:
        db.session.rollback()
        total = db.session.scalar(select(func.count(InboundMessage.id)))
        waiting = db.session.scalar(
            select(func.count(InboundMessage.id)).where(
                InboundMessage.state == MessageState.STORED.value
            )
        )
        if total >= expected and not waiting:
            return stored_messages()
        if time.monotonic() > deadline:
            raise AssertionError(f"{total} messages stored, {waiting} still unprocessed")
        time.sleep(0.05)


def receive(
    message: EmailMessage, envelope_sender: str = "pat@customer.example.net"
) -> InboundMessage:
    """Arrange: take a message through intake as the SMTP server does, processing included."""
    receipt = intake.accept(
        message.as_bytes(), intake.Envelope(envelope_sender, (str(message["To"]),), "smtp")
    )
    return db.session.get(InboundMessage, receipt.message_id)
