"""The queue of requests, one request's page, and the status changes staff make on it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from prefcenter.errors import DomainError
from prefcenter.extensions import db
from prefcenter.models import RequestKind, RequestStatus
from prefcenter.services import audit, corrections, outbox, privacy_requests, request_queue
from prefcenter.services.addresses import of_requester
from prefcenter.web.console import bp, member
from prefcenter.web.console.forms import ActionForm, CorrectionForm, ReplyForm

# Console action -> the status it moves a request to.
ACTIONS = {
    "verify": RequestStatus.VERIFIED,  # identity checked by other means
    "start": RequestStatus.IN_PROGRESS,
    "complete": RequestStatus.COMPLETED,
    "deny": RequestStatus.DENIED,
    "extend": RequestStatus.EXTENDED,
    "duplicate": RequestStatus.DUPLICATE,
    "cancel": RequestStatus.CANCELLED,
}


@bp.get("/")
def queue() -> str:
    filters = {name: request.args.get(name) or None for name in ("status", "kind", "due", "q")}
    found, counts = request_queue.rows(
        privacy_requests.business_today(),
        status=filters["status"] if filters["status"] in set(RequestStatus) else None,
        kind=filters["kind"] if filters["kind"] in set(RequestKind) else None,
        due=filters["due"],
        search=filters["q"],
    )
    return render_template(
        "console/queue.html",
        rows=found,
        counts=counts,
        filters=filters,
        statuses=list(RequestStatus),
        kinds=list(RequestKind),
    )


@bp.get("/requests/<reference>")
def request_page(reference: str) -> str:
    shown = privacy_requests.get(reference)
    contact = shown.contact
    today = privacy_requests.business_today()
    proposed = {change["field"]: change["new_value"] for change in shown.proposed_changes}
    return render_template(
        "console/request.html",
        request=shown,
        contact=contact,
        deadlines=privacy_requests.deadline_view(shown, today),
        form=ActionForm(),
        actions=ACTIONS,
        correction_form=CorrectionForm(),
        reply_form=ReplyForm(),
        sent=outbox.for_request(shown),
        fields=corrections.FIELDS,
        current=corrections.current_values(contact) if contact else {},
        proposed=proposed,
    )


@bp.post("/requests/<reference>/apply/<field>")
def apply_correction(reference: str, field: str) -> Response:
    shown = privacy_requests.get(reference)
    form = CorrectionForm()
    back = redirect(url_for("console.request_page", reference=reference))
    if not form.validate_on_submit():
        flash("The form had expired or was empty; nothing was changed.", "error")
        return back
    try:
        change = corrections.apply(shown, field, form.value.data or "", audit.actor(member()))
    except DomainError as refused:
        db.session.rollback()
        flash(_explain(refused), "error")
        return back
    audit.record(member(), "apply_correction", shown, field=field)
    db.session.commit()
    flash(f"{change.field} changed from “{change.old or ''}” to “{change.new}”.", "done")
    return back


def _explain(refused: DomainError) -> str:
    return refused.message if not refused.details else f"{refused.message} {refused.details}"


@bp.post("/requests/<reference>/reply")
def reply(reference: str) -> Response:
    """A person's answer to the requester, in the request's thread."""
    shown = privacy_requests.get(reference)
    form = ReplyForm()
    if form.validate_on_submit():
        outbox.queue(
            shown, "reply", of_requester(shown), auto_submitted=outbox.HUMAN, body=form.body.data
        )
        audit.record(member(), "reply", shown)
        db.session.commit()
        flash("Your reply is on its way.", "done")
    else:
        flash("The form had expired or was empty; nothing was sent.", "error")
    return redirect(url_for("console.request_page", reference=reference))


@bp.post("/requests/<reference>/<action>")
def act(reference: str, action: str) -> Response:
    if action not in ACTIONS:
        abort(404)
    shown = privacy_requests.get(reference)
    form = ActionForm()
    if not form.validate_on_submit():
        flash("The form had expired; nothing was changed. Please try again.", "error")
        return redirect(url_for("console.request_page", reference=reference))
    original = None
    if action == "duplicate":
        original = privacy_requests.find((form.original.data or "").strip().upper())
    note = (form.note.data or "").strip() or None
    try:
        privacy_requests.decide(
            shown, ACTIONS[action], audit.actor(member()), note, duplicate_of=original
        )
    except DomainError as refused:
        db.session.rollback()
        flash(
            refused.message if not refused.details else f"{refused.message} {refused.details}",
            "error",
        )
        return redirect(url_for("console.request_page", reference=reference))
    audit.record(member(), action, shown, note=note)
    db.session.commit()
    flash(f"{shown.reference} is now {shown.status.replace('_', ' ')}.", "done")
    return redirect(url_for("console.request_page", reference=reference))
