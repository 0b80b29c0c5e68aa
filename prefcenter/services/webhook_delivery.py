"""Webhook delivery through the outbox pattern: change events become queued deliveries, which the
worker POSTs, signed, with retries and backoff.

A pass first queues, for each enabled endpoint, the events after its cursor that it asked for:
one `webhook_delivery` row per event, with the exact body every attempt will send, and the
cursor moved past them, in one transaction that holds the endpoint's row lock. Then it claims
due deliveries as the mail outbox does (`FOR UPDATE SKIP LOCKED` and a lease) and POSTs each
outside any transaction. Delivery is at least once: a worker that dies between the receiver's
answer and its record leaves the delivery to be sent again when the lease lapses.

A failed attempt waits 1, 2, 4 ... minutes, at most an hour. One failure may be about that one
event; after two in a row the endpoint is taken to be down, and its other deliveries wait for the
failed one's next attempt instead of each adding to the run of failures that disables it
(WEBHOOK_FAILURE_LIMIT; 20 take 13 to 14 hours). So one delivery probes an endpoint that is
down, and there is no burst of retries to spread with jitter when it comes back.
"""

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import Row, select, update

from mail.worker import claimable, retry_delay
from prefcenter.clock import now
from prefcenter.database import InsertNew, begin_write
from prefcenter.extensions import db
from prefcenter.models import (
    ChangeEvent,
    OutboxStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from prefcenter.services import change_feed, webhooks
from prefcenter.services.addresses import Address, address_hash

log = logging.getLogger(__name__)

# Events read per endpoint and transaction when queueing; a pass goes on until none is left.
QUEUE_BATCH = 500
# Deliveries claimed per pass.
BATCH = 20
TIMEOUT_SECONDS = 10.0
LEASE = timedelta(minutes=5)
# A delivery is POSTed only while this much of its lease is left: connecting, sending and
# reading the answer may each take up to TIMEOUT_SECONDS.
SEND_WITHIN = timedelta(minutes=1)
# With retry_delay's 1, 2, 4 ... 60 minutes, the 30th attempt comes about a day after the first.
MAX_ATTEMPTS = 30
# Failures in a row after which an endpoint's other deliveries wait for the failed one.
DOWN_AFTER = 2
# How much of a receiver's answer the log keeps.
ANSWER_CHARS = 200
USER_AGENT = "prefcenter-webhooks"

_QUEUE = InsertNew(WebhookDelivery.__table__, ["endpoint_id", "event_id"], [WebhookDelivery.id])


def run_once() -> int:
    """One worker pass: queue new events, then POST what is due; how many deliveries were
    tried. Call it outside any transaction. Raises if the database fails; the next call carries
    on."""
    endpoint_ids = webhooks.enabled_ids()
    if not endpoint_ids:
        # Without a webhook the pass writes nothing: no turn at SQLite's one write lock.
        return 0
    queue_events(endpoint_ids)
    return deliver_due()


def queue_events(endpoint_ids: list[int]) -> int:
    """Queue, for each endpoint, the events it asked for since its cursor; how many."""
    change_feed.sequence()
    queued = 0
    for endpoint_id in endpoint_ids:
        while True:
            count, more = _queue_batch(endpoint_id)
            queued += count
            if not more:
                break
    return queued


def _queue_batch(endpoint_id: int) -> tuple[int, bool]:
    begin_write()
    # The row lock makes workers take turns: each reads the cursor the last one moved.
    endpoint = db.session.get(
        WebhookEndpoint, endpoint_id, with_for_update=True, populate_existing=True
    )
    if endpoint is None or endpoint.disabled_at is not None:
        db.session.rollback()
        return 0, False
    events = change_feed.read_after(endpoint.cursor, QUEUE_BATCH)
    wanted = set(endpoint.events)
    at = now()
    rows = [
        {
            "endpoint_id": endpoint_id,
            "event_id": event.id,
            "body": _body(event),
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "created_at": at,
            "next_attempt_at": at,
        }
        for event in events
        if event.type in wanted
    ]
    connection = db.session.connection()
    queued = len(connection.execute(_QUEUE.on(connection), rows).all()) if rows else 0
    if events:
        endpoint.cursor = events[-1].seq
    db.session.commit()
    return queued, len(events) == QUEUE_BATCH


def _body(event: Row[Any]) -> bytes:
    """The JSON body POSTed for an event: the feed's shape of it."""
    return _encoded(change_feed.event_json(event))


def _encoded(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker may POST until `lease_until`, with what POSTing it needs."""

    id: int
    endpoint_id: int
    url: str
    secret: str
    event_type: str
    body: bytes
    lease_until: datetime


def claim(limit: int = BATCH) -> list[Claimed]:
    begin_write()
    at = now()
    query = (
        select(WebhookDelivery, WebhookEndpoint.url, WebhookEndpoint.secret, ChangeEvent.type)
        .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
        .join(ChangeEvent, WebhookDelivery.event_id == ChangeEvent.id)
        .where(claimable(WebhookDelivery, at), WebhookEndpoint.disabled_at.is_(None))
        .order_by(WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )
    claimed = []
    for delivery, url, secret, event_type in db.session.execute(query):
        delivery.status = OutboxStatus.SENDING.value
        delivery.lease_until = at + LEASE
        claimed.append(
            Claimed(
                delivery.id,
                delivery.endpoint_id,
                url,
                secret,
                event_type,
                delivery.body,
                at + LEASE,
            )
        )
    db.session.commit()
    return claimed


def deliver_due() -> int:
    """Claim due deliveries and POST them; how many were claimed."""
    claimed = claim()
    down: set[int] = set()
    for index, delivery in enumerate(claimed):
        if delivery.endpoint_id in down or delivery.lease_until - now() < SEND_WITHIN:
            # Left claimed: taken again once the lease lapses, or released by a record below.
            continue
        answer = post(delivery)
        later = [d for d in claimed[index + 1 :] if d.endpoint_id == delivery.endpoint_id]
        if record(delivery, answer, later):
            down.add(delivery.endpoint_id)
    return len(claimed)


@dataclass(frozen=True)
class Answer:
    """What one attempt got: the receiver's HTTP status, or None when there was no answer."""

    status: int | None
    result: str

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(delivery: Claimed) -> Answer:
    """POST the delivery's body, signed now; redirects are not followed (a 3xx is a failure)."""
    parts = urlsplit(delivery.url)
    timestamp = int(now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Prefcenter-Event": delivery.event_type,
        "X-Prefcenter-Delivery": str(delivery.id),
        "X-Prefcenter-Signature": webhooks.sign(delivery.secret, delivery.body, timestamp),
    }
    secure = parts.scheme == "https"
    kind = http.client.HTTPSConnection if secure else http.client.HTTPConnection
    # The port given, http.client leaves an IPv6 host alone instead of reading a port from it.
    port = parts.port or (443 if secure else 80)
    connection = kind(parts.hostname or "", port, timeout=TIMEOUT_SECONDS)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=delivery.body, headers=headers)
        response = connection.getresponse()
        said = response.read(ANSWER_CHARS).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, _short(f"no answer: {type(exc).__name__}: {exc}"))
    finally:
        connection.close()
    if 300 <= response.status < 400:
        said = f"redirects are not followed (Location: {response.getheader('Location', '')})"
    return Answer(response.status, _short(f"{response.status} {response.reason}: {said}"))


