"""Our mail about requests, captured by a real local relay: acknowledgements (G44), verification
links that work once, DKIM, retries, and the requester's status page."""

from __future__ import annotations

import base64
import email
import re
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import dkim
import pytest
import time_machine
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from prefcenter.cli import main
from prefcenter.extensions import db
from prefcenter.models import OutboxMessage, PrivacyRequest, RequestStatus
from prefcenter.services import privacy_requests
from prefcenter.services.privacy_requests import TooLateToExtend
from tests.conftest import RelayHandler
from tests.factories import make_contact
from tests.inbound import compose, receive

Relay = tuple[int, RelayHandler]


@pytest.fixture
def config_overrides(relay: Relay) -> dict[str, Any]:
    return {"SMTP_RELAY": f"127.0.0.1:{relay[0]}", "SMTP_STARTTLS": False}


def deliver(runner: FlaskCliRunner) -> Result:
    result = runner.invoke(main, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result


def captured(relay: Relay) -> list[tuple[str, list[str], EmailMessage]]:
    return [
        (sender, recipients, email.message_from_bytes(raw, policy=policy.default))
        for sender, recipients, raw in relay[1].received
    ]


def link(message: EmailMessage, path: str) -> str:
    body = message.get_content()
    found = re.search(rf"https://prefs\.example\.com(/{path}/\S+)", body)
    assert found, body
    return found.group(1)


def test_an_acknowledgement_follows_rfc_3834_and_says_when(
    app: Flask, runner: FlaskCliRunner, relay: Relay
) -> None:
    # standards G44, E27: confirm receipt, say how verification works and when to expect an answer.
    make_contact("pat@customer.example.net")
    inbound = receive(compose("Please delete all my personal data.", subject="Delete me"))
    deliver(runner)
    [(sender, recipients, ack), (_, verify_to, verification)] = captured(relay)
    [request] = inbound.requests
    assert sender == "privacy@example.com"
    assert recipients == ["pat@customer.example.net"] == verify_to
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == inbound.message_id
    assert inbound.message_id in ack["References"]
    assert ack["Subject"].startswith(f"[{request.reference}]")
    assert re.fullmatch(rf"<{request.reference}\.[0-9a-f]+@example\.com>", ack["Message-ID"])
    assert ack["X-Loop"] == "privacy@example.com"
    assert ack.get_content_type() == "text/plain" and not ack.is_multipart()
    body = ack.get_content()
    assert "Please delete all my personal data" not in body  # no copy of the original
    respond_by = next(d["due"] for d in request.deadlines if d["rule"] == "respond")
    assert respond_by in body
    assert "confirm" in body
    assert verification["Subject"] == f"[{request.reference}] Please confirm your request"
    assert request.acknowledged_at is not None


def test_machine_mail_gets_no_reply(app: Flask, runner: FlaskCliRunner, relay: Relay) -> None:
    # standards G41, G42
    receive(compose("Out of office.", headers={"Auto-Submitted": "auto-replied"}))
    receive(compose("Undeliverable", sender="MAILER-DAEMON@customer.example.net"), "")
    deliver(runner)
    assert relay[1].received == []
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_verification_link_works_once(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, relay: Relay
) -> None:
    # standards E34, G45: nothing risky happens before the holder of the address confirms.
    make_contact("pat@customer.example.net")
    inbound = receive(compose("What personal data do you hold about me?"))
    [request] = inbound.requests
    assert request.status == "awaiting_verification"
    deliver(runner)
    path = link(captured(relay)[1][2], "v")

    page = client.get(path)
    assert page.status_code == 200
    assert request.reference in page.get_data(as_text=True)
    db.session.refresh(request)
    assert request.status == "awaiting_verification"  # a GET changes nothing

    assert client.post(path).status_code == 200
    db.session.refresh(request)
    assert request.verified_at is not None
    assert [(e.to_status, e.actor) for e in request.events][-2:] == [
        ("verified", "requester"),
        ("completed", "system"),  # access: the download link is on its way
    ]

    again = client.post(path)
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)
    assert client.get(path).status_code == 400


def test_a_verification_link_expires(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, relay: Relay
) -> None:
    make_contact("pat@customer.example.net")
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        receive(compose("Please delete my account."))
        deliver(runner)
    path = link(captured(relay)[1][2], "v")
    with time_machine.travel(datetime(2026, 3, 5, 9, 1, tzinfo=UTC), tick=False):
        expired = client.post(path)
    assert expired.status_code == 400
    assert "expired" in expired.get_data(as_text=True).lower()


def test_a_new_email_address_is_confirmed_through_the_old_one(
    app: Flask, runner: FlaskCliRunner, relay: Relay
) -> None:
    # standards E30: verify with data other than the data being corrected.
    make_contact("pat@customer.example.net")
    receive(compose("Please change my email address to pat.new@elsewhere.example.org."))
    deliver(runner)
    recipients = {recipient for _, recipients, _ in captured(relay) for recipient in recipients}
    assert recipients == {"pat@customer.example.net"}


def test_an_unknown_address_is_acknowledged_with_no_matching_record(
    app: Flask, runner: FlaskCliRunner, relay: Relay
) -> None:
    inbound = receive(compose("Delete my data please.", sender="nobody@customer.example.net"))
    [request] = inbound.requests
    assert request.no_matching_record and request.status == "received"
    deliver(runner)
    [(_, recipients, ack)] = captured(relay)
    assert recipients == ["nobody@customer.example.net"]
    assert "no record" in ack.get_content()


