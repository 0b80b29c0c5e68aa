"""Webhook endpoints: URLs that are POSTed the change events they asked for, each signed with the
endpoint's secret, which is shown once, when the endpoint is added.

The worker queues and POSTs the events (services/webhook_delivery.py); this module adds, lists,
pauses and removes endpoints, signs bodies, and reads an endpoint's delivery log.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, func, select, update

from prefcenter.clock import now
from prefcenter.database import begin_write, read_connection
from prefcenter.errors import DomainError, ValidationFailed
from prefcenter.extensions import db
from prefcenter.models import (
    ChangeEvent,
    ChangeEventType,
    OutboxStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from prefcenter.services import change_feed
from prefcenter.services.keyed_hmac import hmac_sha256
from prefcenter.services.paging import Page, keyset_page

SECRET_PREFIX = "whsec_"
MAX_URL_LENGTH = 2000
EVENT_TYPES = [event_type.value for event_type in ChangeEventType]
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f]")
_FEED_END = select(func.coalesce(func.max(ChangeEvent.seq), 0))


class WebhookNotFound(DomainError):
    status = 404
    code = "webhook_not_found"
    title = "No such webhook"


def check_url(url: str) -> str:
    """The URL, if the worker can POST to it: http(s) with a host, https only in production."""
    problem = _url_problem(url)
    if problem:
        raise ValidationFailed({"url": problem})
    return url


def _url_problem(url: str) -> str | None:
    if len(url) > MAX_URL_LENGTH:
        return f"must be at most {MAX_URL_LENGTH} characters"
    if _UNSAFE_IN_URL.search(url):
        return "must not contain spaces or control characters"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "must be an http:// or https:// URL"
    if current_app.config["ENV"] == "production" and parts.scheme != "https":
        return "must be https:// in production"
    if not parts.hostname:
        return "must name a host"
    if parts.username is not None or parts.password is not None:
        # Receivers check the signature instead, and a password in a URL ends up in logs.
        return "must not hold a user name or password"
    if parts.fragment:
        return "must not have a #fragment"
    try:
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError:
        return "has a port that is not a number from 0 to 65535"
    return None


def event_types(names: Iterable[str] | None) -> list[str]:
    """The event types named, in the feed's order; every type for None."""
    if names is None:
        return list(EVENT_TYPES)
    wanted = {name.strip() for name in names if name.strip()}
    unknown = sorted(wanted - set(EVENT_TYPES))
    if unknown:
        raise ValidationFailed(
            {"events": f"unknown event type {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}"}
        )
    if not wanted:
        raise ValidationFailed({"events": "name at least one event type, or leave it out for all"})
    return [name for name in EVENT_TYPES if name in wanted]


def add(url: str, events: Iterable[str] | None = None) -> tuple[WebhookEndpoint, str]:
    """A new endpoint for events from now on; returns it and its secret, shown only this once.

    Commits. Ends any transaction the session had open, which must not be a write (the feed's
    sequencer runs first, on a connection of its own).
    """
    url = check_url(url.strip())
    wanted = event_types(events)
    # The endpoint starts after every event committed so far, numbered now so that none of them
    # is numbered after its cursor later.
    change_feed.sequence()
    begin_write()
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        url=url,
        events=wanted,
        secret=secret,
        cursor=db.session.scalar(_FEED_END),
        failures=0,
        created_at=now(),
    )
    db.session.add(endpoint)
    db.session.commit()
    return endpoint, secret


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The X-Prefcenter-Signature value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t." + body>`."""
    mac = hmac_sha256(secret.encode(), f"{timestamp}.".encode() + body)
    return f"t={timestamp},v1={mac.hexdigest()}"


def page(limit: int, after_id: int = 0) -> Page[WebhookEndpoint]:
    return keyset_page(select(WebhookEndpoint), WebhookEndpoint.id, limit, after_id)


def all_endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def enabled_ids() -> list[int]:
    """Ids of the endpoints that are not disabled, read outside the session's transaction."""
    query = select(WebhookEndpoint.id).where(WebhookEndpoint.disabled_at.is_(None))
    with read_connection() as connection:
        return list(connection.scalars(query.order_by(WebhookEndpoint.id)))


def get(endpoint_id: int, *, for_update: bool = False) -> WebhookEndpoint:
    endpoint = db.session.get(
        WebhookEndpoint, endpoint_id, with_for_update=for_update, populate_existing=for_update
    )
    if endpoint is None:
        raise WebhookNotFound(f"There is no webhook {endpoint_id}.")
    return endpoint


def enable(endpoint_id: int) -> WebhookEndpoint:
    """Resume deliveries: the run of failures starts again from 0 and what waits is due now."""
    begin_write()
    endpoint = get(endpoint_id, for_update=True)
    at = now()
    endpoint.disabled_at = endpoint.disabled_reason = None
    endpoint.failures = 0
    db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == OutboxStatus.PENDING.value,
        )
        .values(next_attempt_at=at)
    )
    db.session.commit()
    return endpoint


def disable(endpoint_id: int, reason: str) -> WebhookEndpoint:
    """Pause deliveries; what is queued, and what happens meanwhile, waits for `enable`."""
    begin_write()
    endpoint = get(endpoint_id, for_update=True)
    if endpoint.disabled_at is None:
        endpoint.disabled_at = now()
        endpoint.disabled_reason = reason[:200]
    db.session.commit()
    return endpoint


def remove(endpoint_id: int) -> None:
    """Delete the endpoint with its queue and delivery log."""
    begin_write()
    get(endpoint_id, for_update=True)
    # One statement: the database's cascade removes the deliveries, which the ORM would load.
    db.session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))
    db.session.commit()


@dataclass(frozen=True)
class LogEntry:
    """One delivery as the log shows it, with the event it carries."""

    delivery: WebhookDelivery
    event_type: str
    # The event's id in the feed (a cursor), as its body and GET /api/v1/events show it.
    event_id: str

    @property
    def id(self) -> int:
        return self.delivery.id


def log_page(endpoint_id: int, limit: int, after_id: int = 0) -> Page[LogEntry]:
    """The endpoint's deliveries, oldest first."""
    get(endpoint_id)
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    found = keyset_page(query, WebhookDelivery.id, limit, after_id)
    return Page(_entries(found.items), found.total, found.more)


def recent_log(endpoint_id: int, limit: int) -> list[LogEntry]:
    """The endpoint's last `limit` deliveries, oldest first."""
    get(endpoint_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return _entries(list(db.session.scalars(query))[::-1])


def _entries(deliveries: list[WebhookDelivery]) -> list[LogEntry]:
    # The delivered body is blanked, so the event's type and position come from the event.
    query = select(ChangeEvent.id, ChangeEvent.type, ChangeEvent.seq).where(
        ChangeEvent.id.in_({delivery.event_id for delivery in deliveries})
    )
    events = {row.id: row for row in db.session.execute(query)}
    return [
        LogEntry(
            delivery,
            events[delivery.event_id].type,
            change_feed.encode_cursor(events[delivery.event_id].seq),
        )
        for delivery in deliveries
    ]
