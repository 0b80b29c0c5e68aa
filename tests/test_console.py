"""The staff console: nobody gets in without signing in, forms carry CSRF tokens, what requesters
wrote is shown inert, and every action is in the audit trail."""

from __future__ import annotations

import csv
import email
import io
import re
from datetime import UTC, datetime
from email import policy

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from prefcenter.cli import main
from prefcenter.extensions import db
from prefcenter.models import (
    AppendOnlyViolation,
    AuditEvent,
    OutboxMessage,
    RequestStatus,
    StaffMember,
)
from prefcenter.services import privacy_requests
from prefcenter.services.addresses import normalise
from prefcenter.services.request_links import status_url
from prefcenter.services.suppressions import is_suppressed
from prefcenter.web.console import PUBLIC_ENDPOINTS
from tests.factories import STAFF_PASSWORD, make_contact, make_staff, make_suppression
from tests.inbound import compose, receive


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert found, page
    return found.group(1)


def sign_in(client: FlaskClient, member: StaffMember, password: str = STAFF_PASSWORD) -> int:
    token = csrf_token(client, "/console/login")
    response = client.post(
        "/console/login",
        data={"email": member.email, "password": password, "csrf_token": token},
    )
    return response.status_code


URL_VALUES = {
    "reference": "PR-0000-0000",
    "action": "deny",
    "field": "name",
    "contact_id": 1,
    "message_id": 1,
    "index": 0,
}


def console_urls(app: Flask) -> list[tuple[str, str]]:
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console.") and rule.endpoint not in PUBLIC_ENDPOINTS:
            url = adapter.build(rule.endpoint, {a: URL_VALUES[a] for a in rule.arguments})
            urls += [(m, url) for m in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return urls


def test_every_console_route_refuses_anonymous_access(app: Flask, client: FlaskClient) -> None:
    urls = console_urls(app)
    assert ("GET", "/console/") in urls and ("POST", "/console/logout") in urls
    for method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/console/login")


def test_signing_in_with_the_right_password_only(app: Flask, client: FlaskClient) -> None:
    member = make_staff()
    assert sign_in(client, member, "not the password") == 401
    assert client.get("/console/").status_code == 302
    assert sign_in(client, member) == 302
    assert client.get("/console/").status_code == 200
    token = csrf_token(client, "/console/")
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/").status_code == 302
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions == ["sign_in", "sign_out"]


def test_the_session_cookie_is_http_only_and_same_site(app: Flask, client: FlaskClient) -> None:
    sign_in(client, make_staff())
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert cookie.secure  # the test base URL is https


def test_sign_in_is_throttled(app: Flask, client: FlaskClient) -> None:
    member = make_staff()
    codes = [sign_in(client, member, "wrong password!") for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    refused = client.post("/console/login", data={"email": member.email, "password": "x"})
    # The window is 15 minutes: the client is told to come back within it, not at once.
    assert refused.status_code == 429
    assert 60 < int(refused.headers["Retry-After"]) <= 15 * 60


def test_a_form_without_its_csrf_token_changes_nothing(app: Flask, client: FlaskClient) -> None:
    make_contact("pat@customer.example.net")
    [request] = receive(compose("Please delete my data.")).requests
    sign_in(client, make_staff())
    response = client.post(
        f"/console/requests/{request.reference}/deny", data={"note": "no"}, follow_redirects=True
    )
    assert "nothing was changed" in response.get_data(as_text=True)
    db.session.refresh(request)
    assert request.status == "awaiting_verification"
    assert client.post("/console/login", data={"email": "x", "password": "y"}).status_code == 200


def test_what_requesters_wrote_is_shown_inert(app: Flask, client: FlaskClient) -> None:
    payload = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    message = compose(
        f"Please delete my data. {payload}",
        subject=f"Delete {payload}",
        sender=f'"{payload}" <pat@customer.example.net>',
    )
    [request] = receive(message).requests
    sign_in(client, make_staff())
    for path in ("/console/", f"/console/requests/{request.reference}"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
    page = client.get(f"/console/requests/{request.reference}").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in page


def test_the_queue_puts_overdue_first_and_counts_each_due_state(
    app: Flask, client: FlaskClient
) -> None:
    with time_machine.travel(datetime(2026, 1, 5, 17, 0, tzinfo=UTC), tick=False):
        [late] = receive(
            compose("Please delete my data.", sender="a@customer.example.net")
        ).requests
    with time_machine.travel(datetime(2026, 3, 2, 17, 0, tzinfo=UTC), tick=False):
        [fresh] = receive(
            compose("Please delete my data.", sender="b@customer.example.net")
        ).requests
        sign_in(client, make_staff())
        page = client.get("/console/").get_data(as_text=True)
        overdue_only = client.get("/console/?due=overdue").get_data(as_text=True)
    assert page.index(late.reference) < page.index(fresh.reference)
    assert re.search(r'id="count-overdue">1<', page) and re.search(r'id="count-later">1<', page)
    assert late.reference in overdue_only and fresh.reference not in overdue_only


def test_a_denial_is_audited_with_the_staff_id_and_tells_the_requester(
    app: Flask, client: FlaskClient
) -> None:
    [request] = receive(compose("Delete my data.", sender="x@customer.example.net")).requests
    member = make_staff()
    sign_in(client, member)
    page = f"/console/requests/{request.reference}"
    token = csrf_token(client, page)
    client.post(f"{page}/deny", data={"csrf_token": token, "note": "We hold no data on you."})
    db.session.refresh(request)
    assert request.status == "denied"
    assert request.events[-1].actor == f"staff:{member.id}"
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "deny")).one()
    assert (audit.staff_id, audit.request_id) == (member.id, request.id)
    purposes = db.session.scalars(select(OutboxMessage.purpose)).all()
    assert "denied" in purposes


def test_a_refused_change_is_explained_and_changes_nothing(app: Flask, client: FlaskClient) -> None:
    [request] = receive(compose("Stop emailing me.", sender="x@customer.example.net")).requests
    sign_in(client, make_staff())
    page = f"/console/requests/{request.reference}"
    token = csrf_token(client, page)
    shown = client.post(f"{page}/start", data={"csrf_token": token}, follow_redirects=True)
    assert "cannot become in_progress" in shown.get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "start")).all() == []


