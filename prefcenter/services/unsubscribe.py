"""One-click unsubscribe by token (RFC 8058): the same path serves the web POST and, later, mail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from prefcenter.database import begin_write
from prefcenter.errors import TokenInvalid
from prefcenter.extensions import db
from prefcenter.models import Channel
from prefcenter.services.contacts import Recipient
from prefcenter.services.subscriptions import ConsentSource, lock, unsubscribe
from prefcenter.services.tokens import Purpose, TokenSubject, token_service

RECIPIENT = "recipient"


@dataclass(frozen=True, slots=True)
class UnsubscribeTarget:
    """Whom and what a token unsubscribes; `contact` is None once the contact is gone."""

    contact: Recipient | None
    category: str


def _subject(token: str) -> TokenSubject:
    """Whom and which category an unsubscribe token names; TokenInvalid for anything else."""
    subject = token_service().load(Purpose.UNSUBSCRIBE, token)
    if subject.category is None:
        raise TokenInvalid("This link is damaged or was not made by us.")
    return subject


def category_to_confirm(token: str) -> str:
    """The category a token would unsubscribe from, read from the token alone (GET requests).

    Link scanners fetch every link of every message: for a large send that is a burst of GETs as
    big as the send. The page they get needs nothing the signed token does not carry, so it costs
    the database nothing, and a scanner storm cannot slow the clicks that write. The address is
    shown once the person acts: on the POST's confirmation and on the preference page.
    """
    return _subject(token).category


def unsubscribe_by_token(token: str, channel: Channel = Channel.ONE_CLICK) -> UnsubscribeTarget:
    """Unsubscribe the token's contact from the token's category only, committed before returning.

    Repeating it changes nothing more. A category since removed from the configuration is still
    honoured: the person asked not to get that mail.
    """
    subject = _subject(token)
    source = ConsentSource(channel.value, RECIPIENT)
    try:
        return _unsubscribe_once(subject.contact_uid, subject.category, source)
    except IntegrityError:
        # A simultaneous click on the same link committed first; seen now, there is nothing to do.
        db.session.rollback()
        return _unsubscribe_once(subject.contact_uid, subject.category, source)


def _unsubscribe_once(uid: str, category: str, source: ConsentSource) -> UnsubscribeTarget:
    begin_write()
    # The row lock makes simultaneous clicks take turns, so only the first records a change.
    contact = lock(uid)
    if contact is None:
        return UnsubscribeTarget(None, category)
    unsubscribe(contact, category, source)
    db.session.commit()
    return UnsubscribeTarget(Recipient(contact.uid, contact.email), category)
