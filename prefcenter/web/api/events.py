"""The change feed for sending systems: GET /api/v1/events?after=<cursor>&limit=<n>."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from prefcenter.errors import ValidationFailed
from prefcenter.services import change_feed
from prefcenter.web.api import bp


@bp.get("/events")
def events() -> ResponseReturnValue:
    limit = _limit()
    page = change_feed.page(request.args.get("after"), limit)
    return {
        "events": [change_feed.event_json(event) for event in page.events],
        "next": page.next,
        "more": page.more,
    }


def _limit() -> int:
    raw = request.args.get("limit") or str(change_feed.DEFAULT_LIMIT)
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= change_feed.MAX_LIMIT:
        raise ValidationFailed(
            {"limit": f"must be a whole number from 1 to {change_feed.MAX_LIMIT}"}
        )
    return int(raw)