def test_staff_create_prints_a_one_time_set_password_link(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(
        main, ["staff", "create", "new@example.com", "--role", "admin", "--link"]
    )
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1]
    path = url.removeprefix("https://prefs.example.com")
    token = csrf_token(client, path)
    client.post(path, data={"csrf_token": token, "password": "a long new password"})
    member = db.session.scalars(select(StaffMember)).one()
    assert member.role == "admin"
    assert sign_in(client, member, "a long new password") == 302
    assert client.get(path).status_code == 400  # used


def test_the_audit_trail_cannot_be_rewritten(app: Flask, client: FlaskClient) -> None:
    sign_in(client, make_staff())
    event = db.session.scalars(select(AuditEvent)).one()
    event.action = "nothing happened"
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AuditEvent)).one())
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()


def confirmed_correction(client: FlaskClient, body: str) -> tuple[str, str]:
    """A correction request confirmed by staff; (request page path, CSRF token)."""
    [request] = receive(compose(body)).requests
    page = f"/console/requests/{request.reference}"
    token = csrf_token(client, page)
    client.post(f"{page}/verify", data={"csrf_token": token, "note": "checked by phone"})
    return page, token


def test_a_correction_cannot_be_applied_before_the_requester_is_confirmed(
    app: Flask, client: FlaskClient
) -> None:
    # standards E30, G45
    contact = make_contact("pat@customer.example.net")
    [request] = receive(compose("Please correct my phone number to 555 0100 200.")).requests
    sign_in(client, make_staff())
    page = f"/console/requests/{request.reference}"
    shown = client.post(
        f"{page}/apply/phone",
        data={"csrf_token": csrf_token(client, page), "value": "555 0100 200"},
        follow_redirects=True,
    )
    assert "confirm the requester first" in shown.get_data(as_text=True)
    db.session.refresh(contact)
    assert contact.phone is None


def test_a_new_email_address_keeps_the_old_ones_opt_outs(app: Flask, client: FlaskClient) -> None:
    contact = make_contact("pat@customer.example.net", categories=["updates"])
    make_suppression("pat@customer.example.net", scope="marketing", reason="unsubscribe")
    member = make_staff()
    sign_in(client, member)
    page, token = confirmed_correction(
        client, "Please change my email address to pat.new@customer.example.org"
    )
    client.post(
        f"{page}/apply/email", data={"csrf_token": token, "value": "pat.new@customer.example.org"}
    )
    db.session.refresh(contact)
    assert contact.email == "pat.new@customer.example.org"
    assert is_suppressed(normalise("pat.new@customer.example.org"), "marketing")
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "apply_correction")
    ).one()
    assert (audit.staff_id, audit.details) == (member.id, {"field": "email"})


