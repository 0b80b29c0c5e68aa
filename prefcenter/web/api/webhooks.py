"""Webhook endpoints and their delivery logs over the API."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from prefcenter.models import OutboxStatus, WebhookEndpoint
from prefcenter.services import webhooks
from prefcenter.services.webhooks import LogEntry
from prefcenter.web.api import actor, bp, json_body, page_args
from prefcenter.web.api.serializers import iso_time, page_json


def webhook_json(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """An endpoint as the API shows it; never its secret, which only its creation's 201 holds."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": endpoint.events,
        "enabled": endpoint.disabled_at is None,
        "failures": endpoint.failures,
        "created_at": iso_time(endpoint.created_at),
        "disabled_at": iso_time(endpoint.disabled_at),
        "disabled_reason": endpoint.disabled_reason,
    }


def delivery_json(entry: LogEntry) -> dict[str, Any]:
    delivery = entry.delivery
    waiting = delivery.status == OutboxStatus.PENDING.value
    return {
        "id": delivery.id,
        "event_id": entry.event_id,
        "event_type": entry.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "created_at": iso_time(delivery.created_at),
        "next_attempt_at": iso_time(delivery.next_attempt_at) if waiting else None,
        "delivered_at": iso_time(delivery.delivered_at),
        "last_status": delivery.last_status,
        "last_result": delivery.last_result,
    }


@bp.post("/webhooks")
def add_webhook() -> ResponseReturnValue:
    body = json_body("WebhookCreate")
    endpoint, secret = webhooks.add(body["url"], body.get("events"))
    return {**webhook_json(endpoint), "secret": secret}, 201


@bp.get("/webhooks")
def list_webhooks() -> ResponseReturnValue:
    limit, after = page_args()
    return page_json(webhooks.page(limit, after), webhook_json)


@bp.get("/webhooks/<int:webhook_id>")
def get_webhook(webhook_id: int) -> ResponseReturnValue:
    return webhook_json(webhooks.get(webhook_id))


@bp.get("/webhooks/<int:webhook_id>/deliveries")
def list_deliveries(webhook_id: int) -> ResponseReturnValue:
    limit, after = page_args()
    return page_json(webhooks.log_page(webhook_id, limit, after), delivery_json)


@bp.post("/webhooks/<int:webhook_id>/enable")
def enable_webhook(webhook_id: int) -> ResponseReturnValue:
    return webhook_json(webhooks.enable(webhook_id))


@bp.post("/webhooks/<int:webhook_id>/disable")
def disable_webhook(webhook_id: int) -> ResponseReturnValue:
    return webhook_json(webhooks.disable(webhook_id, f"disabled through the API by {actor()}"))


@bp.delete("/webhooks/<int:webhook_id>")
def remove_webhook(webhook_id: int) -> ResponseReturnValue:
    webhooks.remove(webhook_id)
    return "", 204
