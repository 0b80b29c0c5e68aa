"""Retention: what people wrote to us goes after RAW_BODY_RETENTION_DAYS; the request log stays.

Purging a message deletes its raw bytes (attachments included), the text read from them and the
attachment list. Its row stays: when it came, from whom, its subject, how it was classified and
the requests it opened or joined, so every request's history and the request log (standards
E35: kept at least 24 months) are whole; nothing here deletes a request or a request event. Its
fingerprint stays too, so a redelivery is still recognised and not stored again.

Held back past the cutoff: messages of a request that is still open (staff may need what was
written) and messages not processed yet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, func, select, update

from prefcenter.clock import now
from prefcenter.database import begin_write
from prefcenter.extensions import db
from prefcenter.models import InboundMessage, MessageState, PrivacyRequest, request_message
from prefcenter.services.request_lifecycle import ENDS

BATCH = 500


@dataclass(frozen=True)
class Purge:
    """What a purge took, or would take: how many bodies, their bytes and when they came."""

    cutoff: datetime
    messages: int = 0
    size: int = 0
    first: datetime | None = None
    last: datetime | None = None
    # Older than the cutoff but kept: their request is open or they are not processed yet.
    held: int = 0

    def add(self, messages: int, size: int, first: datetime, last: datetime) -> Purge:
        return Purge(
            self.cutoff,
            self.messages + messages,
            self.size + size,
            min(self.first or first, first),
            max(self.last or last, last),
            self.held,
        )


def cutoff(at: datetime | None = None) -> datetime:
    """Bodies of messages received before this go."""
    return (at or now()) - timedelta(days=current_app.config["RAW_BODY_RETENTION_DAYS"])


def _older_than(before: datetime) -> ColumnElement[bool]:
    return and_(
        InboundMessage.purged_at.is_(None),
        InboundMessage.received_at < before,
        # An erased message has no body left to purge.
        func.length(InboundMessage.raw) > 0,
    )


def _due(before: datetime) -> ColumnElement[bool]:
    still_open = PrivacyRequest.status.not_in([status.value for status in ENDS])
    replies = select(request_message.c.message_id).join(
        PrivacyRequest, PrivacyRequest.id == request_message.c.request_id
    )
    return and_(
        _older_than(before),
        InboundMessage.state != MessageState.STORED.value,
        InboundMessage.id.not_in(select(PrivacyRequest.inbound_message_id).where(still_open)),
        InboundMessage.id.not_in(replies.where(still_open)),
    )


def _held(before: datetime) -> int:
    old = select(func.count(InboundMessage.id)).where(_older_than(before))
    due = select(func.count(InboundMessage.id)).where(_due(before))
    return (db.session.scalar(old) or 0) - (db.session.scalar(due) or 0)


def preview(at: datetime | None = None) -> Purge:
    """What `purge` would take now; changes nothing."""
    before = cutoff(at)
    size = func.coalesce(func.sum(func.length(InboundMessage.raw)), 0)
    summary = select(
        func.count(InboundMessage.id),
        size,
        func.min(InboundMessage.received_at),
        func.max(InboundMessage.received_at),
    ).where(_due(before))
    messages, total, first, last = db.session.execute(summary).one()
    held = _held(before)
    db.session.rollback()
    if not messages:
        return Purge(before, held=held)
    return Purge(before, messages, int(total), first, last, held)


def purge(at: datetime | None = None) -> Purge:
    """Delete the bodies that are due, BATCH messages per transaction."""
    stamp = at or now()
    done = Purge(cutoff(stamp))
    while batch := _next_batch(done.cutoff):
        ids = [row.id for row in batch]
        db.session.execute(
            update(InboundMessage)
            .where(InboundMessage.id.in_(ids))
            .values(raw=b"", text=None, quoted_text=None, attachments=[], purged_at=stamp)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        received = [row.received_at for row in batch]
        done = done.add(len(batch), sum(row.size for row in batch), min(received), max(received))
    held = _held(done.cutoff)
    db.session.rollback()
    return replace(done, held=held)


def _next_batch(before: datetime) -> list[Any]:
    begin_write()
    query = (
        select(
            InboundMessage.id,
            InboundMessage.received_at,
            func.length(InboundMessage.raw).label("size"),
        )
        .where(_due(before))
        .order_by(InboundMessage.id)
        .limit(BATCH)
    )
    rows = list(db.session.execute(query))
    if not rows:
        db.session.rollback()
    return rows


def requests_kept() -> int:
    """How many requests the request log holds (the purge never takes one)."""
    count = db.session.scalar(select(func.count(PrivacyRequest.id))) or 0
    db.session.rollback()
    return count
