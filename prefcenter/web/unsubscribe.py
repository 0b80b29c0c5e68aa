"""One-click unsubscribe links (RFC 8058): GET asks, POST acts."""

from __future__ import annotations

from flask import Blueprint, render_template

from prefcenter.services.addresses import mask
from prefcenter.services.categories import category_label
from prefcenter.services.links import preferences_url
from prefcenter.services.unsubscribe import category_to_confirm, unsubscribe_by_token

bp = Blueprint("unsubscribe", __name__)


@bp.get("/u/<token>")
def confirm(token: str) -> str:
    """Mail scanners fetch links: a GET only shows the button and changes nothing."""
    return render_template(
        "unsubscribe/confirm.html", category_label=category_label(category_to_confirm(token))
    )


@bp.post("/u/<token>")
def one_click(token: str) -> str:
    """The RFC 8058 POST: no cookies, no CSRF, no redirect; any body (or none) is accepted."""
    target = unsubscribe_by_token(token)
    contact = target.contact
    return render_template(
        "unsubscribe/done.html",
        category_label=category_label(target.category),
        masked_email=mask(contact.email) if contact else None,
        preferences_url=preferences_url(contact) if contact else None,
    )
