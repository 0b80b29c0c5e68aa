"""`prefcenter worker`: delivers the outbox with retries and backoff.

A worker claims due messages with `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one writer
anyway) and marks them `sending` with a lease, then talks to the relay outside any transaction.
Several workers never take the same message; if one dies mid-send, the lease lapses and another
retries it (at-least-once: a crash between the relay's 250 and our commit can send it twice).
While the database is down a worker keeps what it claimed and what the relay answered, and backs
off; once the database is back it records those answers, so an outage neither delays a claimed
message by its lease nor sends it twice.

The thread loop, the claim condition and the retry delays also serve the webhooks
(prefcenter/services/webhook_delivery.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import ColumnElement, and_, or_, select

from mail.outbound import DeliveryResult, deliver
from prefcenter.clock import now
from prefcenter.database import begin_write
from prefcenter.extensions import db
from prefcenter.models import OutboxMessage, OutboxStatus, WebhookDelivery
from prefcenter.services.erasure import ERASE_AFTER_SENDING, ERASED

log = logging.getLogger(__name__)

BATCH = 20
LEASE = timedelta(minutes=5)
# A message is handed to the relay only while this much of its lease is left: a send (up to
# RELAY_TIMEOUT per SMTP step) must end before the lease lapses and another worker may take it.
# What a slow relay or an outage leaves unsent is claimed again once its lease lapses.
SEND_WITHIN = LEASE / 2
MAX_ATTEMPTS = 8
IDLE_SECONDS = 1.0
MAX_PAUSE_SECONDS = 60.0


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after each failed attempt, at most an hour apart."""
    return timedelta(seconds=min(60 * 2 ** (attempts - 1), 3600))


@dataclass(frozen=True)
class Claimed:
    """A message this worker may send until `lease_until`, with what sending it needs."""

    id: int
    raw: bytes
    recipient: str
    lease_until: datetime


def claimable(
    outbox: type[OutboxMessage] | type[WebhookDelivery], at: datetime
) -> ColumnElement[bool]:
    """Rows of an outbox table that a worker may take at `at`: due, or left by a worker whose
    lease lapsed."""
    return or_(
        and_(outbox.status == OutboxStatus.PENDING.value, outbox.next_attempt_at <= at),
        and_(outbox.status == OutboxStatus.SENDING.value, outbox.lease_until < at),
    )


def claim(limit: int = BATCH) -> list[Claimed]:
    begin_write()
    at = now()
    query = (
        select(OutboxMessage)
        .where(claimable(OutboxMessage, at))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    messages = list(db.session.scalars(query.with_for_update(skip_locked=True)))
    claimed = []
    for message in messages:
        message.status = OutboxStatus.SENDING.value
        message.lease_until = at + LEASE
        claimed.append(Claimed(message.id, message.raw, message.recipient, at + LEASE))
    db.session.commit()
    return claimed


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


class Deliveries:
    """One worker's messages claimed and not yet sent, and sent and not yet recorded.

    Both outlive a failed transaction: the database is needed only to claim and to record, so a
    message claimed before an outage still goes out within its lease, and the relay's answer is
    recorded once the database is back instead of the message being sent again when its lease
    lapses. (A worker that exits meanwhile forgets them: at-least-once.)
    """

    def __init__(self) -> None:
        self.claimed: list[Claimed] = []
        self.unrecorded: dict[int, DeliveryResult] = {}

    def run_once(self) -> int:
        """Deliver what is due now; how many messages were tried. Raises if the database fails;
        the next call carries on."""
        self._record_all()
        if not self.claimed:
            self.claimed = claim()
        tried = len(self.claimed)
        config = current_app.config
        while self.claimed:
            message = self.claimed.pop(0)
            if message.lease_until - now() < SEND_WITHIN:
                continue
            self.unrecorded[message.id] = deliver(
                message.raw, config["PRIVACY_ADDRESS"], message.recipient, message.id, config
            )
            self._record_all()
        return tried

    def _record_all(self) -> None:
        for message_id in sorted(self.unrecorded):
            _record(message_id, self.unrecorded[message_id])
            del self.unrecorded[message_id]


def run_once() -> int:
    """Deliver what is due now; how many messages were tried."""
    return Deliveries().run_once()


class WorkerLoop:
    """A delivery pass run over and over on a thread until stopped; it pauses while there is
    nothing to do, and longer each time a pass fails (the database is unreachable)."""

    def __init__(self, app: Flask, name: str, run_once: Callable[[], int]) -> None:
        self.app = app
        self.name = name
        self.run_once = run_once
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name=name)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def _loop(self) -> None:
        pause = IDLE_SECONDS
        while not self._stopped.is_set():
            try:
                # Leaving the app context ends the session, after a failure too.
                with self.app.app_context():
                    busy = self.run_once() > 0
                pause = IDLE_SECONDS
            except Exception:
                # Whatever failed, the loop goes on: an exception ending it would leave a worker
                # process that runs and delivers nothing.
                busy = False
                pause = min(pause * 2, MAX_PAUSE_SECONDS)
                log.exception("%s delivery failed; retrying in %.0f s", self.name, pause)
            if not busy:
                self._stopped.wait(pause)


def outbox_worker(app: Flask) -> WorkerLoop:
    """The outbox's loop; its one `Deliveries` keeps, across passes, what an outage interrupted."""
    return WorkerLoop(app, "outbox", Deliveries().run_once)
