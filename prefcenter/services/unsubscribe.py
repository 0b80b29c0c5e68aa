"""One-click unsubscribe by token (RFC 8058): the same path serves the web POST and, later, mail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from prefcenter.database import begin_write
from prefcenter.errors import TokenInvalid
from prefcenter.extensions import db
from prefcenter.models import Channel, Contact
from prefcenter.services import contacts
from prefcenter.services.subscriptions import ConsentSource, unsubscribe
from prefcenter.services.tokens import Purpose, token_service

RECIPIENT = "recipient"


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
    contact = contacts.find_by_uid(subject.contact_uid, for_update=for_update)
    return UnsubscribeTarget(contact, subject.category)


def unsubscribe_by_token(token: str, channel: Channel = Channel.ONE_CLICK) -> UnsubscribeTarget:
    """Unsubscribe the token's contact from the token's category only, committed before returning.

    Repeating it changes nothing more. A category since removed from the configuration is still
    honoured: the person asked not to get that mail.
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
        db.session.commit()
    return target
