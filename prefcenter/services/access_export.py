"""The copy of everything held about a person, for an access request (CCPA right to know,
GDPR Art. 15): built when downloaded, so it is never stale and never sits in a mail attachment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from prefcenter.clock import now
from prefcenter.extensions import db
from prefcenter.models import (
    ConsentEvent,
    Contact,
    InboundMessage,
    OutboxMessage,
    PrivacyRequest,
)
from prefcenter.services import contacts
from prefcenter.services.addresses import Address, address_hash, of_requester
from prefcenter.services.suppressions import scopes_for


def export(request: PrivacyRequest) -> dict[str, Any]:
    address = of_requester(request)
    contact = contacts.find(address)
    requests = list(
        db.session.scalars(
            select(PrivacyRequest)
            .where(PrivacyRequest.requester_key == address.key)
            .order_by(PrivacyRequest.id)
        )
    )
    return {
        "generated_at": now().isoformat(),
        "request": request.reference,
        "profile": _profile(contact),
        "suppressed_for": sorted(scopes_for(address)),
        "consent_history": _consent_history(contact),
        "requests": [_request(r) for r in requests],
        "messages_from_you": _messages(address, requests),
        "messages_to_you": _sent(address),
    }


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _profile(contact: Contact | None) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {
        "email": contact.email,
        "name": contact.name,
        "created_at": _time(contact.created_at),
        "updated_at": _time(contact.updated_at),
        "subscriptions": {s.category: s.status for s in contact.subscriptions},
    }


def _consent_history(contact: Contact | None) -> list[dict[str, Any]]:
    if contact is None:
        return []
    query = select(ConsentEvent).where(ConsentEvent.contact_id == contact.id)
    return [
        {
            "at": _time(e.occurred_at),
            "category": e.category,
            "from": e.old_status,
            "to": e.new_status,
            "channel": e.channel,
            "wording_version": e.wording_version,
        }
        for e in db.session.scalars(query.order_by(ConsentEvent.id))
    ]


def _request(request: PrivacyRequest) -> dict[str, Any]:
    return {
        "reference": request.reference,
        "kind": request.kind,
        "status": request.status,
        "received_at": _time(request.received_at),
        "history": [
            {"at": _time(e.occurred_at), "status": e.to_status, "note": e.note}
            for e in request.events
        ],
    }


def _messages(address: Address, requests: list[PrivacyRequest]) -> list[dict[str, Any]]:
    opened = [r.inbound_message_id for r in requests]
    query = select(InboundMessage).where(
        or_(func.lower(InboundMessage.from_address) == address.key, InboundMessage.id.in_(opened))
    )
    return [
        {"received_at": _time(m.received_at), "subject": m.subject, "text": m.text}
        for m in db.session.scalars(query.order_by(InboundMessage.id))
    ]


def _sent(address: Address) -> list[dict[str, Any]]:
    query = select(OutboxMessage).where(OutboxMessage.recipient_hash == address_hash(address))
    return [
        {"purpose": m.purpose, "created_at": _time(m.created_at), "sent_at": _time(m.sent_at)}
        for m in db.session.scalars(query.order_by(OutboxMessage.id))
    ]
