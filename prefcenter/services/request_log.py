"""The request log CCPA requires (standards E35): kept 24 months, used for nothing else.

One row per request: date, kind, channel, response date, outcome, reason for a denial. No address:
the log outlives erasure.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from prefcenter.extensions import db
from prefcenter.models import PrivacyRequest, RequestKind, RequestStatus

COLUMNS = ["reference", "received", "kind", "channel", "responded", "outcome", "denial_reason"]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _requests(start: date, end: date) -> list[PrivacyRequest]:
    """Requests received from `start` to `end` inclusive (UTC days)."""
    query = select(PrivacyRequest).where(
        PrivacyRequest.received_at >= _start_of(start),
        PrivacyRequest.received_at < _start_of(end + timedelta(days=1)),
    )
    return list(db.session.scalars(query.order_by(PrivacyRequest.received_at, PrivacyRequest.id)))


def _denial_reason(request: PrivacyRequest) -> str | None:
    denials = [e.note for e in request.events if e.to_status == RequestStatus.DENIED]
    return denials[-1] if denials else None


def rows(start: date, end: date) -> list[dict[str, Any]]:
    return [
        {
            "reference": r.reference,
            "received": r.received_at.date().isoformat(),
            "kind": r.kind,
            "channel": "email",
            "responded": r.completed_at.date().isoformat() if r.completed_at else None,
            "outcome": r.status,
            "denial_reason": _denial_reason(r),
        }
        for r in _requests(start, end)
    ]


def metrics(year: int) -> dict[str, dict[str, Any]]:
    """Per kind: received, complied with, denied, and the median days from receipt to answer."""
    received: dict[str, int] = defaultdict(int)
    outcome: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    days: dict[str, list[float]] = defaultdict(list)
    for r in _requests(date(year, 1, 1), date(year, 12, 31)):
        received[r.kind] += 1
        outcome[r.kind][r.status] += 1
        if r.completed_at is not None and r.status in (
            RequestStatus.COMPLETED,
            RequestStatus.DENIED,
        ):
            days[r.kind].append((r.completed_at - r.received_at).total_seconds() / 86400)
    return {
        kind.value: {
            "received": received[kind.value],
            "complied": outcome[kind.value][RequestStatus.COMPLETED.value],
            "denied": outcome[kind.value][RequestStatus.DENIED.value],
            "median_days_to_respond": round(statistics.median(days[kind.value]), 1)
            if days[kind.value]
            else None,
        }
        for kind in RequestKind
    }
