"""Bounces and spam complaints about our mail: recorded per address, and acted on.

A hard bounce suppresses the address for all mail once HARD_BOUNCE_LIMIT of them have come; soft
bounces do once SOFT_BOUNCE_LIMIT of them fall within SOFT_BOUNCE_DAYS. A complaint unsubscribes
the recipient from every category at once. Each also goes to the change feed. Nothing here sends
mail: a forged report can stop mail to an address, never start any.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from mail.bounces import BOUNCE_TAG, UNSUBSCRIBE_TAG, Failure, Kind, Report
from prefcenter.errors import InvalidAddress, TokenInvalid
from prefcenter.extensions import db
from prefcenter.models import (
    ALL_CATEGORIES,
    Bounce,
    ChangeEventType,
    Channel,
    InboundMessage,
    MessageOutcome,
)
from prefcenter.services import change_feed
from prefcenter.services.addresses import Address, address_hash, normalise, of_contact
from prefcenter.services.contacts import recipients
from prefcenter.services.subscriptions import ConsentSource, ContactRow, lock, unsubscribe_from_all
from prefcenter.services.suppressions import suppress
from prefcenter.services.tokens import Purpose, token_service

# Who unsubscribed a complainant, on their consent events (standards F37).
FEEDBACK_LOOP = "feedback loop"
_PURPOSE = {BOUNCE_TAG: Purpose.BOUNCE, UNSUBSCRIBE_TAG: Purpose.UNSUBSCRIBE}


@dataclass(frozen=True)
class _Target:
    address: Address
    contact: ContactRow | None
    failure: Failure


def record(
    report: Report, return_path_tokens: Sequence[str], message: InboundMessage
) -> MessageOutcome:
    """Record a bounce or complaint in the caller's transaction; the message's outcome.

    Intake's transaction also marks the message processed, so a retry after a failure records
    nothing twice. Tokens of a `bounce+<token>@` return path name the report's recipient: they
    are signed, the addresses a report names are not. When none of them is valid the report is
    machine mail like any other and changes nothing.
    """
    if return_path_tokens:
        targets = _by_token([(Purpose.BOUNCE, t) for t in return_path_tokens], report)
        if targets is None:
            return MessageOutcome.MACHINE_GENERATED
    elif report.kind == Kind.COMPLAINT:
        # A token in the reported message names the complainant even when the ISP redacted them.
        tagged = [(_PURPOSE[t.tag], t.token) for t in report.tagged]
        targets = _by_token(tagged, report) or _by_address(report)
    else:
        targets = _by_address(report)
    for target in targets:
        if target.failure.kind == Kind.COMPLAINT:
            _complaint(target, message)
        elif target.failure.kind in (Kind.HARD, Kind.SOFT):
            _bounce(target, message)
    return MessageOutcome.COMPLAINT if report.kind == Kind.COMPLAINT else MessageOutcome.BOUNCE


def _by_token(tokens: Iterable[tuple[Purpose, str]], report: Report) -> list[_Target] | None:
    """The contacts valid tokens name, locked; None when no token is valid."""
    uids = set()
    for purpose, token in tokens:
        try:
            uids.add(token_service().load(purpose, token).contact_uid)
        except TokenInvalid:
            continue
    if not uids:
        return None
    targets = []
    for contact in _locked(uids):
        failure = report.failure_for(contact.email_key) or Failure(
            contact.email_key, report.kind, report.status, report.diagnostic
        )
        targets.append(_Target(of_contact(contact), contact, failure))
    return targets


def _by_address(report: Report) -> list[_Target]:
    """The recipients the report names, each once, with their contacts (locked) where known."""
    named: dict[str, tuple[Address, Failure]] = {}
    for failure in report.failures:
        try:
            address = normalise(failure.address)
        except InvalidAddress:
            continue
        named.setdefault(address.key, (address, failure))
    known = recipients(address for address, _ in named.values())
    contacts = {c.email_key: c for c in _locked(r.uid for r in known.values())}
    return [_Target(a, contacts.get(key), f) for key, (a, f) in named.items()]


def _locked(uids: Iterable[str]) -> list[ContactRow]:
    # In one order, so that two reports naming the same contacts never wait on each other.
    return [row for row in map(lock, sorted(set(uids))) if row is not None]


def _bounce(target: _Target, message: InboundMessage) -> None:
    failure = target.failure
    uid = target.contact.uid if target.contact else None
    _store(target, message)
    change_feed.record(
        ChangeEventType.BOUNCE_RECEIVED,
        address=target.address,
        contact_uid=uid,
        new=failure.kind.value,
        channel=Channel.BOUNCE.value,
        detail=failure.status,
    )
    if _limit_reached(address_hash(target.address), failure.kind, message.received_at):
        suppress(
            target.address,
            ALL_CATEGORIES,
            reason="bounce",
            channel=Channel.BOUNCE.value,
            contact_uid=uid,
        )


def _limit_reached(digest: str, kind: Kind, at: datetime) -> bool:
    config = current_app.config
    query = select(func.count(Bounce.id)).where(
        Bounce.address_hash == digest, Bounce.kind == kind.value
    )
    if kind == Kind.HARD:
        limit = config["HARD_BOUNCE_LIMIT"]
    else:
        limit = config["SOFT_BOUNCE_LIMIT"]
        query = query.where(Bounce.received_at >= at - timedelta(days=config["SOFT_BOUNCE_DAYS"]))
    return (db.session.scalar(query) or 0) >= limit


def _complaint(target: _Target, message: InboundMessage) -> None:
    _store(target, message)
    change_feed.record(
        ChangeEventType.COMPLAINT_RECEIVED,
        address=target.address,
        contact_uid=target.contact.uid if target.contact else None,
        channel=Channel.COMPLAINT.value,
        detail=target.failure.diagnostic,
    )
    source = ConsentSource(Channel.COMPLAINT.value, FEEDBACK_LOOP)
    unsubscribe_from_all(target.contact, target.address, source, reason="complaint")


def _store(target: _Target, message: InboundMessage) -> None:
    failure = target.failure
    db.session.add(
        Bounce(
            address_hash=address_hash(target.address),
            kind=failure.kind.value,
            status=failure.status,
            diagnostic=failure.diagnostic,
            inbound_message_id=message.id,
            # When it came, not when it was processed: a backlog after an outage keeps its dates.
            received_at=message.received_at,
        )
    )