ADMIN_ONLY = {"/console/log", "/console/metrics"}


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_each_roles_access(app: Flask, client: FlaskClient, role: str) -> None:
    contact = make_contact("pat@customer.example.net")
    message = compose("Please delete my data. My ID is attached.")
    message.add_attachment(b"%PDF-1.4 id", maintype="application", subtype="pdf", filename="id.pdf")
    inbound = receive(message)
    reference = inbound.requests[0].reference
    sign_in(client, make_staff(role=role))
    everyone = {
        "/console/": "/console/",
        "/console/requests/PR-0000-0000": f"/console/requests/{reference}",
        "/console/contacts": "/console/contacts?q=pat",
        "/console/contacts/1": f"/console/contacts/{contact.id}",
        "/console/suppressions": "/console/suppressions",
        "/console/messages/1/attachments/0": f"/console/messages/{inbound.id}/attachments/0",
    }
    for path in everyone.values():
        assert client.get(path).status_code == 200, path
    for path in ADMIN_ONLY:
        assert client.get(path).status_code == (200 if role == "admin" else 403), path
    # Every GET page of the console is in one of the two lists above.
    pages = {url for method, url in console_urls(app) if method == "GET"}
    assert pages == set(everyone) | ADMIN_ONLY


def test_the_request_log_exports_a_date_range_without_addresses(
    app: Flask, client: FlaskClient
) -> None:
    # standards E35: date, kind, channel, response date, outcome, reason for denial.
    with time_machine.travel(datetime(2026, 2, 3, 17, 0, tzinfo=UTC), tick=False):
        receive(compose("Stop emailing me.", sender="a@customer.example.net"))
        [denied] = receive(compose("Delete my data.", sender="b@customer.example.net")).requests
        privacy_requests.decide(denied, RequestStatus.DENIED, "staff:1", "No record of you.")
        db.session.commit()
    with time_machine.travel(datetime(2026, 6, 1, 17, 0, tzinfo=UTC), tick=False):
        receive(compose("Delete my data.", sender="c@customer.example.net"))
    sign_in(client, make_staff(role="admin"))
    export = client.get("/console/log?start=2026-01-01&end=2026-03-31&format=csv")
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [
        (r["received"], r["kind"], r["channel"], r["responded"], r["outcome"], r["denial_reason"])
        for r in rows
    ] == [
        ("2026-02-03", "discontinue", "email", "2026-02-03", "completed", ""),
        ("2026-02-03", "deletion", "email", "2026-02-03", "denied", "No record of you."),
    ]
    assert "customer.example.net" not in export.get_data(as_text=True)
    as_json = client.get("/console/log?start=2026-01-01&end=2026-12-31&format=json").get_json()
    assert len(as_json) == 3
    exports = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export_request_log")
    )
    assert len(exports.all()) == 2


