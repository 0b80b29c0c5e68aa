"""Confirming a request by the link sent to the address on file (standards E30, E34, G45)."""

from __future__ import annotations

from prefcenter.clock import now
from prefcenter.database import begin_write
from prefcenter.errors import LinkUsed, TokenInvalid
from prefcenter.extensions import db
from prefcenter.models import PrivacyRequest, RequestKind, RequestStatus
from prefcenter.services import outbox, privacy_requests, request_lifecycle
from prefcenter.services.addresses import of_contact, of_requester
from prefcenter.services.erasure import erase
from prefcenter.services.outbox import AUTO_GENERATED
from prefcenter.services.request_links import (
    export_url,
    load_verification,
    verification_reference,
    verification_url,
)


def pending(token: str, *, for_update: bool = False) -> PrivacyRequest:
    """The request a live link confirms; TokenInvalid for a used, replaced or foreign link."""
    reference, nonce = load_verification(token)
    request = privacy_requests.find(reference, for_update=for_update)
    if request is None:
        raise TokenInvalid("This link is damaged or was not made by us.")
    if request.verification_nonce != nonce or request.status != RequestStatus.AWAITING_VERIFICATION:
        raise LinkUsed("This link was already used, or a newer one was sent.")
    return request


def confirm(token: str) -> PrivacyRequest:
    """Mark the request verified, spend the link and carry the request out, in one transaction."""
    begin_write()
    request = pending(token, for_update=True)
    request.verification_nonce = None
    request.verified_at = now()
    request_lifecycle.move(
        request, RequestStatus.VERIFIED, request_lifecycle.REQUESTER, "confirmed by the link"
    )
    carry_out(request)
    db.session.commit()
    return request


def renewable(request: PrivacyRequest) -> bool:
    """Whether a new confirmation link can be sent: the request still waits for one, and the
    contact whose address on file receives it (the only place a link ever goes) still exists."""
    return request.status == RequestStatus.AWAITING_VERIFICATION and request.contact is not None


def renewable_from(token: str) -> PrivacyRequest | None:
    """For a link that expired or was replaced: its request, if a new link can still be sent."""
    reference = verification_reference(token)
    request = privacy_requests.find(reference) if reference else None
    return request if request is not None and renewable(request) else None


def send_new_link(reference: str) -> None:
    """Queue a new confirmation link to the address on file (never another); it replaces any
    earlier one. Nothing changes when the request needs none or that address had its automatic
    mail for the day (PREFCENTER_AUTO_REPLY_LIMIT); the caller is not told which, so that the
    page can never tell a visitor more than the status page does."""
    begin_write()
    request = privacy_requests.find(reference, for_update=True)
    if request is None or not renewable(request):
        db.session.rollback()
        return
    url = verification_url(request)  # a new nonce: the earlier link stops working
    # Caused by a click, not by a message: auto-generated (RFC 3834), and counted against the cap.
    queued = outbox.queue(
        request,
        "verification",
        of_contact(request.contact),
        auto_submitted=AUTO_GENERATED,
        verify_url=url,
    )
    if queued is None:
        db.session.rollback()  # the earlier link keeps working
        return
    db.session.commit()


def carry_out(request: PrivacyRequest) -> None:
    """What a verified request does without a person: deletion erases at once (E31), access
    sends a download link (never an attachment), a correction waits for staff to apply it (E30)."""
    requester = of_requester(request)
    system = request_lifecycle.SYSTEM
    if request.kind == RequestKind.DELETION:
        erase(requester)
        outbox.queue(request, "deletion_done", requester, auto_submitted=AUTO_GENERATED)
        request_lifecycle.move(request, RequestStatus.COMPLETED, system, "personal data erased")
    elif request.kind == RequestKind.ACCESS:
        url = export_url(request)
        outbox.queue(request, "access_ready", requester, auto_submitted=AUTO_GENERATED, url=url)
        request_lifecycle.move(request, RequestStatus.COMPLETED, system, "download link sent")
    else:
        note = "the requested change waits for staff to check and apply it"
        request_lifecycle.move(request, RequestStatus.IN_PROGRESS, system, note)
