"""Contacts and categories over the API."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from prefcenter.extensions import db
from prefcenter.models import Channel
from prefcenter.services import contacts
from prefcenter.services.categories import all_categories
from prefcenter.services.subscriptions import ConsentSource
from prefcenter.web.api import actor, bp, json_body, page_args
from prefcenter.web.api.serializers import category_json, contact_json, list_json, page_json


@bp.get("/categories")
def list_categories() -> ResponseReturnValue:
    return list_json([category_json(c) for c in all_categories()])


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


@bp.get("/contacts")
def list_contacts() -> ResponseReturnValue:
    limit, after = page_args()
    return page_json(contacts.page(limit, after), contact_json)


@bp.get("/contacts/<path:email>")
def get_contact(email: str) -> ResponseReturnValue:
    return contact_json(contacts.get(email))
