"""Admin pages: the request log export (E35) and the yearly metrics."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Response, abort, render_template, request
from flask_login import current_user

from prefcenter.errors import ValidationFailed
from prefcenter.extensions import db
from prefcenter.models import StaffRole
from prefcenter.services import audit, privacy_requests, request_log
from prefcenter.web.console import bp, member

View = TypeVar("View", bound=Callable[..., Any])


def admin_only(view: View) -> View:
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if current_user.role != StaffRole.ADMIN:
            abort(403)
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def _day(name: str, default: date) -> date:
    raw = request.args.get(name)
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        raise ValidationFailed({name: "must be a date like 2026-01-31"}) from None


@bp.get("/log")
@admin_only
def request_log_page() -> Response | str:
    today = privacy_requests.business_today()
    start, end = _day("start", today - timedelta(days=365)), _day("end", today)
    found = request_log.rows(start, end)
    chosen = request.args.get("format")
    if chosen in ("csv", "json"):
        audit.record(member(), "export_request_log", start=start.isoformat(), end=end.isoformat())
        db.session.commit()
        name = f"request-log-{start}-{end}.{chosen}"
        body = _csv(found) if chosen == "csv" else json.dumps(found, indent=2)
        return Response(
            body,
            mimetype="text/csv" if chosen == "csv" else "application/json",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return render_template("console/log.html", rows=found, start=start, end=end)


def _csv(found: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=request_log.COLUMNS)
    writer.writeheader()
    writer.writerows(found)
    return out.getvalue()


@bp.get("/metrics")
@admin_only
def metrics_page() -> str:
    year = request.args.get("year", type=int) or privacy_requests.business_today().year
    return render_template("console/metrics.html", year=year, metrics=request_log.metrics(year))