def _short(text: str) -> str:
    return " ".join(text.split())[: ANSWER_CHARS + 60]


def record(delivery: Claimed, answer: Answer, later: Sequence[Claimed] = ()) -> bool:
    """Record an attempt; True when the endpoint looks down. `later` are deliveries of the
    same endpoint this worker claimed and has not POSTed: they are released to wait, if so."""
    begin_write()
    # The endpoint's row first, as everything that changes an endpoint and its deliveries.
    endpoint = db.session.get(
        WebhookEndpoint, delivery.endpoint_id, with_for_update=True, populate_existing=True
    )
    row = db.session.get(WebhookDelivery, delivery.id, with_for_update=True, populate_existing=True)
    if endpoint is None or row is None or row.lease_until != delivery.lease_until:
        # Removed meanwhile, or taken over by another worker once this one's lease lapsed: the
        # attempt is theirs to record.
        db.session.rollback()
        return False
    at = now()
    row.attempts += 1
    row.last_status = answer.status
    row.last_result = answer.result
    row.lease_until = None
    down = False
    if answer.delivered:
        row.status = OutboxStatus.SENT.value
        row.delivered_at = at
        endpoint.failures = 0
    else:
        endpoint.failures += 1
        if row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.FAILED.value
            log.warning("webhook delivery %s failed for good: %s", row.id, answer.result)
        else:
            row.status = OutboxStatus.PENDING.value
            row.next_attempt_at = at + retry_delay(row.attempts)
        limit = current_app.config["WEBHOOK_FAILURE_LIMIT"]
        if endpoint.failures >= limit and endpoint.disabled_at is None:
            endpoint.disabled_at = at
            endpoint.disabled_reason = (
                f"{endpoint.failures} failed attempts in a row; last: {answer.result}"[:200]
            )
            log.warning("webhook %s disabled after %s failures", endpoint.id, endpoint.failures)
        down = endpoint.failures >= DOWN_AFTER or endpoint.disabled_at is not None
        if down:
            _hold(endpoint.id, later, at + retry_delay(row.attempts))
    if row.status != OutboxStatus.PENDING.value:
        # Nothing will send it again; it names a person, whom erasure must be able to remove.
        row.body = b""
    db.session.commit()
    return down


def _hold(endpoint_id: int, later: Sequence[Claimed], until: datetime) -> None:
    """The endpoint's other deliveries wait until `until`, without counting an attempt."""
    ours = [d.id for d in later]
    if ours:
        # Only while still ours: once a lease lapsed, another worker may have claimed them.
        lease = later[0].lease_until
        db.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id.in_(ours),
                WebhookDelivery.status == OutboxStatus.SENDING.value,
                WebhookDelivery.lease_until == lease,
            )
            .values(status=OutboxStatus.PENDING.value, lease_until=None, next_attempt_at=until)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == OutboxStatus.PENDING.value,
            WebhookDelivery.next_attempt_at < until,
        )
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )


def forget_address(address: Address) -> None:
    """Blank the address from the queued bodies of events about it (erasure). Not committed."""
    query = (
        select(WebhookDelivery.id, WebhookDelivery.body)
        .join(ChangeEvent, WebhookDelivery.event_id == ChangeEvent.id)
        .where(ChangeEvent.address_hash == address_hash(address), WebhookDelivery.body != b"")
    )
    for delivery_id, body in db.session.execute(query).all():
        event = json.loads(body)
        event["email"] = None
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(body=_encoded(event))
            .execution_options(synchronize_session=False)
        )
