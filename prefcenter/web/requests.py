"""The requester's pages: confirming a request (/v/), following it (/r/), its export (/x/), and
asking for a new confirmation link when one expired or went missing (/r/<token>/new-link)."""

from __future__ import annotations

import json
import math

from flask import Blueprint, Response, render_template, url_for
from flask import request as http_request
from werkzeug.exceptions import TooManyRequests

from prefcenter.errors import LinkUsed, TokenExpired, TokenInvalid
from prefcenter.extensions import db, limiter, retry_after
from prefcenter.services import access_export, privacy_requests
from prefcenter.services.request_links import load_export, load_status, status_token
from prefcenter.services.request_verification import (
    confirm,
    pending,
    renewable,
    renewable_from,
    send_new_link,
)

bp = Blueprint("requests", __name__)

# Abuse limits, per process (prefcenter.extensions.limiter). Nobody reading their own request
# comes near them; a script that loads pages or asks for mail in a loop is slowed down.
# Each page of this blueprint (/v/, /r/, /x/), per client address, each route counted on its own:
PAGE_LIMIT = "60 per minute"
# A new confirmation link causes mail, so it has its own two limits instead. Per request, whoever
# asks (checked first: a POST refused by it does not count against the client address)...
NEW_LINK_PER_REQUEST = "3 per hour"
# ...and per client address, across requests.
NEW_LINK_PER_ADDRESS = "10 per hour"

limiter.limit(PAGE_LIMIT)(bp)


def _reference_key() -> str:
    """The request a new-link POST is for; every link to one request shares its count."""
    token = (http_request.view_args or {}).get("token", "")
    try:
        return f"request:{load_status(token)}"
    except TokenInvalid:
        return f"token:{token}"  # answered 400 anyway; still counted per client address


@bp.errorhandler(TooManyRequests)
def too_many(error: TooManyRequests) -> tuple[str, int, dict[str, str]]:
    """429 with a page that says what to do, and when (Retry-After); the view never ran."""
    db.session.rollback()  # a POST declared its writes (SQLite's write lock) before the check
    seconds = retry_after()
    page = render_template("requests/too_many.html", minutes=math.ceil(seconds / 60))
    return page, 429, {"Retry-After": str(seconds)}


@bp.get("/v/<token>")
def verify(token: str) -> str | tuple[str, int]:
    """Says what confirming will do; changes nothing (mail scanners fetch links)."""
    try:
        request = pending(token)
    except (TokenExpired, LinkUsed) as ended:
        return _link_ended(token, ended)
    return render_template("requests/verify.html", request=request, token=token)


@bp.post("/v/<token>")
def verify_confirm(token: str) -> str | tuple[str, int]:
    """The token is the secret, as in one-click unsubscribe: no cookie or CSRF token needed."""
    try:
        request = confirm(token)
    except (TokenExpired, LinkUsed) as ended:
        db.session.rollback()
        return _link_ended(token, ended)
    return render_template("requests/verified.html", request=request)


def _link_ended(token: str, ended: TokenInvalid) -> tuple[str, int]:
    """An expired or replaced link to a request that still waits: offer a new one by email."""
    request = renewable_from(token)
    if request is None:
        raise ended  # used, or nothing left to confirm: the plain error page
    new_link = url_for("requests.new_link", token=status_token(request.reference))
    page = render_template(
        "requests/link_ended.html",
        request=request,
        expired=isinstance(ended, TokenExpired),
        new_link=new_link,
    )
    return page, ended.status


@bp.post("/r/<token>/new-link")
@limiter.limit(NEW_LINK_PER_ADDRESS)
@limiter.limit(NEW_LINK_PER_REQUEST, key_func=_reference_key)
def new_link(token: str) -> str:
    """Send a new confirmation link to the address on file. The answer is the same whether one
    was sent or not (already confirmed, or the day's automatic mail to it reached): it never
    tells a visitor more than the status page does, and never takes an address from the form."""
    reference = load_status(token)
    send_new_link(reference)
    return render_template("requests/new_link.html", status_token=token)


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
    return render_template(
        "requests/status.html",
        request=request,
        deadlines=deadlines,
        token=token,
        can_renew=renewable(request),
    )
