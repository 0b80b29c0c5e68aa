"""Retention: `prefcenter purge` deletes what people wrote once it is old enough, never a request
or the request log; `--dry-run` only says what would go."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from mail import intake
from prefcenter import config
from prefcenter.cli import main
from prefcenter.errors import ConfigError
from prefcenter.extensions import db
from prefcenter.models import InboundMessage, PrivacyRequest, RequestEvent
from tests.factories import make_staff
from tests.inbound import compose, receive
from tests.test_console import csrf_token, sign_in

T0 = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def at(app: Flask, moment: datetime) -> None:
    app.config["CLOCK"] = lambda: moment


def purge(runner: FlaskCliRunner, *options: str) -> list[str]:
    result = runner.invoke(main, ["purge", *options])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def with_attachment(message: EmailMessage) -> EmailMessage:
    message.add_attachment(
        b"%PDF-1.4 passport scan", maintype="application", subtype="pdf", filename="passport.pdf"
    )
    return message


def bodies() -> dict[str, tuple[bytes, str | None, int]]:
    """Per subject: raw bytes, text, number of attachments listed, as stored now."""
    db.session.rollback()
    rows = db.session.scalars(select(InboundMessage).order_by(InboundMessage.id))
    return {m.subject or "": (m.raw, m.text, len(m.attachments)) for m in rows}


def history() -> tuple[list[tuple[str, str, str]], int]:
    """Every request (reference, kind, status), and how many request events there are."""
    db.session.rollback()
    requests = db.session.execute(
        select(PrivacyRequest.reference, PrivacyRequest.kind, PrivacyRequest.status).order_by(
            PrivacyRequest.id
        )
    )
    events = db.session.scalar(select(func.count(RequestEvent.id)))
    return [tuple(r) for r in requests], events or 0


@pytest.fixture
def mailbox(app: Flask) -> dict[str, PrivacyRequest]:
    """Four messages, three received at T0 and one 60 days later; the requests they opened."""
    at(app, T0)
    stop = compose("Please stop emailing me.", subject="stop", sender="pat@customer.example.net")
    opened = {"stop": receive(with_attachment(stop)).requests[0]}
    bounce = compose(
        "Delivery to the recipient failed.",
        subject="bounce",
        sender="MAILER-DAEMON@mx.customer.example.net",
        headers={"Auto-Submitted": "auto-replied"},
    )
    assert receive(bounce, envelope_sender="").machine_generated
    question = compose("Do you ship to Canada?", subject="question", sender="sam@example.net")
    opened["question"] = receive(question).requests[0]
    at(app, T0 + 60 * DAY)
    recent = compose("Please stop emailing me.", subject="recent", sender="lee@example.net")
    opened["recent"] = receive(recent).requests[0]
    statuses = {subject: request.status for subject, request in opened.items()}
    assert statuses == {"stop": "completed", "question": "received", "recent": "completed"}
    return opened


def test_dry_run_says_what_would_go_and_changes_nothing(
    app: Flask, runner: FlaskCliRunner, mailbox: dict[str, PrivacyRequest]
) -> None:
    before = bodies()
    at(app, T0 + 100 * DAY)
    lines = purge(runner, "--dry-run")
    assert (
        lines[0] == "retention: 90 days; bodies of messages received before 2026-01-15 17:00 UTC go"
    )
    assert lines[1].startswith("would purge: the bodies of 2 messages (")
    assert lines[1].endswith("), received 2026-01-05 to 2026-01-05")
    assert lines[2:] == [
        "kept until their request ends or they are processed: 1",
        "request log: untouched, 3 requests",
    ]
    assert bodies() == before
    assert "@" not in "\n".join(lines)


def test_purge_deletes_old_bodies_and_keeps_every_request_and_the_log(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    mailbox: dict[str, PrivacyRequest],
) -> None:
    # standards E35: the request log and each request's history outlive the bodies.
    requests_before = history()
    stop = mailbox["stop"]
    at(app, T0 + 100 * DAY)
    lines = purge(runner)
    assert lines[1].startswith("purged: the bodies of 2 messages (")
    assert lines[2] == "kept until their request ends or they are processed: 1"

    stored = bodies()
    assert stored["stop"] == (b"", None, 0)
    assert stored["bounce"] == (b"", None, 0)
    assert b"Do you ship to Canada?" in stored["question"][0]  # its request is still open
    assert b"Please stop emailing me." in stored["recent"][0]  # 40 days old
    assert history() == requests_before
    purged = db.session.scalar(select(InboundMessage).where(InboundMessage.subject == "stop"))
    assert purged is not None
    assert (purged.purged_at, purged.received_at, purged.kind) == (
        T0 + 100 * DAY,
        T0,
        "discontinue",
    )
    assert purged.from_address == "pat@customer.example.net"

    # What staff see: the message and its request, without the body or the attachment.
    admin = make_staff("admin@example.com", role="admin")
    assert sign_in(client, admin) == 302
    page = client.get(f"/console/requests/{stop.reference}").get_data(as_text=True)
    assert "2026-01-05 17:00 UTC · from pat@customer.example.net · stop" in page
    assert "Please stop emailing me." not in page and "passport.pdf" not in page
    assert client.get(f"/console/messages/{purged.id}/attachments/0").status_code == 404
    log = client.get("/console/log?start=2026-01-01&end=2026-12-31&format=json")
    assert [(row["kind"], row["outcome"]) for row in json.loads(log.get_data())] == [
        ("discontinue", "completed"),
        ("other", "received"),
        ("discontinue", "completed"),
    ]

    # Once the open request ends, its message goes at the next run; a run with nothing due
    # changes nothing.
    path = f"/console/requests/{mailbox['question'].reference}"
    client.post(f"{path}/cancel", data={"csrf_token": csrf_token(client, path)})
    assert purge(runner)[1].startswith("purged: the bodies of 1 message (")
    assert bodies()["question"] == (b"", None, 0)
    assert purge(runner)[1] == "purged: nothing"


def test_request_log_outlives_purged_bodies_past_24_months(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    # standards E35: requests 23 and 25 months old stay in the log whatever the purge took.
    received = [T0 - 25 * 30 * DAY, T0 - 23 * 30 * DAY]
    for moment in received:
        at(app, moment)
        receive(compose("Please stop emailing me.", sender=f"{moment:%Y%m%d}@example.net"))
    at(app, T0)
    assert purge(runner)[1].startswith("purged: the bodies of 2 messages (")
    sign_in(client, make_staff("admin@example.com", role="admin"))
    log = client.get("/console/log?start=2023-01-01&end=2026-01-05&format=json")
    assert [(row["received"], row["kind"]) for row in json.loads(log.get_data())] == [
        (f"{moment:%Y-%m-%d}", "discontinue") for moment in received
    ]


def test_a_purged_message_delivered_again_is_still_a_duplicate(
    app: Flask, runner: FlaskCliRunner
) -> None:
    at(app, T0)
    mail = compose("Please stop emailing me.", sender="pat@customer.example.net")
    receive(mail)
    at(app, T0 + 100 * DAY)
    purge(runner)
    envelope = intake.Envelope("pat@customer.example.net", ("privacy@example.com",), "smtp")
    assert intake.store(mail.as_bytes(), envelope).duplicate
    assert bodies() == {"Hello": (b"", None, 0)}


@pytest.mark.parametrize(
    ("value", "problem"),
    [("0", "must be at least 1 (days)"), ("ninety", "must be a whole number, not 'ninety'")],
)
def test_the_retention_setting_is_checked(tmp_path: Path, value: str, problem: str) -> None:
    environ = {"PREFCENTER_INSTANCE_PATH": str(tmp_path)}
    assert config.finalise(config.from_environ(environ))["RAW_BODY_RETENTION_DAYS"] == 90
    environ["PREFCENTER_RAW_BODY_RETENTION_DAYS"] = value
    with pytest.raises(ConfigError) as refused:
        config.finalise(config.from_environ(environ))
    assert str(refused.value) == f"PREFCENTER_RAW_BODY_RETENTION_DAYS {problem}"
