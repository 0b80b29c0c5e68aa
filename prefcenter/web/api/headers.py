"""List headers and body links for a recipient, or for a batch of them."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from prefcenter.services import contacts
from prefcenter.services.categories import get_category
from prefcenter.services.links import RecipientLinks, footer_facts, links_for, links_for_batch
from prefcenter.web.api import batch_limit, bp, request_json
from prefcenter.web.api.schema import validate
from prefcenter.web.api.serializers import list_json
from prefcenter.web.transactions import reads_only


def _links_json(links: RecipientLinks, footer: dict[str, str]) -> dict[str, object]:
    return {**links.as_json(), **footer}


@bp.post("/headers")
@reads_only
def build_headers() -> ResponseReturnValue:
    body = request_json()
    batch = isinstance(body, dict) and "recipients" in body
    validate("HeadersBatchRequest" if batch else "HeadersRequest", body)
    category = get_category(body["category"]).key  # a bad category is a 422 before any lookup
    footer = footer_facts()
    if not batch:
        return _links_json(links_for(contacts.get(body["email"]), category), footer)
    results = links_for_batch(batch_limit(body["recipients"]), category)
    items = [
        _links_json(r, footer) if isinstance(r, RecipientLinks) else r.as_json() for r in results
    ]
    return list_json(items)
