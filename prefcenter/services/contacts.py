"""Contacts: creation and update that never duplicate an address or re-subscribe a suppressed one."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from prefcenter.clock import now
from prefcenter.database import begin_write
from prefcenter.errors import ContactNotFound, RecipientSuppressed
from prefcenter.extensions import db
from prefcenter.models import Contact, SubscriptionStatus
from prefcenter.services.addresses import Address, normalise
from prefcenter.services.categories import get_category
from prefcenter.services.paging import Page, keyset_page
from prefcenter.services.subscriptions import ConsentSource, change_status
from prefcenter.services.suppressions import CHUNK, is_suppressed


@dataclass
class ContactChange:
    """What an upsert did: the contact, whether it is new, and categories left off by suppression."""

    contact: Contact
    created: bool
    kept_unsubscribed: list[str] = field(default_factory=list)


def new_uid() -> str:
    return secrets.token_urlsafe(9)


def find(address: Address, *, for_update: bool = False) -> Contact | None:
    """The contact with this address; `for_update` locks its row until commit (PostgreSQL)."""
    query = select(Contact).where(Contact.email_key == address.key)
    return db.session.scalar(query.with_for_update() if for_update else query)


def get(raw_email: str) -> Contact:
    """The contact with this address (any case); ContactNotFound otherwise."""
    contact = find(normalise(raw_email))
    if contact is None:
        raise ContactNotFound("No contact has that address.")
    return contact


@dataclass(frozen=True)
class Recipient:
    """What a message to a contact needs: its public id and address, without the whole row."""

    uid: str
    email: str


def recipients(addresses: Iterable[Address]) -> dict[str, Recipient]:
    """The contacts for many addresses at once, keyed by address key."""
    keys = list(dict.fromkeys(a.key for a in addresses))
    found: dict[str, Recipient] = {}
    for start in range(0, len(keys), CHUNK):
        query = select(Contact.email_key, Contact.uid, Contact.email).where(
            Contact.email_key.in_(keys[start : start + CHUNK])
        )
        for key, uid, email in db.session.execute(query):
            found[key] = Recipient(uid, email)
    return found


def upsert(
    raw_email: str,
    source: ConsentSource,
    *,
    name: str | None = None,
    categories: Iterable[str] = (),
) -> ContactChange:
    """Create or update a contact and subscribe it to `categories`.

    An address suppressed for all mail is refused (RecipientSuppressed) whether or not a contact
    exists; a category the address is suppressed for stays unsubscribed and is reported back.
    """
    address = normalise(raw_email)
    wanted = [get_category(key).key for key in dict.fromkeys(categories)]
    begin_write()
    if is_suppressed(address):
        raise RecipientSuppressed("This address asked not to be mailed at all.")
    # Lock the row so that concurrent changes to one contact take turns.
    contact = find(address, for_update=True)
    created = contact is None
    at = now()
    if contact is None:
        contact = Contact(
            uid=new_uid(), email=address.email, email_key=address.key, created_at=at, updated_at=at
        )
        db.session.add(contact)
    if name is not None and name != contact.name:
        contact.name = name
        contact.updated_at = at
    db.session.flush()
    change = ContactChange(contact, created)
    for category in wanted:
        if is_suppressed(address, category):
            change.kept_unsubscribed.append(category)
        else:
            change_status(contact, category, SubscriptionStatus.SUBSCRIBED, source)
    return change


def page(limit: int, after_id: int = 0) -> Page[Contact]:
    """One page of contacts in id order after `after_id`."""
    return keyset_page(select(Contact), Contact.id, limit, after_id)
