"""The preference page's domain: what a contact gets, changing it, unsubscribing from all, GPC."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, exists, select

from prefcenter.clock import now
from prefcenter.config import Category
from prefcenter.database import begin_write
from prefcenter.errors import DomainError
from prefcenter.extensions import db
from prefcenter.models import (
    ALL_CATEGORIES,
    Channel,
    ConsentEvent,
    Contact,
    SubscriptionStatus,
    Suppression,
)
from prefcenter.services import subscriptions
from prefcenter.services.addresses import address_hash, of_contact
from prefcenter.services.categories import all_categories, category_label
from prefcenter.services.subscriptions import (
    ConsentSource,
    change_status,
    find_with_subscriptions,
    status_of,
    unsubscribe,
)
from prefcenter.services.suppressions import lift
from prefcenter.services.tokens import Purpose, token_service

# Consent history "category" for the CCPA opt-out of sale/sharing, which is not a mail category.
SALE_SHARING = "sale_sharing"
OPTED_OUT = "opted_out"
HISTORY_ROWS = 20
RECIPIENT = "recipient"

# The page's queries are built once: on every view, building a statement costs about as much as
# running it on SQLite.
_OPTED_OUT_OF_SALE = exists().where(
    ConsentEvent.contact_id == bindparam("contact_id"),
    ConsentEvent.category == SALE_SHARING,
    ConsentEvent.new_status == OPTED_OUT,
)
# Both facts the page states besides the boxes, in one round trip.
_FLAGS = select(
    exists().where(
        Suppression.address_hash == bindparam("digest"), Suppression.scope == ALL_CATEGORIES
    ),
    _OPTED_OUT_OF_SALE,
)
_HISTORY = (
    select(ConsentEvent)
    .where(ConsentEvent.contact_id == bindparam("contact_id"))
    .order_by(ConsentEvent.occurred_at.desc(), ConsentEvent.id.desc())
    .limit(HISTORY_ROWS)
)


class PreferencesGone(DomainError):
    status = 404
    code = "contact_not_found"
    title = "We could not find these preferences"


def contact_for(token: str, *, for_update: bool = False) -> Contact:
    """The contact a preferences token names; TokenInvalid (400) or PreferencesGone (404).

    `for_update` locks the contact's row until commit, so that simultaneous saves take turns.
    """
    subject = token_service().load(Purpose.PREFERENCES, token)
    contact = None
    if subject.category is None:
        contact = find_with_subscriptions(subject.contact_uid, for_update=for_update)
    if contact is None:
        raise PreferencesGone("We hold no mail preferences for this link any more.")
    return contact


@dataclass(frozen=True)
class CategoryChoice:
    category: Category
    subscribed: bool


@dataclass(frozen=True)
class HistoryEntry:
    occurred_at: datetime
    label: str
    old_status: str | None
    new_status: str
    channel: str


@dataclass(frozen=True)
class PreferenceState:
    choices: list[CategoryChoice]
    unsubscribed_from_all: bool
    sale_sharing_opted_out: bool
    history: list[HistoryEntry]


def state(contact: Contact) -> PreferenceState:
    flags = {"digest": address_hash(of_contact(contact)), "contact_id": contact.id}
    suppressed_for_all, sale_sharing_opted_out = db.session.execute(_FLAGS, flags).one()
    events = list(db.session.scalars(_HISTORY, {"contact_id": contact.id}))
    return PreferenceState(
        choices=[
            CategoryChoice(c, status_of(contact, c.key) == SubscriptionStatus.SUBSCRIBED)
            for c in all_categories()
        ],
        unsubscribed_from_all=bool(suppressed_for_all),
        sale_sharing_opted_out=bool(sale_sharing_opted_out),
        history=[
            HistoryEntry(
                e.occurred_at, category_label(e.category), e.old_status, e.new_status, e.channel
            )
            for e in events
        ],
    )


@dataclass
class Outcome:
    """What a save changed, by category label, for the confirmation the page shows."""

    subscribed: list[str] = field(default_factory=list)
    unsubscribed: list[str] = field(default_factory=list)
    unsubscribed_from_all: bool = False


def save(contact: Contact, wanted: set[str], wording_version: str | None) -> Outcome:
    """Apply the whole form in one transaction; one consent event per real change."""
    begin_write()
    source = ConsentSource(Channel.PREFERENCE_PAGE.value, RECIPIENT, wording_version)
    address = of_contact(contact)
    outcome = Outcome()
    if wanted:
        # Ticking any box is the person opting back in after an "unsubscribe from all".
        lift(address, [ALL_CATEGORIES])
    for category in all_categories():
        subscribed = status_of(contact, category.key) == SubscriptionStatus.SUBSCRIBED
        if category.key in wanted and not subscribed:
            change_status(contact, category.key, SubscriptionStatus.SUBSCRIBED, source)
            lift(address, [category.key])
            outcome.subscribed.append(category.label)
        elif category.key not in wanted and subscribed:
            unsubscribe(contact, category.key, source)
            outcome.unsubscribed.append(category.label)
    db.session.commit()
    return outcome


def unsubscribe_from_all(contact: Contact) -> Outcome:
    """Every category off, each suppressed, and an all-mail suppression (standards D22)."""
    begin_write()
    source = ConsentSource(Channel.PREFERENCE_PAGE.value, RECIPIENT)
    changed = subscriptions.unsubscribe_from_all(
        contact, of_contact(contact), source, reason="unsubscribe_all"
    )
    db.session.commit()
    return Outcome(
        unsubscribed=[category_label(key) for key in changed], unsubscribed_from_all=True
    )


def _sale_sharing_opted_out(contact: Contact) -> bool:
    return bool(db.session.scalar(select(_OPTED_OUT_OF_SALE), {"contact_id": contact.id}))


def opt_out_of_sale(contact: Contact, source: ConsentSource) -> bool:
    """Record, once, an opt-out of sale/sharing; True if this call recorded it. Not committed."""
    if _sale_sharing_opted_out(contact):
        return False
    db.session.add(
        ConsentEvent(
            contact_id=contact.id,
            category=SALE_SHARING,
            old_status=None,
            new_status=OPTED_OUT,
            channel=source.channel,
            actor=source.actor,
            wording_version=source.wording_version,
            occurred_at=now(),
        )
    )
    return True


def honour_gpc(contact: Contact) -> bool:
    """Record, once, the browser's Global Privacy Control signal as an opt-out of sale/sharing.

    True if this request recorded it (standards E33: valid without any further step).
    """
    recorded = opt_out_of_sale(contact, ConsentSource(Channel.GPC.value, RECIPIENT))
    if recorded:
        db.session.commit()
    return recorded
