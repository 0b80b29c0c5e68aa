"""One-click unsubscribe by token (RFC 8058): the same path serves the web POST and, later, mail."""

from __future__ import annotations

from dataclasses import dataclass

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


def resolve(token: str) -> UnsubscribeTarget:
    """Read a token without changing anything (GET requests, link scanners)."""
    subject = token_service().load(Purpose.UNSUBSCRIBE, token)
    if subject.category is None:
        raise TokenInvalid("This link is damaged or was not made by us.")
    return UnsubscribeTarget(contacts.find_by_uid(subject.contact_uid), subject.category)


def unsubscribe_by_token(token: str, channel: Channel = Channel.ONE_CLICK) -> UnsubscribeTarget:
    """Unsubscribe the token's contact from the token's category only, committed before returning.

    Repeating it changes nothing more. A category since removed from the configuration is still
    honoured: the person asked not to get that mail.
    """
    target = resolve(token)
    if target.contact is not None:
        unsubscribe(target.contact, target.category, ConsentSource(channel.value, RECIPIENT))
        db.session.commit()
    return target
