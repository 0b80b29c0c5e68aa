"""The requester's pages: confirming a request (/v/), following it (/r/), its export (/x/)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template

from prefcenter.services import access_export, privacy_requests
from prefcenter.services.request_links import load_export, load_status
from prefcenter.services.request_verification import confirm, pending

bp = Blueprint("requests", __name__)


@bp.get("/v/<token>")
def verify(token: str) -> str:
    """Says what confirming will do; changes nothing (mail scanners fetch links)."""
    return render_template("requests/verify.html", request=pending(token), token=token)


@bp.post("/v/<token>")
def verify_confirm(token: str) -> str:
    """The token is the secret, as in one-click unsubscribe: no cookie or CSRF token needed."""
    return render_template("requests/verified.html", request=confirm(token))


@bp.get("/x/<token>")
def export_download(token: str) -> Response:
    """The access request's export, as a JSON file download."""
    request = privacy_requests.get(load_export(token))
    body = json.dumps(access_export.export(request), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{request.reference}.json"'},
    )


@bp.get("/r/<token>")
def status(token: str) -> str:
    request = privacy_requests.get(load_status(token))
    deadlines = privacy_requests.deadline_view(request, privacy_requests.business_today())
    return render_template("requests/status.html", request=request, deadlines=deadlines)
