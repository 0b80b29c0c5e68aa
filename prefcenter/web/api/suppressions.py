"""Pre-send suppression check."""

from __future__ import annotations

from dataclasses import asdict

from flask.typing import ResponseReturnValue

from prefcenter.services.categories import get_category
from prefcenter.services.suppressions import check_addresses
from prefcenter.web.api import batch_limit, bp, json_body


@bp.post("/suppressions/check")
def check_suppressions() -> ResponseReturnValue:
    body = json_body("SuppressionCheckRequest")
    category = get_category(body["category"]).key
    return asdict(check_addresses(batch_limit(body["emails"]), category))
