"""Applying a correction request's changes to the contact, one field at a time (standards E30).

Staff check each proposed change against what the text says and apply it, possibly edited. The
request log records which field was corrected, not the values: values are personal data, and the
log outlives an erasure.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from prefcenter.clock import now
from prefcenter.errors import DomainError, ValidationFailed
from prefcenter.extensions import db
from prefcenter.models import Contact, PrivacyRequest, RequestStatus, Suppression
from prefcenter.services import contacts, request_lifecycle
from prefcenter.services.addresses import address_hash, normalise, of_contact
from prefcenter.services.suppressions import suppress

FIELDS = {"name": 200, "postal_address": 1000, "phone": 64, "email": 320}
LABELS = {
    "name": "name",
    "postal_address": "postal address",
    "phone": "phone number",
    "email": "email address",
}
CORRECTED = "{field} corrected"


class NothingToCorrect(DomainError):
    status = 409
    code = "no_contact"
    title = "This request has no contact to correct"


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None
    new: str


def current_values(contact: Contact) -> dict[str, str | None]:
    return {field: getattr(contact, field) for field in FIELDS}


def apply(request: PrivacyRequest, field: str, value: str, actor: str) -> FieldChange:
    """Set one field of the request's contact; not committed."""
    if field not in FIELDS:
        raise ValidationFailed({"field": f"must be one of {', '.join(FIELDS)}"})
    value = " ".join(value.split()) if field != "postal_address" else value.strip()
    if not value or len(value) > FIELDS[field]:
        raise ValidationFailed({field: f"give a value of 1 to {FIELDS[field]} characters"})
    contact = request.contact
    if contact is None:
        raise NothingToCorrect("There is no contact record to correct for this request.")
    if request.status not in (
        RequestStatus.VERIFIED,
        RequestStatus.IN_PROGRESS,
        RequestStatus.EXTENDED,
    ):
        raise request_lifecycle.InvalidTransition(
            f"A request that is {request.status} cannot be applied; confirm the requester first."
        )
    old = getattr(contact, field)
    if field == "email":
        _change_email(contact, value)
    else:
        setattr(contact, field, value)
    contact.updated_at = now()
    done = CORRECTED.format(field=field)
    if request.status == RequestStatus.VERIFIED:
        request_lifecycle.move(request, RequestStatus.IN_PROGRESS, actor, done)
    else:
        request_lifecycle.note(request, actor, done)
    return FieldChange(field, old, getattr(contact, field))


def _change_email(contact: Contact, raw: str) -> None:
    """A new address keeps the old one's suppressions: opting out must survive the change."""
    new = normalise(raw)
    taken = contacts.find(new)
    if taken is not None and taken.id != contact.id:
        raise ValidationFailed({"email": "another contact already has that address"})
    old_hash = address_hash(of_contact(contact))
    kept = select(Suppression).where(Suppression.address_hash == old_hash)
    for suppression in list(db.session.scalars(kept)):
        suppress(new, suppression.scope, reason=suppression.reason, channel=suppression.channel)
    contact.email, contact.email_key = new.email, new.key


def corrected_fields(request: PrivacyRequest) -> list[str]:
    """The fields corrected so far, in words, for telling the requester (E30)."""
    notes = {event.note for event in request.events}
    return [label for field, label in LABELS.items() if CORRECTED.format(field=field) in notes]
