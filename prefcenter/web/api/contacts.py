"""Contacts and categories over the API."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from prefcenter.errors import ValidationFailed
from prefcenter.extensions import db
from prefcenter.models import Channel
from prefcenter.services import contacts
from prefcenter.services.categories import all_categories
from prefcenter.services.subscriptions import ConsentSource
from prefcenter.web.api import actor, bp, json_body
from prefcenter.web.api.serializers import category_json, contact_json, page_json

DEFAULT_PAGE = 50
MAX_PAGE = 500


@bp.get("/categories")
def list_categories() -> ResponseReturnValue:
    items = [category_json(c) for c in all_categories()]
    return page_json(items, len(items))


@bp.post("/contacts")
def upsert_contact() -> ResponseReturnValue:
    body = json_body("ContactCreate")
    change = contacts.upsert(
        body["email"],
        ConsentSource(Channel.API.value, actor(), body.get("wording_version")),
        name=body.get("name"),
        categories=body.get("categories", []),
    )
    db.session.commit()
    payload = contact_json(change.contact)
    payload.update(created=change.created, kept_unsubscribed=change.kept_unsubscribed)
    return payload, 201 if change.created else 200


def _int_arg(name: str, default: int, problem: str) -> int:
    try:
        return int(request.args.get(name) or default)
    except ValueError:
        raise ValidationFailed({name: problem}) from None


def _page_args() -> tuple[int, int]:
    limit = _int_arg("limit", DEFAULT_PAGE, "must be a whole number")
    after = _int_arg("cursor", 0, "must be a `next` value")
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed({"limit": f"must be between 1 and {MAX_PAGE}"})
    return limit, after


@bp.get("/contacts")
def list_contacts() -> ResponseReturnValue:
    limit, after = _page_args()
    items, total, more = contacts.page(limit, after)
    return page_json([contact_json(c) for c in items], total, str(items[-1].id) if more else None)


@bp.get("/contacts/<path:email>")
def get_contact(email: str) -> ResponseReturnValue:
    return contact_json(contacts.get(email))
