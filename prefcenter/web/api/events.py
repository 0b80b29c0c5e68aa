"""The change feed for sending systems: GET /api/v1/events?after=<cursor>&limit=<n>."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from prefcenter.errors import ValidationFailed
from prefcenter.extensions import db
from prefcenter.services import change_feed
from prefcenter.web.api import bp


@bp.get("/events")
def events() -> ResponseReturnValue:
    limit = _limit()
    # The key's lookup opened a read; end it. The feed numbers events on a connection of its own
    # and reads on another: a transaction left open here would keep a SQLite snapshot from
    # before that numbering, which the next write in this session could not build on.
    db.session.rollback()
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
