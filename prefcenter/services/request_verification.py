"""Confirming a request by the link sent to the address on file (standards E30, E34, G45)."""

from __future__ import annotations

from prefcenter.clock import now
from prefcenter.database import begin_write
from prefcenter.errors import LinkUsed, TokenInvalid
from prefcenter.extensions import db
from prefcenter.models import PrivacyRequest, RequestStatus
from prefcenter.services import privacy_requests, request_lifecycle
from prefcenter.services.request_links import load_verification


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
    """Mark the request verified and spend the link, in one transaction."""
    begin_write()
    request = pending(token, for_update=True)
    request.verification_nonce = None
    request.verified_at = now()
    request_lifecycle.move(
        request, RequestStatus.VERIFIED, request_lifecycle.REQUESTER, "confirmed by the link"
    )
    db.session.commit()
    return request
