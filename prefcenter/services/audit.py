"""The staff audit trail: every console action, append-only, with the staff member's id."""

from __future__ import annotations

from typing import Any

from prefcenter.clock import now
from prefcenter.extensions import db
from prefcenter.models import AuditEvent, PrivacyRequest, StaffMember


def record(
    member: StaffMember, action: str, request: PrivacyRequest | None = None, **details: Any
) -> None:
    """Append one audit event in the caller's transaction."""
    db.session.add(
        AuditEvent(
            staff_id=member.id,
            action=action,
            request_id=request.id if request is not None else None,
            details=details,
            occurred_at=now(),
        )
    )


def actor(member: StaffMember) -> str:
    """How a staff member is named in request events."""
    return f"staff:{member.id}"
