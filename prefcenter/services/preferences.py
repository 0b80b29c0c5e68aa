"""The preference page's domain: what a contact gets, changing it, unsubscribing from all, GPC."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, exists, select

from prefcenter.clock import now
from prefcenter.config import Category
from prefcenter.database import begin_write, read_connection
from prefcenter.errors import DomainError
from prefcenter.extensions import db
from prefcenter.models import (
    ALL_CATEGORIES,
    ChangeEventType,
    Channel,
    ConsentEvent,
    Contact,
    Subscription,
    SubscriptionStatus,
    Suppression,
)
from prefcenter.services import change_feed, subscriptions
from prefcenter.services.addresses import Address, address_hash, of_contact
from prefcenter.services.categories import all_categories, category_label
from prefcenter.services.subscriptions import (
    ConsentSource,
    change_status,
    find_with_subscriptions,
    status_of,
    unsubscribe,
)
from prefcenter.services.suppressions import lift
from prefcenter.services.tokens import Purpose, TokenSubject, token_service

# Consent history "category" for the CCPA opt-out of sale/sharing, which is not a mail category.
SALE_SHARING = "sale_sharing"
OPTED_OUT = "opted_out"
HISTORY_ROWS = 20
RECIPIENT = "recipient"

# The page's queries are built once: on every view, building a statement costs about as much as
# running it on SQLite. A view reads with Core on a bare connection (read_connection).
_PAGE_CONTACT = (
    select(Contact.id, Contact.email, Contact.email_key, Subscription.category, Subscription.status)
    .outerjoin(Subscription, Subscription.contact_id == Contact.id)
    .where(Contact.uid == bindparam("uid"))
)
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
    select(
        ConsentEvent.occurred_at,
        ConsentEvent.category,
        ConsentEvent.old_status,
        ConsentEvent.new_status,
        ConsentEvent.channel,
    )
    .where(ConsentEvent.contact_id == bindparam("contact_id"))
    .order_by(ConsentEvent.occurred_at.desc(), ConsentEvent.id.desc())
    .limit(HISTORY_ROWS)
)


class PreferencesGone(DomainError):
    status = 404
    code = "contact_not_found"
    title = "We could not find these preferences"


def _gone() -> PreferencesGone:
    return PreferencesGone("We hold no mail preferences for this link any more.")


def _subject(token: str) -> TokenSubject:
    """The contact a preferences token names; TokenInvalid (400), or PreferencesGone for a token
    of another kind that happens to verify."""
    subject = token_service().load(Purpose.PREFERENCES, token)
    if subject.category is not None:
        raise _gone()
    return subject


def contact_for(token: str, *, for_update: bool = False) -> Contact:
    """The contact a preferences token names, to change; TokenInvalid (400) or PreferencesGone (404).

    `for_update` locks the contact's row until commit, so that simultaneous saves take turns.
    """
    contact = find_with_subscriptions(_subject(token).contact_uid, for_update=for_update)
    if contact is None:
        raise _gone()
    return contact


@dataclass(frozen=True, slots=True)
class PageContact:
    """A contact as the page shows it: what it gets, by category key."""

    id: int
    uid: str
    address: Address
    statuses: Mapping[str, str]

    @classmethod
    def of(cls, contact: Contact) -> PageContact:
        """The page's view of a contact just changed through the session."""
        statuses = {s.category: s.status for s in contact.subscriptions}
        return cls(contact.id, contact.uid, of_contact(contact), statuses)


def page_contact_for(token: str) -> PageContact:
    """The contact a preferences token names, to show; the errors of `contact_for`.

    One Core query on a bare connection: a page view needs no unit of work.
    """
    uid = _subject(token).contact_uid
    with read_connection() as connection:
        rows = connection.execute(_PAGE_CONTACT, {"uid": uid}).all()
    if not rows:
        raise _gone()
    contact_id, email, key = rows[0][:3]
    statuses = {category: status for *_, category, status in rows if category is not None}
    return PageContact(contact_id, uid, Address(email=email, key=key), statuses)


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


def state(contact: PageContact) -> PreferenceState:
    """What the page states, as committed: a category with no subscription row reads as off."""
    flags = {"digest": address_hash(contact.address), "contact_id": contact.id}
    with read_connection() as connection:
        suppressed_for_all, sale_sharing_opted_out = connection.execute(_FLAGS, flags).one()
        events = connection.execute(_HISTORY, {"contact_id": contact.id}).all()
    subscribed = SubscriptionStatus.SUBSCRIBED.value
    return PreferenceState(
        choices=[
            CategoryChoice(c, contact.statuses.get(c.key) == subscribed) for c in all_categories()
        ],
        unsubscribed_from_all=bool(suppressed_for_all),
        sale_sharing_opted_out=bool(sale_sharing_opted_out),
        history=[
            HistoryEntry(at, category_label(category), old, new, channel)
            for at, category, old, new, channel in events
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
        lift(address, [ALL_CATEGORIES], channel=source.channel, contact_uid=contact.uid)
    for category in all_categories():
        subscribed = status_of(contact, category.key) == SubscriptionStatus.SUBSCRIBED
        if category.key in wanted and not subscribed:
            change_status(contact, category.key, SubscriptionStatus.SUBSCRIBED, source)
            lift(address, [category.key], channel=source.channel, contact_uid=contact.uid)
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


def _sale_sharing_opted_out(contact_id: int) -> bool:
    return bool(db.session.scalar(select(_OPTED_OUT_OF_SALE), {"contact_id": contact_id}))


def opt_out_of_sale(contact: PageContact, source: ConsentSource) -> bool:
    """Record, once, an opt-out of sale/sharing; True if this call recorded it. Not committed."""
    if _sale_sharing_opted_out(contact.id):
        return False
    at = now()
    db.session.add(
        ConsentEvent(
            contact_id=contact.id,
            category=SALE_SHARING,
            old_status=None,
            new_status=OPTED_OUT,
            channel=source.channel,
            actor=source.actor,
            wording_version=source.wording_version,
            occurred_at=at,
        )
    )
    change_feed.record(
        ChangeEventType.CONSENT_CHANGED,
        address=contact.address,
        contact_uid=contact.uid,
        category=SALE_SHARING,
        new=OPTED_OUT,
        channel=source.channel,
        at=at,
    )
    return True


def honour_gpc(contact: PageContact) -> bool:
    """Record, once, the browser's Global Privacy Control signal as an opt-out of sale/sharing.

    True if this request recorded it (standards E33: valid without any further step).
    """
    # Also on a GET: the check and the write must be one SQLite writer's, not a reader's upgrade.
    begin_write()
    recorded = opt_out_of_sale(contact, ConsentSource(Channel.GPC.value, RECIPIENT))
    if recorded:
        db.session.commit()
    return recorded
