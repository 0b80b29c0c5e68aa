"""The staff queue: open requests by due date, with counts per due state."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from prefcenter.extensions import db
from prefcenter.models import PrivacyRequest
from prefcenter.services.privacy_requests import business_calendar
from prefcenter.services.request_lifecycle import ENDS

# The deadline that decides a request's place in the queue, per rule name.
ANSWER_RULES = ("respond", "opt_out", "gdpr_respond")
SOON_BUSINESS_DAYS = 3
OVERDUE, SOON, LATER, NO_DEADLINE = "overdue", "soon", "later", "none"


@dataclass(frozen=True)
class QueueRow:
    request: PrivacyRequest
    due: date | None
    due_state: str


def due_date(request: PrivacyRequest) -> date | None:
    """The earliest answer deadline: the one that must not be missed."""
    dates = [date.fromisoformat(d["due"]) for d in request.deadlines if d["rule"] in ANSWER_RULES]
    return min(dates) if dates else None


def due_state(due: date | None, today: date) -> str:
    if due is None:
        return NO_DEADLINE
    if due < today:
        return OVERDUE
    soon = business_calendar().add_business_days(today, SOON_BUSINESS_DAYS)
    return SOON if due <= soon else LATER


def rows(
    today: date,
    *,
    status: str | None = None,
    kind: str | None = None,
    due: str | None = None,
    search: str | None = None,
) -> tuple[list[QueueRow], Counter[str]]:
    """Matching requests sorted by due date (none last), and the due-state counts of all open ones.

    Without a status filter only open requests are listed; finished ones are one filter away.
    """
    query = select(PrivacyRequest)
    query = query.where(
        PrivacyRequest.status == status if status else PrivacyRequest.status.not_in(list(ENDS))
    )
    if kind:
        query = query.where(PrivacyRequest.kind == kind)
    if search:
        term = search.strip().lower()
        query = query.where(
            or_(
                func.lower(PrivacyRequest.reference) == term,
                PrivacyRequest.requester_key.contains(term, autoescape=True),
            )
        )
    found = []
    for request in db.session.scalars(query):
        when = due_date(request)
        found.append(QueueRow(request, when, due_state(when, today)))
    open_requests = select(PrivacyRequest).where(PrivacyRequest.status.not_in(list(ENDS)))
    counts = Counter(due_state(due_date(r), today) for r in db.session.scalars(open_requests))
    if due:
        found = [row for row in found if row.due_state == due]
    found.sort(key=lambda row: (row.due is None, row.due or today, row.request.id))
    return found, counts
