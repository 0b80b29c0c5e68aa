"""The life of a privacy request: which status may follow which, and the event each change leaves.

received -> awaiting_verification -> verified -> in_progress -> completed | denied | cancelled
`extended` (once, with a reason) continues the work with a later due date;
`duplicate` (linked to the original) ends a request that repeats another.
"""

from __future__ import annotations

from prefcenter.clock import now
from prefcenter.errors import DomainError, ValidationFailed
from prefcenter.extensions import db
from prefcenter.models import ChangeEventType, PrivacyRequest, RequestEvent, RequestStatus
from prefcenter.services import change_feed
from prefcenter.services.addresses import Address
from prefcenter.services.erasure import ERASED

S = RequestStatus
ENDS = {S.COMPLETED, S.DENIED, S.CANCELLED, S.DUPLICATE}
WORKING = {S.VERIFIED, S.IN_PROGRESS, S.EXTENDED}
ALLOWED: dict[RequestStatus, set[RequestStatus]] = {
    S.RECEIVED: {S.AWAITING_VERIFICATION, S.VERIFIED, S.IN_PROGRESS, S.EXTENDED} | ENDS,
    S.AWAITING_VERIFICATION: {S.VERIFIED, S.EXTENDED} | ENDS,
    S.VERIFIED: {S.IN_PROGRESS, S.EXTENDED} | ENDS - {S.DUPLICATE},
    S.IN_PROGRESS: {S.EXTENDED} | ENDS - {S.DUPLICATE},
    S.EXTENDED: {S.IN_PROGRESS} | ENDS - {S.DUPLICATE},
}
NEEDS_REASON = {S.DENIED, S.EXTENDED}
SYSTEM = "system"
REQUESTER = "requester"


class InvalidTransition(DomainError):
    status = 409
    code = "invalid_transition"
    title = "That change is not possible for this request"


def can_move(request: PrivacyRequest, to: RequestStatus) -> bool:
    return to in ALLOWED.get(RequestStatus(request.status), set()) and not (
        to == S.EXTENDED and was_extended(request)
    )


def was_extended(request: PrivacyRequest) -> bool:
    return any(event.to_status == S.EXTENDED for event in request.events)


def record_opening(request: PrivacyRequest, note: str) -> None:
    """The first event of a request: it was received."""
    _append(request, None, S.RECEIVED, SYSTEM, note)
    request.status = S.RECEIVED.value


def note(request: PrivacyRequest, actor: str, text: str) -> None:
    """An event that records work on the request without changing its status."""
    status = RequestStatus(request.status)
    _append(request, status, status, actor, text)


def move(
    request: PrivacyRequest,
    to: RequestStatus,
    actor: str,
    note: str | None = None,
    *,
    duplicate_of: PrivacyRequest | None = None,
) -> None:
    """Change the status, appending the event that says who did it, when and why.

    Refused: a change the lifecycle does not allow, a second extension, a denial or extension
    without a reason, a duplicate without the original it repeats.
    """
    if not can_move(request, to):
        again = " again" if to == S.EXTENDED and was_extended(request) else ""
        raise InvalidTransition(
            f"A request that is {request.status} cannot become {to.value}{again}.",
            current=request.status,
            wanted=to.value,
        )
    if to in NEEDS_REASON and not (note or "").strip():
        raise ValidationFailed({"note": f"a reason is required to make a request {to.value}"})
    if to == S.DUPLICATE:
        if duplicate_of is None or duplicate_of.id == request.id:
            raise ValidationFailed({"duplicate_of": "name the original request"})
        request.duplicate_of_id = duplicate_of.id
    _append(request, RequestStatus(request.status), to, actor, note)
    request.status = to.value
    if to in ENDS:
        request.completed_at = now()


def _append(
    request: PrivacyRequest,
    from_status: RequestStatus | None,
    to: RequestStatus,
    actor: str,
    note: str | None,
) -> None:
    at = now()
    old = from_status.value if from_status else None
    db.session.add(
        RequestEvent(
            request=request,
            occurred_at=at,
            actor=actor,
            from_status=old,
            to_status=to.value,
            note=note,
        )
    )
    if from_status != to:
        erased = request.requester_email == ERASED
        change_feed.record(
            ChangeEventType.REQUEST_STATUS_CHANGED,
            address=None if erased else Address(request.requester_email, request.requester_key),
            contact_uid=request.contact.uid if request.contact else None,
            old=old,
            new=to.value,
            detail=request.kind,
            request_reference=request.reference,
            at=at,
        )
