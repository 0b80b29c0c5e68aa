"""JSON shapes of API responses."""

from __future__ import annotations

from typing import Any

from prefcenter.config import Category
from prefcenter.models import ALL_CATEGORIES, Contact
from prefcenter.services.addresses import of_contact
from prefcenter.services.subscriptions import statuses
from prefcenter.services.suppressions import scopes_for


def contact_json(contact: Contact) -> dict[str, Any]:
    scopes = scopes_for(of_contact(contact))
    return {
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


def page_json(items: list[Any], total: int, next_cursor: str | None = None) -> dict[str, Any]:
    return {"items": items, "total": total, "next": next_cursor}