def test_metrics_count_requests_per_kind_for_a_year(app: Flask, client: FlaskClient) -> None:
    with time_machine.travel(datetime(2026, 2, 3, 17, 0, tzinfo=UTC), tick=False):
        receive(compose("Stop emailing me.", sender="a@customer.example.net"))
        [denied] = receive(compose("Delete my data.", sender="b@customer.example.net")).requests
    with time_machine.travel(datetime(2026, 2, 13, 17, 0, tzinfo=UTC), tick=False):
        privacy_requests.decide(denied, RequestStatus.DENIED, "staff:1", "No record of you.")
        db.session.commit()
    sign_in(client, make_staff(role="admin"))
    page = client.get("/console/metrics?year=2026").get_data(as_text=True)
    deletion = re.search(r'id="metrics-deletion">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>(.*?)</td>", deletion) == ["deletion", "1", "0", "1", "10.0"]
    discontinue = re.search(r'id="metrics-discontinue">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>(.*?)</td>", discontinue) == ["discontinue", "1", "1", "0", "0.0"]


def test_an_attachment_is_only_ever_a_download(app: Flask, client: FlaskClient) -> None:
    message = compose("Please delete my data.")
    message.add_attachment(
        b"<script>alert(1)</script>", maintype="text", subtype="html", filename="../x.html"
    )
    inbound = receive(message)
    sign_in(client, make_staff())
    download = client.get(f"/console/messages/{inbound.id}/attachments/0")
    assert download.mimetype == "application/octet-stream"
    assert download.headers["Content-Disposition"] == 'attachment; filename="..x.html"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.get_data() == b"<script>alert(1)</script>"
    assert client.get(f"/console/messages/{inbound.id}/attachments/1").status_code == 404


def test_a_contact_page_shows_subscriptions_history_and_requests(
    app: Flask, client: FlaskClient
) -> None:
    contact = make_contact("pat@customer.example.net", categories=["marketing"])
    [request] = receive(compose("Stop emailing me.")).requests
    sign_in(client, make_staff())
    found = client.get("/console/contacts?q=PAT@").get_data(as_text=True)
    assert f"/console/contacts/{contact.id}" in found
    page = client.get(f"/console/contacts/{contact.id}").get_data(as_text=True)
    assert "marketing: unsubscribed" in page and request.reference in page
    assert "email · request " + request.reference in page
    lookup = client.get("/console/suppressions?address=Pat@customer.example.net")
    assert "Entries for Pat@customer.example.net" in lookup.get_data(as_text=True)
    assert "<td>all</td>" in lookup.get_data(as_text=True)


def test_staff_reply_in_the_requests_thread(app: Flask, client: FlaskClient) -> None:
    app.config["AUTO_REPLY_LIMIT"] = 1  # a person's reply is never held back by the loop guard
    inbound = receive(compose("Do you ship to Canada?"))
    [request] = inbound.requests
    member = make_staff()
    sign_in(client, member)
    page = f"/console/requests/{request.reference}"
    token = csrf_token(client, page)
    client.post(f"{page}/reply", data={"csrf_token": token, "body": "Yes, we ship to Canada."})
    reply = db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "reply")).one()
    sent = email.message_from_bytes(reply.raw, policy=policy.default)
    assert sent["Auto-Submitted"] == "no"
    assert sent["In-Reply-To"] == inbound.message_id
    assert "Yes, we ship to Canada." in sent.get_content()
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reply")).one()
    assert audit.staff_id == member.id
    assert "reply to pat@customer.example.net" in client.get(page).get_data(as_text=True)


def test_the_status_page_shows_reasons_but_not_staff_working_notes(
    app: Flask, client: FlaskClient
) -> None:
    make_contact("pat@customer.example.net")
    [request] = receive(compose("Please delete my data.")).requests
    privacy_requests.decide(request, RequestStatus.VERIFIED, "staff:1", "ID checked on a call")
    privacy_requests.decide(request, RequestStatus.DENIED, "staff:1", "Legal hold on the account.")
    db.session.commit()
    status = client.get(status_url(request).removeprefix("https://prefs.example.com"))
    text = status.get_data(as_text=True)
    assert "Legal hold on the account." in text
    assert "ID checked on a call" not in text


def test_completing_a_correction_tells_the_requester_what_was_corrected(
    app: Flask, client: FlaskClient
) -> None:
    # standards E30: tell the consumer whether the correction was made.
    make_contact("pat@customer.example.net")
    sign_in(client, make_staff())
    page, token = confirmed_correction(client, "My new phone number is +44 7700 900123.")
    client.post(f"{page}/apply/phone", data={"csrf_token": token, "value": "+44 7700 900123"})
    client.post(f"{page}/complete", data={"csrf_token": token})
    notice = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.purpose == "completed")
    ).one()
    body = email.message_from_bytes(notice.raw, policy=policy.default).get_content()
    assert "We corrected your phone number in our records." in body


@pytest.mark.parametrize("table", ["audit_event", "request_event"])
@pytest.mark.parametrize(
    "change", ["UPDATE {table} SET occurred_at = occurred_at", "DELETE FROM {table}"]
)
def test_the_database_itself_refuses_to_rewrite_history(
    app: Flask, client: FlaskClient, table: str, change: str
) -> None:
    receive(compose("Please delete my data."))
    sign_in(client, make_staff())
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(change.format(table=table)))
    db.session.rollback()
