"""Privacy requests: opening them from mail, linking replies, and the discontinue that acts at once."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from sqlalchemy import select

from prefcenter.clock import now
from prefcenter.errors import DomainError
from prefcenter.extensions import db
from prefcenter.models import (
    Channel,
    InboundMessage,
    PrivacyRequest,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from prefcenter.services import contacts
from prefcenter.services.addresses import Address
from prefcenter.services.paging import Page, keyset_page
from prefcenter.services.subscriptions import ConsentSource, unsubscribe_from_all

# Crockford's base32: no I, L, O or U, so a reference read aloud or retyped is not mistaken.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE = re.compile(r"\bPR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b")
SYSTEM = "system"


class RequestNotFound(DomainError):
    status = 404
    code = "request_not_found"
    title = "No such request"


def new_reference() -> str:
    """PR-XXXX-XXXX: 40 random bits, so references cannot be guessed or enumerated."""
    while True:
        chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"PR-{chars[:4]}-{chars[4:]}"
        if find(reference) is None:
            return reference


def find(reference: str) -> PrivacyRequest | None:
    return db.session.scalar(select(PrivacyRequest).where(PrivacyRequest.reference == reference))


def get(reference: str) -> PrivacyRequest:
    request = find(reference.upper())
    if request is None:
        raise RequestNotFound("No request has that reference.")
    return request


def references_in(text: str) -> list[str]:
    return list(dict.fromkeys(REFERENCE.findall(text.upper())))


def replied_to(references: Iterable[str], requester: Address) -> list[PrivacyRequest]:
    """Requests named by `references` that this requester opened; anyone else's are ignored, so
    quoting a reference in a subject cannot attach mail to a stranger's request."""
    wanted = list(dict.fromkeys(references))
    if not wanted:
        return []
    query = select(PrivacyRequest).where(
        PrivacyRequest.reference.in_(wanted), PrivacyRequest.requester_key == requester.key
    )
    return list(db.session.scalars(query.order_by(PrivacyRequest.id)))


def open_request(
    kind: RequestKind, requester: Address, message: InboundMessage, language: str | None
) -> PrivacyRequest:
    """A new request in status `received`, linked to the message that asked for it.

    `discontinue` is then carried out at once: CAN-SPAM lets a reply email suffice, and
    stopping mail needs no proof of identity (standards D24, E32, F40).
    """
    contact = contacts.find(requester, for_update=True)
    request = PrivacyRequest(
        reference=new_reference(),
        kind=kind.value,
        status=RequestStatus.RECEIVED.value,
        requester_email=requester.email,
        requester_key=requester.key,
        contact_id=contact.id if contact is not None else None,
        language=language,
        received_at=message.received_at,
        inbound_message_id=message.id,
    )
    request.messages.append(message)
    db.session.add(request)
    record(request, RequestStatus.RECEIVED, SYSTEM, "opened from an email")
    if kind == RequestKind.DISCONTINUE:
        source = ConsentSource(Channel.EMAIL.value, f"request {request.reference}")
        unsubscribe_from_all(contact, requester, source, reason="email_request")
        request.completed_at = now()
        record(
            request,
            RequestStatus.COMPLETED,
            SYSTEM,
            "every category unsubscribed and the address suppressed for all mail",
        )
    return request


def record(request: PrivacyRequest, to: RequestStatus, actor: str, note: str | None) -> None:
    """Move a request to `to`, appending the event that says who did it and when."""
    db.session.add(
        RequestEvent(
            request=request,
            occurred_at=now(),
            actor=actor,
            from_status=request.status if request.events else None,
            to_status=to.value,
            note=note,
        )
    )
    request.status = to.value


def page(
    limit: int, after_id: int, *, kind: str | None = None, status: str | None = None
) -> Page[PrivacyRequest]:
    query = select(PrivacyRequest)
    if kind:
        query = query.where(PrivacyRequest.kind == kind)
    if status:
        query = query.where(PrivacyRequest.status == status)
    return keyset_page(query, PrivacyRequest.id, limit, after_id)
