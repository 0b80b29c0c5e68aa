"""Queueing our messages about requests, in the transaction of the event that causes them.

Each message is rendered from `templates/mail/<purpose>.txt`, whose first line is the subject.
The worker (`mail.worker`) delivers it later; nothing here talks to a relay.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app, render_template
from sqlalchemy import func, select

from mail.outbound import Draft, compose
from prefcenter.clock import now
from prefcenter.extensions import db
from prefcenter.models import InboundMessage, OutboxMessage, OutboxStatus, PrivacyRequest
from prefcenter.services.addresses import Address, address_hash
from prefcenter.services.request_links import status_url

log = logging.getLogger(__name__)

AUTO_REPLIED = "auto-replied"
AUTO_GENERATED = "auto-generated"
HUMAN = "no"  # RFC 3834: written by a person


def message_id_for(request: PrivacyRequest) -> str:
    """Our Message-IDs carry the reference, so a reply to any of them finds its request."""
    return f"<{request.reference}.{secrets.token_hex(8)}@{current_app.config['MAIL_DOMAIN']}>"


def sent_recently(recipient: Address) -> int:
    since = now() - timedelta(days=1)
    query = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.recipient_hash == address_hash(recipient), OutboxMessage.created_at > since
    )
    return db.session.scalar(query) or 0


def queue(
    request: PrivacyRequest,
    purpose: str,
    recipient: Address,
    *,
    auto_submitted: str = AUTO_REPLIED,
    **context: Any,
) -> OutboxMessage | None:
    """Queue one message to one recipient; None when the address had its automatic replies for
    the day (PREFCENTER_AUTO_REPLY_LIMIT), which breaks a loop with another auto-responder.
    A person's reply (`auto_submitted="no"`) is never held back."""
    config = current_app.config
    automatic = auto_submitted != HUMAN
    if automatic and sent_recently(recipient) >= config["AUTO_REPLY_LIMIT"]:
        log.warning("auto-reply limit reached; %s for request %s not sent", purpose, request.id)
        return None
    subject, _, body = render_template(
        f"mail/{purpose}.txt",
        request=request,
        status_url=status_url(request),
        sender_name=config["SENDER_NAME"],
        postal_address=config["POSTAL_ADDRESS"],
        **context,
    ).partition("\n")
    opening = db.session.get(InboundMessage, request.inbound_message_id)
    in_reply_to = opening.message_id if opening is not None else None
    at = now()
    draft = Draft(
        sender_name=config["SENDER_NAME"],
        sender=config["PRIVACY_ADDRESS"],
        recipient=recipient.email,
        subject=f"[{request.reference}] {subject.strip()}",
        body=body.strip() + "\n",
        message_id=message_id_for(request),
        date=at,
        auto_submitted=auto_submitted,
        in_reply_to=in_reply_to,
        references=(in_reply_to,) if in_reply_to else (),
        loop=config["PRIVACY_ADDRESS"],
    )
    message = OutboxMessage(
        request_id=request.id,
        purpose=purpose,
        recipient=recipient.email,
        recipient_hash=address_hash(recipient),
        message_id=draft.message_id,
        raw=compose(draft, config),
        status=OutboxStatus.PENDING.value,
        attempts=0,
        created_at=at,
        next_attempt_at=at,
    )
    db.session.add(message)
    return message


def for_request(request: PrivacyRequest) -> list[OutboxMessage]:
    """Our messages about a request, oldest first."""
    query = select(OutboxMessage).where(OutboxMessage.request_id == request.id)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))
