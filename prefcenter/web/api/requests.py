"""Privacy requests and the inbound messages they came from, read-only over the API."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from prefcenter.errors import ValidationFailed
from prefcenter.models import RequestKind, RequestStatus
from prefcenter.services import inbound_messages, privacy_requests
from prefcenter.web.api import bp, page_args
from prefcenter.web.api.serializers import inbound_message_json, page_json, privacy_request_json

BOOLEANS = {"true": True, "false": False}


def _choice(name: str, allowed: list[str]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise ValidationFailed({name: f"must be one of {', '.join(allowed)}"})
    return value


@bp.get("/requests")
def list_requests() -> ResponseReturnValue:
    kind = _choice("kind", [k.value for k in RequestKind])
    status = _choice("status", [s.value for s in RequestStatus])
    limit, after = page_args()
    page = privacy_requests.page(limit, after, kind=kind, status=status)
    return page_json(page, privacy_request_json)


@bp.get("/requests/<reference>")
def get_request(reference: str) -> ResponseReturnValue:
    return privacy_request_json(privacy_requests.get(reference))


@bp.get("/inbound")
def list_inbound() -> ResponseReturnValue:
    machine = _choice("machine_generated", list(BOOLEANS))
    limit, after = page_args()
    page = inbound_messages.page(
        limit, after, machine_generated=BOOLEANS[machine] if machine else None
    )
    return page_json(page, inbound_message_json)
