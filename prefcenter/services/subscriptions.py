"""Subscription state per contact and category; every change appends a consent event."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class ConsentSource:
    """Who made a change and how: recorded on every consent event (standards F37)."""

    channel: str
    actor: str
    wording_version: str | None = None


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
    changed = change_status(contact, category, SubscriptionStatus.UNSUBSCRIBED, source)
    suppress(of_contact(contact), category, reason="unsubscribe", channel=source.channel)
    return changed


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
