"""JSON shapes of API responses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from prefcenter.config import Category
from prefcenter.models import ALL_CATEGORIES, Contact, InboundMessage, PrivacyRequest
from prefcenter.services.addresses import of_contact
from prefcenter.services.paging import Page
from prefcenter.services.privacy_requests import business_today, deadline_view
from prefcenter.services.subscriptions import statuses
from prefcenter.services.suppressions import scopes_for


def contact_json(contact: Contact) -> dict[str, Any]:
    scopes = scopes_for(of_contact(contact))
    return {
        "id": contact.uid,
        "email": contact.email,
        "name": contact.name,
        "subscriptions": statuses(contact),
        "suppressed": ALL_CATEGORIES in scopes,
        "suppressed_categories": sorted(scopes - {ALL_CATEGORIES}),
        "created_at": contact.created_at.isoformat(),
        "updated_at": contact.updated_at.isoformat(),
    }


def category_json(category: Category) -> dict[str, Any]:
    return {
        "key": category.key,
        "label": category.label,
        "description": category.description,
        "list_id": category.list_id,
    }


def list_json(items: list[Any]) -> dict[str, Any]:
    """A complete list in the same shape as a page, with no next page."""
    return {"items": items, "total": len(items), "next": None}


def page_json(page: Page[Any], to_json: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """`{items, total, next}`: `next` is the cursor for the following page, or null."""
    next_cursor = str(page.items[-1].id) if page.more else None
    return {
        "items": [to_json(item) for item in page.items],
        "total": page.total,
        "next": next_cursor,
    }


def iso_time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def privacy_request_json(request: PrivacyRequest) -> dict[str, Any]:
    return {
        "reference": request.reference,
        "kind": request.kind,
        "status": request.status,
        "requester_email": request.requester_email,
        "language": request.language,
        "received_at": iso_time(request.received_at),
        "completed_at": iso_time(request.completed_at),
        "no_matching_record": request.no_matching_record,
        "deadlines": deadline_view(request, business_today()),
        "proposed_changes": request.proposed_changes,
        "messages": [message.id for message in request.messages],
        "events": [
            {
                "at": iso_time(event.occurred_at),
                "actor": event.actor,
                "from": event.from_status,
                "to": event.to_status,
                "note": event.note,
            }
            for event in request.events
        ],
    }


def inbound_message_json(message: InboundMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "received_at": iso_time(message.received_at),
        "source": message.source,
        "envelope_sender": message.envelope_sender,
        "envelope_recipients": message.envelope_recipients,
        "message_id": message.message_id,
        "size": message.size,
        "state": message.state,
        "outcome": message.outcome,
        "from_address": message.from_address,
        "from_name": message.from_name,
        "subject": message.subject,
        "text": message.text,
        "attachments": message.attachments,
        "machine_generated": message.machine_generated,
        "machine_reason": message.machine_reason,
        "kind": message.kind,
        "kinds": message.kinds,
        "confidence": message.confidence,
        "language": message.language,
        "reasons": message.reasons,
        "requests": [request.reference for request in message.requests],
    }