def test_the_status_page_shows_the_request(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, relay: Relay
) -> None:
    make_contact("pat@customer.example.net")
    inbound = receive(compose("Please correct my surname to Smyth."))
    [request] = inbound.requests
    deliver(runner)
    page = client.get(link(captured(relay)[0][2], "r"))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert request.reference in text
    assert "Waiting for you to confirm" in text
    respond_by = next(d["due"] for d in request.deadlines if d["rule"] == "respond")
    assert f"Due by {respond_by}" in text
    assert client.get("/r/not-a-token").status_code == 400


def test_the_relays_temporary_refusal_is_retried_and_its_answer_kept(
    app: Flask, runner: FlaskCliRunner, relay: Relay
) -> None:
    relay[1].answers.append("451 4.3.0 Try again later")
    receive(compose("Do you ship to Canada?"))
    deliver(runner)
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_result == "451 4.3.0 Try again later"
    deliver(runner)  # not due yet: the backoff holds it back
    assert relay[1].received == []
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2)):
        deliver(runner)
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("sent", 2)
    assert message.last_result.startswith("250 2.0.0 Ok")
    assert len(relay[1].received) == 1


def test_a_permanent_refusal_fails_at_once(
    app: Flask, runner: FlaskCliRunner, relay: Relay
) -> None:
    relay[1].answers.append("550 5.1.1 No such user")
    receive(compose("Do you ship to Canada?"))
    deliver(runner)
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert (message.status, message.last_result) == ("failed", "550 5.1.1 No such user")


def test_automatic_replies_to_one_address_are_capped(
    app: Flask, runner: FlaskCliRunner, relay: Relay
) -> None:
    app.config["AUTO_REPLY_LIMIT"] = 2
    for number in range(3):
        receive(compose(f"Question number {number} about shipping."))
    deliver(runner)
    assert len(relay[1].received) == 2
    assert db.session.query(PrivacyRequest).count() == 3  # every message is still tracked


def test_our_messages_are_dkim_signed(
    app: Flask, runner: FlaskCliRunner, relay: Relay, dkim_key: tuple[bytes, bytes], tmp_path: Path
) -> None:
    private, public = dkim_key
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(private)
    app.config.update(DKIM_SELECTOR="mail", DKIM_KEY_FILE=str(key_file))
    receive(compose("Do you ship to Canada?"))
    deliver(runner)
    [(_, _, raw)] = relay[1].received
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"mail._domainkey.example.com."
        return record

    assert dkim.verify(raw, dnsfunc=dns)


def test_without_a_relay_mail_is_written_to_the_outbox_folder(
    app: Flask, runner: FlaskCliRunner, relay: Relay
) -> None:
    app.config["SMTP_RELAY"] = ""
    receive(compose("Do you ship to Canada?"))
    result = deliver(runner)
    assert "delivered or retried: 1" in result.output
    [written] = sorted((Path(app.config["INSTANCE_PATH"]) / "outbox").glob("*.eml"))
    assert b"Auto-Submitted: auto-replied" in written.read_bytes()
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.status == "sent" and str(written) in message.last_result


def staff_decides(request: PrivacyRequest, to: str, note: str | None = None) -> None:
    privacy_requests.decide(request, RequestStatus(to), "staff:1", note)
    db.session.commit()


def test_an_extension_is_notified_with_its_reason_and_new_date(
    app: Flask, runner: FlaskCliRunner, relay: Relay
) -> None:
    # standards E28: one extension of 45 more days, with notice and reason before day 45.
    make_contact("pat@customer.example.net")
    with time_machine.travel(datetime(2026, 3, 2, 17, 0, tzinfo=UTC), tick=False):
        [request] = receive(compose("Please correct my surname to Smyth.")).requests
    respond = {d["rule"]: d["due"] for d in request.deadlines}["respond"]
    assert respond == "2026-04-16"
    with time_machine.travel(datetime(2026, 4, 14, 17, 0, tzinfo=UTC), tick=False):
        staff_decides(request, "extended", "Your records are spread over two archived systems.")
        deliver(runner)
    assert {d["rule"]: d["due"] for d in request.deadlines}["respond"] == "2026-05-31"
    notice = captured(relay)[-1][2]
    assert notice["Auto-Submitted"] == "auto-generated"
    body = notice.get_content()
    assert "two archived systems" in body and "2026-05-31" in body


def test_an_extension_after_day_44_is_refused(app: Flask, relay: Relay) -> None:
    make_contact("pat@customer.example.net")
    with time_machine.travel(datetime(2026, 3, 2, 17, 0, tzinfo=UTC), tick=False):
        [request] = receive(compose("Please correct my surname to Smyth.")).requests
    with (
        time_machine.travel(datetime(2026, 4, 16, 17, 0, tzinfo=UTC), tick=False),
        pytest.raises(TooLateToExtend),
    ):
        privacy_requests.decide(request, RequestStatus.EXTENDED, "staff:1", "more time")


def test_a_denial_tells_the_requester_why(app: Flask, runner: FlaskCliRunner, relay: Relay) -> None:
    # standards F39: refusals give reasons.
    [request] = receive(compose("Please delete my data.", sender="x@customer.example.net")).requests
    staff_decides(request, "denied", "We hold no personal information under this address.")
    deliver(runner)
    denial = captured(relay)[-1][2]
    assert "We hold no personal information under this address." in denial.get_content()
    assert denial["Subject"] == f"[{request.reference}] About your request"


def test_every_message_links_to_the_status_page(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, relay: Relay
) -> None:
    make_contact("pat@customer.example.net")
    receive(compose("What personal data do you hold about me?"))
    deliver(runner)
    client.post(link(captured(relay)[1][2], "v"))
    deliver(runner)
    purposes = [m["Subject"] for _, _, m in captured(relay)]
    assert len(purposes) == 3  # acknowledgement, verification, download link
    for _, _, message in captured(relay):
        assert client.get(link(message, "r")).status_code == 200
