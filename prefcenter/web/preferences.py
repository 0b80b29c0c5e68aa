"""The preference page at /p/<token>: no account, one form, CSRF-protected, GPC honoured."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from prefcenter.services import preferences
from prefcenter.services.addresses import mask
from prefcenter.services.preferences import Outcome, PageContact

bp = Blueprint("preferences", __name__)


# Version of the consent wording in templates/preferences/page.html, kept with every change made
# there (standards F37). Bump it whenever that wording changes.
PAGE_WORDING_VERSION = "preference-page-2026-11"


class PreferencesForm(FlaskForm):
    """Carries only the CSRF token; the category boxes follow the configuration."""


def _gpc_signal() -> bool:
    return request.headers.get("Sec-GPC", "").strip() == "1"


def _render(
    contact: PageContact,
    token: str,
    *,
    outcome: Outcome | None = None,
    form_expired: bool = False,
) -> str:
    gpc = _gpc_signal()
    if gpc:
        preferences.honour_gpc(contact)
    return render_template(
        "preferences/page.html",
        token=token,
        form=PreferencesForm(formdata=None),
        masked_email=mask(contact.address.email),
        state=preferences.state(contact),
        gpc_signal=gpc,
        outcome=outcome,
        form_expired=form_expired,
    )


@bp.get("/p/<token>")
def page(token: str) -> ResponseReturnValue:
    return _render(preferences.page_contact_for(token), token)


@bp.post("/p/<token>")
def submit(token: str) -> ResponseReturnValue:
    contact = preferences.contact_for(token, for_update=True)
    if not PreferencesForm().validate_on_submit():
        return _render(PageContact.of(contact), token, form_expired=True), 400
    if request.form.get("action") == "unsubscribe_all":
        outcome = preferences.unsubscribe_from_all(contact)
    else:
        wanted = set(request.form.getlist("category"))
        outcome = preferences.save(contact, wanted, PAGE_WORDING_VERSION)
    return _render(PageContact.of(contact), token, outcome=outcome)
