"""Pre-send suppression check."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from prefcenter.services.categories import get_category
from prefcenter.services.suppressions import check_addresses
from prefcenter.web.api import batch_limit, bp, json_body
from prefcenter.web.transactions import reads_only


@bp.post("/suppressions/check")
@reads_only
def check_suppressions() -> ResponseReturnValue:
    body = json_body("SuppressionCheckRequest")
    category = get_category(body["category"]).key
    check = check_addresses(batch_limit(body["emails"]), category)
    return {"sendable": check.sendable, "suppressed": check.suppressed, "invalid": check.invalid}
