"""The staff console under /console/: every page needs a signed-in staff member, except signing in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from prefcenter.extensions import db, login_manager
from prefcenter.models import StaffMember
from prefcenter.web.console.forms import LogoutForm

bp = Blueprint("console", __name__, url_prefix="/console")

# Reachable without signing in: the sign-in form and the one-time set-password link.
PUBLIC_ENDPOINTS = {"console.login", "console.set_password"}


@login_manager.user_loader
def load_member(member_id: str) -> StaffMember | None:
    member = db.session.get(StaffMember, int(member_id)) if member_id.isdigit() else None
    return member if member is not None and member.disabled_at is None else None


@bp.before_request
def require_staff() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return redirect(url_for("console.login", next=request.path))


@bp.context_processor
def signed_in_member() -> dict[str, Any]:
    return {"current_user": current_user, "logout_form": LogoutForm()}


def member() -> StaffMember:
    return current_user._get_current_object()  # type: ignore[no-any-return]


from prefcenter.web.console import auth, queue, records, reports  # noqa: E402, F401 - registers routes
