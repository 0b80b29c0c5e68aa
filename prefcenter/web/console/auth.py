"""Signing in and out, and setting a password from a one-time link."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from prefcenter.extensions import db, limiter
from prefcenter.services import audit, staff
from prefcenter.web.console import bp, member
from prefcenter.web.console.forms import LoginForm, LogoutForm, SetPasswordForm

# Per client address: slows password guessing without locking a real person out for long.
LOGIN_LIMIT = "10 per 15 minutes"


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never an open redirect to somewhere else.
    if target and target.startswith("/console/") and not urlsplit(target).netloc:
        return target
    return url_for("console.queue")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login() -> str | Response:
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        signed_in = staff.authenticate(form.email.data or "", form.password.data or "")
        if signed_in is not None:
            login_user(signed_in)
            audit.record(signed_in, "sign_in")
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        failed = True
    status = 401 if failed else 200
    return render_template("console/login.html", form=form, failed=failed), status


@bp.post("/logout")
def logout() -> Response:
    if LogoutForm().validate_on_submit():
        audit.record(member(), "sign_out")
        db.session.commit()
        logout_user()
    return redirect(url_for("console.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> str | Response:
    person = staff.member_for_set_password(token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        staff.set_password(person, form.password.data or "")
        audit.record(person, "set_password")
        db.session.commit()
        return redirect(url_for("console.login"))
    return render_template("console/set_password.html", form=form, person=person)
