"""Erasing a person (standards E31, F40): their personal data goes from every table; what stays is
the keyed-hash suppression, so they are never mailed or re-imported, and the request log.

Consent history rows stay, detached from the contact (their contact id becomes NULL): they hold a
category, a channel and a time, nothing that names the person.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select, update

from prefcenter.extensions import db
from prefcenter.models import (
    ALL_CATEGORIES,
    Bounce,
    ChangeEventType,
    Channel,
    InboundMessage,
    OutboxMessage,
    PrivacyRequest,
)
from prefcenter.services import change_feed, contacts
from prefcenter.services.addresses import Address, address_hash
from prefcenter.services.suppressions import suppress

ERASED = "[erased]"


# Sent once to the erased address to say it is done, then blanked like the rest.
ERASE_AFTER_SENDING = {"deletion_done"}


def erase(address: Address) -> None:
    """Erase everything held about the address, in the caller's transaction."""
    contact = contacts.find(address)
    uid = contact.uid if contact is not None else None
    suppress(
        address, ALL_CATEGORIES, reason="erasure", channel=Channel.EMAIL.value, contact_uid=uid
    )
    if contact is not None:
        db.session.delete(contact)
    _erase_messages(address)
    db.session.execute(
        update(Bounce).where(Bounce.address_hash == address_hash(address)).values(diagnostic=None)
    )
    # The change feed keeps what changed, not who: the address goes from every earlier event.
    # The erasure's own event tells the systems that send the mail to erase the contact too
    # (E31: notify processors) by its public id, which they know from earlier events and the
    # contacts API, never by the address.
    change_feed.forget_address(address)
    change_feed.record(ChangeEventType.CONTACT_ERASED, contact_uid=uid, channel=Channel.EMAIL.value)
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.recipient_hash == address_hash(address))
        .values(recipient=ERASED, raw=b"")
    )
    # The request log stays (E35); the requester is known from now on by the keyed hash only.
    db.session.execute(
        update(PrivacyRequest)
        .where(PrivacyRequest.requester_key == address.key)
        .values(requester_email=ERASED, requester_key=address_hash(address), proposed_changes=[])
    )


def _erase_messages(address: Address) -> None:
    mentions = or_(
        func.lower(InboundMessage.from_address) == address.key,
        func.lower(InboundMessage.envelope_sender) == address.key,
        InboundMessage.id.in_(
            select(PrivacyRequest.inbound_message_id).where(
                PrivacyRequest.requester_key == address.key
            )
        ),
        # Bounce and complaint reports about the address (a report about several addresses goes
        # too; their Bounce rows stay).
        InboundMessage.id.in_(
            select(Bounce.inbound_message_id).where(Bounce.address_hash == address_hash(address))
        ),
    )
    db.session.execute(
        update(InboundMessage)
        .where(mentions)
        .values(
            raw=b"",
            message_id=None,
            from_address=None,
            from_name=None,
            envelope_sender=None,
            envelope_recipients=[],
            subject=None,
            text=None,
            quoted_text=None,
            attachments=[],
            reasons=[],
        )
        .execution_options(synchronize_session=False)
    )
