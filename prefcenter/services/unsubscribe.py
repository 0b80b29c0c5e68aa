"""One-click unsubscribe by token (RFC 8058): the same path serves the web POST and, later, mail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from prefcenter.database import begin_write
from prefcenter.errors import TokenInvalid
from prefcenter.extensions import db
from prefcenter.models import Channel, Contact
from prefcenter.services.subscriptions import ConsentSource, find_with_subscriptions, unsubscribe
from prefcenter.services.tokens import Purpose, token_service

RECIPIENT = "recipient"

# Built once: a scanner's GET runs it, where building a statement costs about as much as running
# it on SQLite. The page shows the address only: subscriptions would load if anything touched them.
_TO_SHOW = (
    select(Contact).where(Contact.uid == bindparam("uid")).options(lazyload(Contact.subscriptions))
)


@dataclass(frozen=True)
class UnsubscribeTarget:
    """Whom and what a token unsubscribes; `contact` is None once the contact is gone."""

    contact: Contact | None
    category: str


def resolve(token: str, *, for_update: bool = False) -> UnsubscribeTarget:
    """Read a token without changing anything (GET requests, link scanners)."""
    subject = token_service().load(Purpose.UNSUBSCRIBE, token)
    if subject.category is None:
        raise TokenInvalid("This link is damaged or was not made by us.")
    if for_update:
        contact = find_with_subscriptions(subject.contact_uid, for_update=True)
    else:
        contact = db.session.scalar(_TO_SHOW, {"uid": subject.contact_uid})
    return UnsubscribeTarget(contact, subject.category)


def unsubscribe_by_token(token: str, channel: Channel = Channel.ONE_CLICK) -> UnsubscribeTarget:
    """Unsubscribe the token's contact from the token's category only, committed before returning.

    Repeating it changes nothing more. A category since removed from the configuration is still
    honoured: the person asked not to get that mail. The target's contact is detached from the
    session, holding what was committed.
    """
    source = ConsentSource(channel.value, RECIPIENT)
    try:
        return _unsubscribe_once(token, source)
    except IntegrityError:
        # A simultaneous click on the same link committed first; seen now, there is nothing to do.
        db.session.rollback()
        return _unsubscribe_once(token, source)


def _unsubscribe_once(token: str, source: ConsentSource) -> UnsubscribeTarget:
    begin_write()
    # The row lock makes simultaneous clicks take turns, so only the first records a change.
    target = resolve(token, for_update=True)
    if target.contact is not None:
        unsubscribe(target.contact, target.category, source)
        db.session.flush()
        # Detached, the contact keeps what this transaction read and wrote through the commit,
        # so the confirmation page needs no second transaction to read it all again.
        db.session.expunge(target.contact)
        db.session.commit()
    return target
