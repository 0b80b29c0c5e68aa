"""Subscription state per contact and category; every change appends a consent event."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from prefcenter.clock import now
from prefcenter.extensions import db
from prefcenter.models import (
    ALL_CATEGORIES,
    ConsentEvent,
    Contact,
    Subscription,
    SubscriptionStatus,
)
from prefcenter.services.addresses import Address, of_contact
from prefcenter.services.categories import all_categories
from prefcenter.services.suppressions import suppress

# Built once: the pages run them on every request, where building a statement costs about as much
# as running it on SQLite.
_WITH_SUBSCRIPTIONS = (
    select(Contact)
    .where(Contact.uid == bindparam("uid"))
    .options(joinedload(Contact.subscriptions))
)
_LOCK = select(Contact.id).where(Contact.uid == bindparam("uid")).with_for_update()


@dataclass(frozen=True)
class ConsentSource:
    """Who made a change and how: recorded on every consent event (standards F37)."""

    channel: str
    actor: str
    wording_version: str | None = None


def find_with_subscriptions(uid: str, *, for_update: bool = False) -> Contact | None:
    """The contact with this public id, its subscriptions read in the same query.

    `for_update` first locks the contact's row until commit, so that simultaneous changes take
    turns. The read follows the lock in a statement of its own: PostgreSQL re-reads only the locked
    row of a statement that had to wait, not the subscriptions joined to it.
    """
    if for_update and db.session.scalar(_LOCK, {"uid": uid}) is None:
        return None
    return db.session.execute(_WITH_SUBSCRIPTIONS, {"uid": uid}).unique().scalar()


def status_of(contact: Contact, category: str) -> SubscriptionStatus:
    """A category never subscribed to reads as unsubscribed."""
    for subscription in contact.subscriptions:
        if subscription.category == category:
            return SubscriptionStatus(subscription.status)
    return SubscriptionStatus.UNSUBSCRIBED


def statuses(contact: Contact) -> dict[str, str]:
    return {category.key: status_of(contact, category.key).value for category in all_categories()}


def change_status(
    contact: Contact, category: str, new: SubscriptionStatus, source: ConsentSource
) -> bool:
    """Set one subscription's status; records a consent event and returns True if it changed."""
    subscription = next((s for s in contact.subscriptions if s.category == category), None)
    old = subscription.status if subscription is not None else None
    if old == new.value:
        return False
    at = now()
    if subscription is None:
        contact.subscriptions.append(
            Subscription(category=category, status=new.value, updated_at=at)
        )
    else:
        subscription.status = new.value
        subscription.updated_at = at
    db.session.add(
        ConsentEvent(
            contact_id=contact.id,
            category=category,
            old_status=old,
            new_status=new.value,
            channel=source.channel,
            actor=source.actor,
            wording_version=source.wording_version,
            occurred_at=at,
        )
    )
    return True


def unsubscribe(contact: Contact, category: str, source: ConsentSource) -> bool:
    """Unsubscribe and suppress the address for that category, so no import can undo it."""
    # Suppression first: its lookup then finds no change of ours pending to flush, so the whole
    # change is written in one flush at the end rather than two.
    suppress(of_contact(contact), category, reason="unsubscribe", channel=source.channel)
    return change_status(contact, category, SubscriptionStatus.UNSUBSCRIBED, source)


def unsubscribe_from_all(
    contact: Contact | None, address: Address, source: ConsentSource, reason: str
) -> list[str]:
    """Every category off and an all-mail suppression (standards D22, F40); the keys that changed.

    With no contact the suppression alone is recorded, so a later import cannot mail the address.
    """
    changed = []
    if contact is not None:
        changed = [c.key for c in all_categories() if unsubscribe(contact, c.key, source)]
    suppress(address, ALL_CATEGORIES, reason=reason, channel=source.channel)
    return changed
