"""Privacy requests: opening them from mail, linking replies, and the discontinue that acts at once."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date

from flask import current_app
from sqlalchemy import select

from mail.corrections import propose_changes
from prefcenter.clock import now
from prefcenter.errors import DomainError
from prefcenter.extensions import db
from prefcenter.models import (
    Channel,
    InboundMessage,
    PrivacyRequest,
    RequestKind,
    RequestStatus,
)
from prefcenter.services import contacts, corrections, outbox, request_lifecycle
from prefcenter.services.addresses import Address, of_contact, of_requester
from prefcenter.services.deadlines import (
    BusinessCalendar,
    calendar_for,
    days_left,
    deadlines_for,
    extension_notice_due,
    is_overdue,
)
from prefcenter.services.outbox import AUTO_GENERATED
from prefcenter.services.paging import Page, keyset_page
from prefcenter.services.preferences import PageContact, opt_out_of_sale
from prefcenter.services.request_lifecycle import SYSTEM
from prefcenter.services.request_links import verification_url
from prefcenter.services.subscriptions import ConsentSource, unsubscribe_from_all

# Crockford's base32: no I, L, O or U, so a reference read aloud or retyped is not mistaken.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE = re.compile(r"\bPR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b")
VERIFIED_KINDS = {RequestKind.CORRECTION, RequestKind.DELETION, RequestKind.ACCESS}


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


def find(reference: str, *, for_update: bool = False) -> PrivacyRequest | None:
    query = select(PrivacyRequest).where(PrivacyRequest.reference == reference)
    return db.session.scalar(query.with_for_update() if for_update else query)


def get(reference: str) -> PrivacyRequest:
    # Anything not shaped like a reference names no request; it is not worth a query.
    request = find(reference.upper()) if REFERENCE.fullmatch(reference.upper()) else None
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
    """A new request in status `received`, linked to the message that asked for it, with its
    legal deadlines; then whatever needs no person happens at once.

    `discontinue` and `opt_out_sale` are carried out now: they need no proof of identity
    (standards D24, E32, F40). `correction`, `deletion` and `access` wait for the holder of the
    address on file to confirm by a link (E30, E34, G45). A requester matching no contact is
    marked `no_matching_record`.
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
        no_matching_record=contact is None and kind != RequestKind.OTHER,
    )
    if kind == RequestKind.CORRECTION:
        # What the text says to change, for staff to check against the record and apply (E30).
        changes = propose_changes(message.subject or "", message.text or "")
        request.proposed_changes = [asdict(change) for change in changes]
    request.messages.append(message)
    db.session.add(request)
    request_lifecycle.record_opening(request, "opened from an email")
    request.deadlines = deadline_records(request)
    db.session.flush()
    source = ConsentSource(Channel.EMAIL.value, f"request {request.reference}")
    if kind == RequestKind.DISCONTINUE:
        unsubscribe_from_all(contact, requester, source, reason="email_request")
        done = "every category unsubscribed and the address suppressed for all mail"
        request_lifecycle.move(request, RequestStatus.COMPLETED, SYSTEM, done)
    elif kind == RequestKind.OPT_OUT_SALE:
        if contact is not None:
            opt_out_of_sale(PageContact.of(contact), source)
        done = "opted out of sale and sharing" if contact else "no record: nothing to sell or share"
        request_lifecycle.move(request, RequestStatus.COMPLETED, SYSTEM, done)
    elif kind in VERIFIED_KINDS and contact is not None:
        sent = "confirmation link sent to the address on file"
        request_lifecycle.move(request, RequestStatus.AWAITING_VERIFICATION, SYSTEM, sent)
    return request


NOTICES = {
    RequestStatus.COMPLETED: "completed",
    RequestStatus.DENIED: "denied",
    RequestStatus.EXTENDED: "extended",
}


class TooLateToExtend(DomainError):
    status = 409
    code = "too_late_to_extend"
    title = "The extension notice is due before day 45"


def decide(
    request: PrivacyRequest,
    to: RequestStatus,
    actor: str,
    note: str | None = None,
    *,
    duplicate_of: PrivacyRequest | None = None,
) -> None:
    """A status change by staff, told to the requester where the law asks: completion, denial
    with its reason (F39), extension with its reason and new date before day 45 (E28). Not
    committed."""
    if to == RequestStatus.EXTENDED and business_today() > extension_notice_due(
        request.received_at, business_calendar()
    ):
        raise TooLateToExtend("An extension must be notified by day 44 after receipt.")
    request_lifecycle.move(request, to, actor, note, duplicate_of=duplicate_of)
    if to == RequestStatus.EXTENDED:
        request.deadlines = deadline_records(request)
    purpose = NOTICES.get(to)
    # With no matching record only a denial is news to the requester: it says why.
    if purpose is not None and (not request.no_matching_record or to == RequestStatus.DENIED):
        outbox.queue(
            request,
            purpose,
            of_requester(request),
            auto_submitted=AUTO_GENERATED,
            reason=note,
            corrected=corrections.corrected_fields(request),
        )


def business_calendar() -> BusinessCalendar:
    """The configured business days and time zone that deadlines are counted in."""
    config = current_app.config
    return calendar_for(config["TIME_ZONE"], config["HOLIDAYS"])


def business_today() -> date:
    """Today in the business's time zone: the day deadlines are counted against."""
    return business_calendar().local_date(now())


def deadline_view(request: PrivacyRequest, today: date) -> list[dict[str, object]]:
    """The stored deadlines with `met`, `days_left` and `overdue` worked out for `today`.

    Receipt is met once acknowledged; every deadline is met once the request is finished.
    """
    finished = RequestStatus(request.status) in request_lifecycle.ENDS
    view = []
    for deadline in request.deadlines:
        due = date.fromisoformat(deadline["due"])
        met = finished or (
            deadline["rule"] == "acknowledge" and request.acknowledged_at is not None
        )
        view.append(
            {
                **deadline,
                "met": met,
                "days_left": days_left(due, today),
                "overdue": not met and is_overdue(due, today),
            }
        )
    return view


def deadline_records(request: PrivacyRequest) -> list[dict[str, str]]:
    """The request's legal deadlines, stored so that a later change of settings cannot move them."""
    found = deadlines_for(
        request.kind,
        request.received_at,
        business_calendar(),
        gdpr=current_app.config["GDPR"],
        extended=request_lifecycle.was_extended(request),
    )
    return [
        {"rule": d.rule, "label": d.label, "standard": d.standard, "due": d.due.isoformat()}
        for d in found
    ]


def acknowledge(requests: list[PrivacyRequest]) -> None:
    """Confirm receipt of what one message asked, in one reply (standards E27, G44), then send
    each request that needs it its confirmation link, to the address on file (E30)."""
    first = requests[0]
    if outbox.queue(first, "acknowledgement", of_requester(first), requests=requests) is not None:
        for request in requests:
            request.acknowledged_at = now()
    for request in requests:
        if request.status == RequestStatus.AWAITING_VERIFICATION and request.contact is not None:
            url = verification_url(request)
            outbox.queue(request, "verification", of_contact(request.contact), verify_url=url)


def page(
    limit: int, after_id: int, *, kind: str | None = None, status: str | None = None
) -> Page[PrivacyRequest]:
    query = select(PrivacyRequest)
    if kind:
        query = query.where(PrivacyRequest.kind == kind)
    if status:
        query = query.where(PrivacyRequest.status == status)
    return keyset_page(query, PrivacyRequest.id, limit, after_id)
