"""Stored inbound messages, for listing; intake itself lives in the `mail` package."""

from __future__ import annotations

from sqlalchemy import select

from prefcenter.models import InboundMessage
from prefcenter.services.paging import Page, keyset_page


def page(
    limit: int, after_id: int, *, machine_generated: bool | None = None
) -> Page[InboundMessage]:
    query = select(InboundMessage)
    if machine_generated is not None:
        query = query.where(InboundMessage.machine_generated == machine_generated)
    return keyset_page(query, InboundMessage.id, limit, after_id)
