"""Subscription state per contact and category; every change appends a consent event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from prefcenter.clock import now
from prefcenter.database import InsertNew
from prefcenter.extensions import db
from prefcenter.models import (
    ALL_CATEGORIES,
    ChangeEventType,
    ConsentEvent,
    Contact,
    Subscription,
    SubscriptionStatus,
)
from prefcenter.services import change_feed
from prefcenter.services.addresses import Address, of_contact
from prefcenter.services.categories import all_categories
from prefcenter.services.suppressions import suppress

# Built once: the pages and a click run them on every request, where building a statement costs
# about as much as running it on SQLite.
_WITH_SUBSCRIPTIONS = (
    select(Contact)
    .where(Contact.uid == bindparam("uid"))
    .options(joinedload(Contact.subscriptions))
)
_LOCK = (
    select(Contact.id, Contact.uid, Contact.email, Contact.email_key)
    .where(Contact.uid == bindparam("uid"))
    .with_for_update()
)
# Changes are Core statements on the session's connection: the unit of work cost a click more
# than the database did. Each writes only over the status it replaces, so a change that another
# transaction made first leaves nothing to write. (Parameters named like a column would be taken
# for values to set.)
_SUBSCRIPTION = Subscription.__table__
_REPLACE = (
    update(_SUBSCRIPTION)
    .where(
        _SUBSCRIPTION.c.contact_id == bindparam("for_contact"),
        _SUBSCRIPTION.c.category == bindparam("for_category"),
        _SUBSCRIPTION.c.status == bindparam("old"),
    )
    .values(status=bindparam("new"), updated_at=bindparam("at"))
    .returning(_SUBSCRIPTION.c.id)
)
_FIRST = InsertNew(
    _SUBSCRIPTION,
    ["contact_id", "category"],
    [_SUBSCRIPTION.c.id],
    values={
        "contact_id": bindparam("for_contact"),
        "category": bindparam("for_category"),
        "status": bindparam("new"),
        "updated_at": bindparam("at"),
    },
)
_RECORD = insert(ConsentEvent.__table__)
# A stored status is one of the two: a change to one replaces the other.
_OTHER = {
    SubscriptionStatus.SUBSCRIBED: SubscriptionStatus.UNSUBSCRIBED.value,
    SubscriptionStatus.UNSUBSCRIBED: SubscriptionStatus.SUBSCRIBED.value,
}


class ContactRow(Protocol):
    """What a change needs of a contact: a loaded Contact, or a row of `lock`."""

    @property
    def id(self) -> int: ...

    @property
    def uid(self) -> str: ...

    @property
    def email(self) -> str: ...

    @property
    def email_key(self) -> str: ...


@dataclass(frozen=True)
class ConsentSource:
    """Who made a change and how: recorded on every consent event (standards F37)."""

    channel: str
    actor: str
    wording_version: str | None = None


def lock(uid: str) -> ContactRow | None:
    """The contact with this public id, its row locked until commit; None if there is none.

    Simultaneous changes to one contact then take turns on PostgreSQL; on SQLite a writer's
    transaction already holds the database's one write lock (database.begin_write).
    """
    return db.session.connection().execute(_LOCK, {"uid": uid}).first()


def find_with_subscriptions(uid: str, *, for_update: bool = False) -> Contact | None:
    """The contact with this public id, its subscriptions read in the same query.

    `for_update` first locks the contact's row until commit (see `lock`). The read follows the
    lock in a statement of its own: PostgreSQL re-reads only the locked row of a statement that
    had to wait, not the subscriptions joined to it.
    """
    if for_update and lock(uid) is None:
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
    contact: ContactRow, category: str, new: SubscriptionStatus, source: ConsentSource
) -> bool:
    """Set one subscription's status; records a consent event and returns True if it changed.

    A loaded Contact keeps showing what is stored: the change is written past the session.
    """
    # Written past the unit of work: whatever the caller changed through it goes first.
    db.session.flush()
    connection = db.session.connection()
    at = now()
    written = _write(connection, contact, category, new, at)
    if written is None:
        return False
    subscription_id, old = written
    event = {
        "contact_id": contact.id,
        "category": category,
        "old_status": old,
        "new_status": new.value,
        "channel": source.channel,
        "actor": source.actor,
        "wording_version": source.wording_version,
        "occurred_at": at,
    }
    connection.execute(_RECORD, event)
    change_feed.record(
        ChangeEventType.CONSENT_CHANGED,
        address=of_contact(contact),
        contact_uid=contact.uid,
        category=category,
        old=old,
        new=new.value,
        channel=source.channel,
        at=at,
    )
    if isinstance(contact, Contact):
        _show_stored(contact, subscription_id, category, new, at)
    return True


def _write(
    connection: Connection,
    contact: ContactRow,
    category: str,
    new: SubscriptionStatus,
    at: datetime,
) -> tuple[int, str | None] | None:
    """Store `new`: the subscription's id and the status it replaced (None: no row), or None."""
    params = {"for_contact": contact.id, "for_category": category, "new": new.value, "at": at}
    for old in _stored_before(contact, category, new):
        if old is None:
            written = connection.execute(_FIRST.on(connection), params).scalar()
        else:
            written = connection.execute(_REPLACE, {**params, "old": old}).scalar()
        if written is not None:
            return written, old
    return None


def _stored_before(contact: ContactRow, category: str, new: SubscriptionStatus) -> list[str | None]:
    """What the subscription may hold before the change, likeliest first; None for no row.

    A loaded Contact says (its caller holds the row lock); for a bare row the writes find out:
    a row holding the other status, else no row yet.
    """
    if not isinstance(contact, Contact):
        return [_OTHER[new], None]
    old = next((s.status for s in contact.subscriptions if s.category == category), None)
    return [] if old == new.value else [old]


def _show_stored(
    contact: Contact, subscription_id: int, category: str, new: SubscriptionStatus, at: datetime
) -> None:
    """Make the session's copy of the contact show a change written past it, as a reload would."""
    subscription = next((s for s in contact.subscriptions if s.category == category), None)
    if subscription is None:
        subscription = Subscription(id=subscription_id, contact_id=contact.id, category=category)
        make_transient_to_detached(subscription)
        db.session.add(subscription)
        set_committed_value(contact, "subscriptions", [*contact.subscriptions, subscription])
    set_committed_value(subscription, "status", new.value)
    set_committed_value(subscription, "updated_at", at)


def unsubscribe(contact: ContactRow, category: str, source: ConsentSource) -> bool:
    """Unsubscribe and suppress the address for that category, so no import can undo it."""
    suppress(
        of_contact(contact),
        category,
        reason="unsubscribe",
        channel=source.channel,
        contact_uid=contact.uid,
    )
    return change_status(contact, category, SubscriptionStatus.UNSUBSCRIBED, source)


def unsubscribe_from_all(
    contact: ContactRow | None, address: Address, source: ConsentSource, reason: str
) -> list[str]:
    """Every category off and an all-mail suppression (standards D22, F40); the keys that changed.

    With no contact the suppression alone is recorded, so a later import cannot mail the address.
    """
    changed = []
    if contact is not None:
        changed = [c.key for c in all_categories() if unsubscribe(contact, c.key, source)]
    uid = contact.uid if contact is not None else None
    suppress(address, ALL_CATEGORIES, reason=reason, channel=source.channel, contact_uid=uid)
    return changed
