"""Contacts, the suppression list, and message attachments, for staff."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from sqlalchemy import func, or_, select

from mail.parse import UnparseableMessage, attachment
from prefcenter.errors import DomainError
from prefcenter.extensions import db
from prefcenter.models import (
    Bounce,
    ConsentEvent,
    Contact,
    InboundMessage,
    PrivacyRequest,
    Suppression,
)
from prefcenter.services import audit
from prefcenter.services.addresses import address_hash, normalise, of_contact
from prefcenter.services.subscriptions import statuses
from prefcenter.services.suppressions import scopes_for
from prefcenter.web.console import bp, member

SHOWN = 50


@bp.get("/contacts")
def contacts() -> str:
    term = (request.args.get("q") or "").strip().lower()
    found: list[Contact] = []
    if term:
        query = select(Contact).where(
            or_(
                Contact.email_key.contains(term, autoescape=True),
                func.lower(Contact.name).contains(term, autoescape=True),
            )
        )
        found = list(db.session.scalars(query.order_by(Contact.email_key).limit(SHOWN)))
    return render_template("console/contacts.html", contacts=found, term=term, shown=SHOWN)


@bp.get("/contacts/<int:contact_id>")
def contact_page(contact_id: int) -> str:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        abort(404)
    history = db.session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.contact_id == contact.id)
        .order_by(ConsentEvent.id.desc())
    )
    requests = db.session.scalars(
        select(PrivacyRequest)
        .where(PrivacyRequest.requester_key == contact.email_key)
        .order_by(PrivacyRequest.id.desc())
    )
    # By the address, as they were recorded: a report may come before the contact was made.
    bounces = db.session.scalars(
        select(Bounce)
        .where(Bounce.address_hash == address_hash(of_contact(contact)))
        .order_by(Bounce.id.desc())
        .limit(SHOWN)
    )
    return render_template(
        "console/contact.html",
        contact=contact,
        subscriptions=statuses(contact),
        suppressed_for=sorted(scopes_for(of_contact(contact))),
        history=list(history),
        requests=list(requests),
        bounces=list(bounces),
    )


@bp.get("/suppressions")
def suppressions() -> str:
    """The list holds keyed hashes, not addresses: an address can be looked up, not listed."""
    raw = (request.args.get("address") or "").strip()
    looked_up, problem = None, None
    query = select(Suppression).order_by(Suppression.id.desc())
    if raw:
        try:
            address = normalise(raw)
        except DomainError as exc:
            problem = exc.message
        else:
            looked_up = address.email
            query = query.where(Suppression.address_hash == address_hash(address))
    total = db.session.scalar(select(func.count(Suppression.id))) or 0
    rows = [] if problem else list(db.session.scalars(query.limit(SHOWN)))
    return render_template(
        "console/suppressions.html",
        rows=rows,
        total=total,
        looked_up=looked_up,
        problem=problem,
        raw=raw,
    )


@bp.get("/messages/<int:message_id>/attachments/<int:index>")
def attachment_download(message_id: int, index: int) -> Response:
    """Always a download, never shown in the page: an attachment may be anything."""
    message = db.session.get(InboundMessage, message_id)
    if message is None or not message.raw:
        abort(404)
    try:
        described, data = attachment(message.raw, index)
    except (IndexError, UnparseableMessage):
        abort(404)
    audit.record(member(), "download_attachment", message_id=message_id, index=index)
    db.session.commit()
    filename = "".join(c for c in (described.filename or "attachment") if c.isalnum() or c in "._-")
    return Response(
        data,
        mimetype="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{filename or "attachment"}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
