"""`prefcenter worker`: delivers the outbox with retries and backoff.

A worker claims due messages with `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one writer
anyway) and marks them `sending` with a lease, then talks to the relay outside any transaction.
Several workers never take the same message; if one dies mid-send, the lease lapses and another
retries it (at-least-once: a crash between the relay's 250 and our commit can send it twice).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import and_, or_, select

from mail.outbound import DeliveryResult, deliver
from prefcenter.clock import now
from prefcenter.database import begin_write
from prefcenter.extensions import db
from prefcenter.models import OutboxMessage, OutboxStatus
from prefcenter.services.erasure import ERASE_AFTER_SENDING, ERASED

log = logging.getLogger(__name__)

BATCH = 20
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
IDLE_SECONDS = 1.0
MAX_PAUSE_SECONDS = 60.0


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after each failed attempt, at most an hour apart."""
    return timedelta(seconds=min(60 * 2 ** (attempts - 1), 3600))


def claim(limit: int = BATCH) -> list[int]:
    begin_write()
    at = now()
    due = or_(
        and_(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.next_attempt_at <= at,
        ),
        and_(OutboxMessage.status == OutboxStatus.SENDING.value, OutboxMessage.lease_until < at),
    )
    query = select(OutboxMessage).where(due).order_by(OutboxMessage.id).limit(limit)
    claimed = list(db.session.scalars(query.with_for_update(skip_locked=True)))
    for message in claimed:
        message.status = OutboxStatus.SENDING.value
        message.lease_until = at + LEASE
    ids = [message.id for message in claimed]
    db.session.commit()
    return ids


def send(message_id: int) -> None:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return
    raw, recipient = message.raw, message.recipient
    db.session.rollback()  # no transaction stays open while the relay takes its time
    config = current_app.config
    result = deliver(raw, config["PRIVACY_ADDRESS"], recipient, message_id, config)
    _record(message_id, result)


def _record(message_id: int, result: DeliveryResult) -> None:
    begin_write()
    message = db.session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        db.session.rollback()
        return
    at = now()
    message.attempts += 1
    message.last_result = result.detail
    message.lease_until = None
    if result.delivered:
        message.status = OutboxStatus.SENT.value
        message.sent_at = at
        log.info("outbox message %s: %s", message_id, result.detail)
        if message.purpose in ERASE_AFTER_SENDING:
            message.raw, message.recipient = b"", ERASED
    elif result.permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED.value
        log.warning("outbox message %s failed: %s", message_id, result.detail)
    else:
        message.status = OutboxStatus.PENDING.value
        message.next_attempt_at = at + retry_delay(message.attempts)
    db.session.commit()


def run_once() -> int:
    """Deliver what is due now; how many messages were tried."""
    ids = claim()
    for message_id in ids:
        send(message_id)
    return len(ids)


class OutboxWorker:
    """The delivery loop on a thread; pauses longer while the database is unreachable."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="outbox")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def _loop(self) -> None:
        pause = IDLE_SECONDS
        while not self._stopped.is_set():
            with self.app.app_context():
                try:
                    busy = run_once() > 0
                    pause = IDLE_SECONDS
                except Exception:
                    db.session.rollback()
                    log.exception("outbox delivery failed; retrying in %.0f s", pause)
                    busy = False
                    pause = min(pause * 2, MAX_PAUSE_SECONDS)
            if not busy:
                self._stopped.wait(pause)
